package sql

import "testing"

// BenchmarkApply measures rendering the whole DDL, which the runner repeats
// on every isComplete poll.
func BenchmarkApply(b *testing.B) {
	p := DefaultParams("chat-events-staging")
	for b.Loop() {
		if _, err := Apply(p); err != nil {
			b.Fatal(err)
		}
	}
}
