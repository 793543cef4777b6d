package faultproxy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// newTestProxy is a proxy that is never started: decide and throttles need
// only its faults and generators.
func newTestProxy(seed uint64, faults Faults) *Proxy {
	r := rand.New(rand.NewPCG(seed, 0))
	return &Proxy{
		faults:      faults,
		requestRand: rand.New(rand.NewPCG(r.Uint64(), r.Uint64())),
		entryRand:   rand.New(rand.NewPCG(r.Uint64(), r.Uint64())),
	}
}

// The n-th request's fate must not depend on how many entries the requests
// before it carried, which concurrency and resends make vary from run to
// run; otherwise a seed would not reproduce a run.
func TestFateDependsOnlyOnSeedAndRequestNumber(t *testing.T) {
	faults := Faults{Throttle: 0.5, ServerError: 0.2, Delay: 0.2, LoseAnswer: 0.2}
	fates := func(entries func(request int) int) []requestFault {
		p := newTestProxy(42, faults)
		out := make([]requestFault, 200)
		for i := range out {
			out[i], _ = p.decide()
			p.throttles(entries(i))
		}
		return out
	}
	few := fates(func(int) int { return 1 })
	many := fates(func(i int) int { return 500 - 2*i })
	if diff := cmp.Diff(few, many); diff != "" {
		t.Errorf("fates changed with the number of entries per request (-1 entry +many):\n%s", diff)
	}
}

func TestFatesFollowTheShares(t *testing.T) {
	faults := Faults{Throttle: 0.3, ServerError: 0.1, Delay: 0.2, LoseAnswer: 0.05}
	p := newTestProxy(7, faults)
	const n = 100_000
	got := map[requestFault]int{}
	codes := map[string]int{}
	for range n {
		f, code := p.decide()
		got[f]++
		if f == serverError {
			codes[code]++
		}
	}
	throttled := 0
	for _, th := range p.throttles(n) {
		if th {
			throttled++
		}
	}
	// The seed makes this exact; the tolerance is what a sound generator
	// keeps to in 100,000 draws (about five standard deviations).
	near := func(name string, count, of int, share float64) {
		t.Helper()
		if got := float64(count) / float64(of); math.Abs(got-share) > 0.01 {
			t.Errorf("%s: share %.4f, want %.2f", name, got, share)
		}
	}
	near("server errors", got[serverError], n, faults.ServerError)
	near("delays", got[delayed], n, faults.Delay)
	near("lost answers", got[lostAnswer], n, faults.LoseAnswer)
	near("no fault", got[noFault], n, 1-faults.ServerError-faults.Delay-faults.LoseAnswer)
	near("throttled entries", throttled, n, faults.Throttle)
	near("InternalFailure among server errors", codes[CodeInternalFailure], got[serverError], 0.5)
}
