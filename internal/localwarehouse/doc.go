// Package localwarehouse is make local's warehouse: the local PostgreSQL under .local with a fresh schema for each run, the stand-in for streaming ingestion and the loader after every tick, the analytics queries, and the check that it holds exactly what the producer sent.
package localwarehouse
