// Package pgload runs the loader's statements on the local PostgreSQL warehouse: one statement, or a transaction, on a pgx connection pool.
package pgload
