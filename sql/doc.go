// Package sql embeds the streaming-ingestion DDL, the analytics queries and the local warehouse's own statements, and renders them with safely quoted names.
package sql
