// Command smoke invokes a deployed chatstream producer once and reports whether, and how fast, its events became queryable in Redshift.
package main
