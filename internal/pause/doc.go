// Package pause waits for a while unless a context ends first.
package pause
