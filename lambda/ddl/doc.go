// Package ddl applies the streaming-ingestion DDL through the Redshift Data API as the onEvent and isComplete handlers of a CDK custom-resource Provider.
package ddl
