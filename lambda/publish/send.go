package publish

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// send delivers one batch: it resends only the entries that failed with a
// retryable code, with backoff, until each entry is written or has failed.
func (r *run) send(b *batch) {
	defer r.release(b)
	var t tally
	defer r.merge(&t)

	pending := b.entries
	for attempt := 1; ; attempt++ {
		if r.ctx.Err() != nil {
			t.fail(contextCode(r.ctx), len(pending))
			return
		}
		if attempt > 1 {
			t.retries += len(pending)
		}
		out, err := r.p.put(r.ctx, pending)
		t.requests++

		var code string
		retryable := false
		switch {
		case err != nil && r.ctx.Err() != nil:
			// The request may or may not have been written.
			t.fail(contextCode(r.ctx), len(pending))
			return
		case err != nil:
			code, retryable = classify(err)
		case out == nil || len(out.Records) != len(pending):
			code, retryable = CodeMalformedResponse, true
		default:
			pending, code = r.settle(&t, pending, out.Records, attempt)
			if len(pending) == 0 {
				return
			}
			retryable = true
		}
		if !retryable || attempt >= r.p.maxAttempts {
			t.fail(code, len(pending))
			return
		}

		d := r.p.backoff(attempt)
		if pastDeadline(r.ctx, r.p.now(), d) {
			// No time left to resend: report why they failed, not the deadline.
			t.fail(code, len(pending))
			return
		}
		if err := r.p.sleep(r.ctx, d); err != nil {
			t.fail(contextCode(r.ctx), len(pending))
			return
		}
	}
}

// settle counts the entries a PutRecords answer accepted and the ones it
// failed for good, and returns the ones to resend, compacted in place, with
// the error code of the last of them. Per-entry ErrorCode is the source of
// truth; FailedRecordCount only summarizes it.
func (r *run) settle(t *tally, sent []types.PutRecordsRequestEntry, results []types.PutRecordsResultEntry, attempt int) ([]types.PutRecordsRequestEntry, string) {
	resend := sent[:0]
	var last string
	for i, res := range results {
		if res.ErrorCode == nil || *res.ErrorCode == "" {
			t.sent++
			continue
		}
		code := *res.ErrorCode
		if !retryableCode(code) || attempt >= r.p.maxAttempts {
			t.fail(code, 1)
			continue
		}
		resend = append(resend, sent[i])
		last = code
	}
	return resend, last
}

// put makes one PutRecords request, bounded by the request timeout.
func (p *Publisher) put(ctx context.Context, entries []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, p.requestTimeout)
	defer cancel()
	return p.client.PutRecords(ctx, &kinesis.PutRecordsInput{
		StreamName: p.streamName,
		StreamARN:  p.streamARN,
		Records:    entries,
	})
}

// backoff returns the wait before resend number retry (1 for the first):
// "full jitter", uniform between zero and a ceiling that starts at
// BaseBackoff and doubles per retry up to MaxBackoff, so that many
// throttled senders spread out instead of retrying in lockstep.
func (p *Publisher) backoff(retry int) time.Duration {
	ceiling := p.baseBackoff
	for i := 1; i < retry && ceiling < p.maxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.maxBackoff)
	p.randMu.Lock()
	defer p.randMu.Unlock()
	return time.Duration(p.rand.Int64N(int64(ceiling) + 1))
}
