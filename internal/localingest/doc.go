// Package localingest stands in for Redshift streaming ingestion on this machine: a refresh reads every shard of a kinesis-local stream into the local warehouse's copy of the streaming materialized view, continuing where the previous refresh stopped.
package localingest
