package publish

import (
	"context"
	"iter"
	"sync"
)

// Publish sends every record that records yields and accounts for each one in
// the Result: Sent + Failed equals the number of records pulled.
//
// Records are pulled lazily, batched into PutRecords requests and sent with
// at most Options.MaxInFlight requests in flight, so at most MaxInFlight+1
// batches are alive at once however many records the iterator yields. When
// ctx is done Publish stops pulling, fails what it has not sent with
// CodeDeadlineExceeded or CodeCanceled, and returns once every request has
// ended; it leaves no goroutine behind.
//
// Delivery is at least once: when a request's answer is lost (a timeout, a
// dropped connection, a garbled response) its records are sent again, so
// the stream may hold some of them twice. Consumers deduplicate by the
// record's own id. Kinesis does not keep the order of records in one
// request, and resends reorder further.
func (p *Publisher) Publish(ctx context.Context, records iter.Seq[Record]) Result {
	r := &run{
		p:     p,
		ctx:   ctx,
		slots: make(chan struct{}, p.maxInFlight),
	}
	func() {
		// Deferred so that requests end even if the iterator panics.
		defer r.wg.Wait()
		next, stop := iter.Pull(records)
		defer stop()
		r.pull(next)
	}()
	return r.total.result()
}

// run is the state of one Publish call.
type run struct {
	p   *Publisher
	ctx context.Context
	// slots holds a token per request in flight.
	slots chan struct{}
	wg    sync.WaitGroup

	mu    sync.Mutex
	total tally
}

// pull batches records from next until the iterator ends or ctx is done.
// A batch is dispatched as soon as it is full, so none waits for the next
// record to be generated; when paced, the wait for the next batch's tokens
// comes after the record that needs them is pulled, so Publish never waits
// for records that do not exist.
func (r *run) pull(next func() (Record, bool)) {
	b := r.batch()
	defer func() { r.dispatch(b) }()
	// room is how many more records the current batch may take: the tokens
	// reserved for it when paced.
	room := 0
	for r.ctx.Err() == nil {
		rec, ok := next()
		if !ok {
			return
		}
		if code := invalid(rec); code != "" {
			r.fail(code, 1)
			continue
		}
		if room == 0 {
			room = MaxBatchRecords
			if r.p.paced() {
				room = r.p.pacedBatch()
				if !r.wait(room) {
					r.fail(contextCode(r.ctx), 1)
					return
				}
			}
		}
		size := recordSize(rec)
		if !b.fits(size) {
			r.dispatch(b)
			b = r.batch()
		}
		b.add(rec, size)
		room--
		if room == 0 {
			r.dispatch(b)
			b = r.batch()
		}
	}
}

// dispatch sends b once a request slot is free, or fails its records if ctx
// ends first.
func (r *run) dispatch(b *batch) {
	if len(b.entries) == 0 {
		r.release(b)
		return
	}
	if r.ctx.Err() == nil {
		select {
		case r.slots <- struct{}{}:
			r.wg.Go(func() {
				defer func() { <-r.slots }()
				r.send(b)
			})
			return
		case <-r.ctx.Done():
		}
	}
	r.fail(contextCode(r.ctx), len(b.entries))
	r.release(b)
}

func (r *run) batch() *batch {
	select {
	case b := <-r.p.spare:
		return b
	default:
		return newBatch()
	}
}

func (r *run) release(b *batch) {
	b.reset()
	select {
	case r.p.spare <- b:
	default:
	}
}

func (r *run) fail(code string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total.fail(code, n)
}

func (r *run) merge(t *tally) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total.add(t)
}

// tally counts outcomes; see Result.
type tally struct {
	sent, failed, requests, retries int
	codes                           map[string]int
}

func (t *tally) fail(code string, n int) {
	if n == 0 {
		return
	}
	if t.codes == nil {
		t.codes = make(map[string]int)
	}
	t.codes[code] += n
	t.failed += n
}

func (t *tally) add(o *tally) {
	t.sent += o.sent
	t.requests += o.requests
	t.retries += o.retries
	for code, n := range o.codes {
		t.fail(code, n)
	}
}

func (t *tally) result() Result {
	return Result{Sent: t.sent, Failed: t.failed, Requests: t.requests, Retries: t.retries, FailureCodes: t.codes}
}
