// Command query prints the streaming-ingestion DDL for review and runs the analytics queries against a deployed workgroup.
package main
