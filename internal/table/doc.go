// Package table prints a query's result as aligned text columns, the way make query, make query-local and make local show the analytics.
package table
