// Command sqlrunner is the custom-resource Lambda that applies the streaming-ingestion DDL through the Redshift Data API.
package main
