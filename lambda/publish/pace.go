package publish

import (
	"context"
	"time"
)

// pacedBurst is the limiter burst, and so the batch size, for a rate of
// recordsPerSecond: what the rate allows in one pacingInterval, at least one
// record and at most MaxBatchRecords. At 10 records/s that is one record
// every 100 ms rather than a full batch every 50 s.
func pacedBurst(recordsPerSecond float64) int {
	return max(1, min(int(recordsPerSecond*pacingInterval.Seconds()), MaxBatchRecords))
}

// paced reports whether publishing is paced at all.
func (p *Publisher) paced() bool {
	return p.limiter != nil
}

// pacedBatch is the batch size under pacing: the limiter's burst.
func (p *Publisher) pacedBatch() int {
	return p.limiter.Burst()
}

// wait takes n tokens from the limiter, sleeping until they are available.
// It returns false, taking nothing, if ctx ends first or its deadline would
// pass before they are: Publish then stops at once rather than wait into
// its deadline.
func (r *run) wait(n int) bool {
	now := r.p.now()
	// n never exceeds the burst and the limit is positive and finite, so
	// the reservation always succeeds; only its delay matters.
	res := r.p.limiter.ReserveN(now, n)
	delay := res.DelayFrom(now)
	if delay == 0 {
		return true
	}
	if pastDeadline(r.ctx, now, delay) {
		res.CancelAt(now)
		return false
	}
	if err := r.p.sleep(r.ctx, delay); err != nil {
		res.CancelAt(r.p.now())
		return false
	}
	return true
}

// pastDeadline reports whether waiting d from now would end after ctx's
// deadline.
func pastDeadline(ctx context.Context, now time.Time, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && now.Add(d).After(deadline)
}
