// Package pgservertest starts a throwaway local PostgreSQL server for the tests of a package, one per test binary.
package pgservertest
