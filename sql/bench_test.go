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

// BenchmarkLoad measures rendering one load's statements, which the loader
// does at the start of every run.
func BenchmarkLoad(b *testing.B) {
	p := DefaultParams("chat-events-staging")
	p.Mode = Scheduled
	for b.Loop() {
		if _, err := Load(p, exampleRun); err != nil {
			b.Fatal(err)
		}
	}
}
