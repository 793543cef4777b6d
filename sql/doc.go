// Package sql embeds the streaming-ingestion DDL and the analytics queries and renders them with safely quoted names.
package sql
