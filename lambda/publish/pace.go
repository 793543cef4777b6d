package publish

import (
	"golang.org/x/time/rate"
)

// paced reports whether the limiter constrains the rate at all.
func (p *Publisher) paced() bool {
	return p.limiter != nil && p.limiter.Limit() != rate.Inf
}

// pacedBatch is the batch size under pacing: what the rate allows in one
// pacingInterval, at least one record and at most the limiter's burst. At 10
// records/s that is one record every 100 ms rather than a full batch every
// 50 s.
func (p *Publisher) pacedBatch() int {
	n := int(float64(p.limiter.Limit()) * pacingInterval.Seconds())
	return max(1, min(n, p.limiter.Burst(), MaxBatchRecords))
}

// wait takes n tokens from the limiter, sleeping until they are available.
// It returns false, taking nothing, if ctx ends first or its deadline would
// pass before they are: Publish then stops at once rather than wait into
// its deadline.
func (r *run) wait(n int) bool {
	now := r.p.now()
	res := r.p.limiter.ReserveN(now, n)
	if !res.OK() {
		return false
	}
	delay := res.DelayFrom(now)
	if delay == 0 {
		return true
	}
	if deadline, ok := r.ctx.Deadline(); ok && now.Add(delay).After(deadline) {
		res.CancelAt(now)
		return false
	}
	if err := r.p.sleep(r.ctx, delay); err != nil {
		res.CancelAt(r.p.now())
		return false
	}
	return true
}
