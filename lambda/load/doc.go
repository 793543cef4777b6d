// Package load moves what streaming ingestion wrote into the events table: one run of the loader, on Redshift through the Data API or on any engine that runs a statement and a transaction.
package load
