// Package pgserver runs the local warehouse: a PostgreSQL server from the repository's pinned npm packages, on 127.0.0.1, with its data kept across runs.
package pgserver
