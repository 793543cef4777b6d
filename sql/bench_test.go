package sql

import "testing"

// BenchmarkApply measures rendering the whole DDL, which the runner repeats
// on every isComplete poll.
func BenchmarkApply(b *testing.B) {
	p, err := ForEnv("staging", stagingRoleARN)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Apply(p); err != nil {
			b.Fatal(err)
		}
	}
}
