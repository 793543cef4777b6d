// Package smoke proves that a deployed chatstream pipeline works end to end: it invokes the producer with a tagged run, waits for the run's events in Redshift, and reports how many arrived, how fast, and what to check when they do not.
package smoke
