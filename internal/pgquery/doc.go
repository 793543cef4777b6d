// Package pgquery runs SQL statements on the local PostgreSQL warehouse and returns their rows in the Redshift Data API runner's shape, so that what reads results works on both engines.
package pgquery
