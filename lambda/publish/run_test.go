package publish

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/internal/pause"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestContextEndsMidRun(t *testing.T) {
	tests := []struct {
		name string
		// ctx returns the run's context and the function that ends it,
		// which is called from inside request 4.
		ctx  func(t *testing.T) (context.Context, func())
		code string
	}{
		{
			name: "canceled",
			ctx: func(t *testing.T) (context.Context, func()) {
				return context.WithCancel(t.Context())
			},
			code: CodeCanceled,
		},
		{
			name: "deadline",
			ctx: func(t *testing.T) (context.Context, func()) {
				return expiring(t.Context())
			},
			code: CodeDeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, stop := tt.ctx(t)
			defer stop()
			// GIVEN a stream that accepts three requests, then hangs until
			// the context ends
			fake := newFake(t, func(ctx context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
				if call <= 3 {
					return accepted(len(ids)), nil
				}
				if call == 4 {
					stop()
				}
				<-ctx.Done()
				return nil, ctx.Err()
			})
			p, _ := newPublisher(t, fake, Options{MaxInFlight: 2})
			var src source

			// WHEN an endless stream of records is published
			got := p.Publish(ctx, src.endless())

			// THEN the three accepted batches count as sent, everything
			// else pulled as failed for the context, and Publish stopped
			// pulling: at most the batches in flight and one being filled
			pulled := int(src.pulled.Load())
			checkAccounting(t, got, pulled)
			checkNoGoroutineLeft(t)
			if got.Sent != 3*MaxBatchRecords {
				t.Errorf("Sent = %d, want %d", got.Sent, 3*MaxBatchRecords)
			}
			if diff := cmp.Diff(map[string]int{tt.code: got.Failed}, got.FailureCodes); diff != "" {
				t.Errorf("FailureCodes mismatch (-want +got):\n%s", diff)
			}
			if limit := (3 + 2 + 1) * MaxBatchRecords; pulled > limit+1 {
				t.Errorf("pulled %d records, want at most %d", pulled, limit+1)
			}
			if got.Retries != 0 {
				t.Errorf("Retries = %d, want 0", got.Retries)
			}
		})
	}
}

func TestContextDoneBeforeStart(t *testing.T) {
	fake := newFake(t, nil)
	p, _ := newPublisher(t, fake, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	got := publish(t, ctx, p, small(10))
	if diff := cmp.Diff(Result{}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if n := len(fake.sent()); n != 0 {
		t.Errorf("made %d requests, want none", n)
	}
}

func TestContextEndsDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fake := newFake(t, func(_ context.Context, _ int, ids []string) (*kinesis.PutRecordsOutput, error) {
		cancel()
		return withCodes(repeat("ProvisionedThroughputExceededException", len(ids))), nil
	})
	p, _ := newPublisher(t, fake, Options{})
	p.sleep = pause.For // real, context-aware sleep
	got := publish(t, ctx, p, small(7))
	want := Result{Failed: 7, Requests: 1, FailureCodes: map[string]int{CodeCanceled: 7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
}

func TestRequestsInFlightAreBoundedAndPullingIsLazy(t *testing.T) {
	const maxInFlight = 3
	// GIVEN a stream that holds every request until released
	release := make(chan struct{})
	arrived := make(chan struct{}, 100)
	fake := newFake(t, func(ctx context.Context, _ int, ids []string) (*kinesis.PutRecordsOutput, error) {
		arrived <- struct{}{}
		select {
		case <-release:
			return accepted(len(ids)), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	p, _ := newPublisher(t, fake, Options{MaxInFlight: maxInFlight})
	var src source
	var got Result
	var wg sync.WaitGroup
	wg.Go(func() { got = p.Publish(t.Context(), src.of(small(20*MaxBatchRecords))) })
	defer func() {
		close(release)
		wg.Wait()
	}()

	// WHEN maxInFlight requests are held
	for range maxInFlight {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("requests did not arrive within 10s")
		}
	}

	// THEN Publish pulls one more batch, and no further, while it waits
	want := int64((maxInFlight + 1) * MaxBatchRecords)
	for deadline := time.Now().Add(10 * time.Second); src.pulled.Load() < want && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if pulled := src.pulled.Load(); pulled != want {
		t.Errorf("pulled %d records while %d requests were held, want %d", pulled, maxInFlight, want)
	}
	if n := len(fake.sent()); n != maxInFlight {
		t.Errorf("%d requests made while %d were held, want %d", n, maxInFlight, maxInFlight)
	}

	close(release)
	wg.Wait()
	release = make(chan struct{}) // for the deferred close
	if diff := cmp.Diff(Result{Sent: 20 * MaxBatchRecords, Requests: 20}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if peak := fake.peakInFlight(); peak != maxInFlight {
		t.Errorf("peak requests in flight = %d, want %d", peak, maxInFlight)
	}
	checkNoGoroutineLeft(t)
}

func TestConcurrentPublishCallsShareAPublisher(t *testing.T) {
	fake := newFake(t, func(_ context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
		codes := make([]string, len(ids))
		if call%3 == 0 {
			codes[0] = "ProvisionedThroughputExceededException"
		}
		return withCodes(codes), nil
	})
	p, _ := newPublisher(t, fake, Options{MaxInFlight: 4})
	results := make([]Result, 4)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = p.Publish(t.Context(), (&source{}).of(small(2000))) })
	}
	wg.Wait()
	for i, res := range results {
		if res.Sent != 2000 || res.Failed != 0 {
			t.Errorf("Publish() #%d = %+v, want all 2000 sent", i, res)
		}
	}
	checkNoGoroutineLeft(t)
}

func TestContextEndsJustAfterBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fake := newFake(t, func(_ context.Context, _ int, ids []string) (*kinesis.PutRecordsOutput, error) {
		return withCodes(repeat("ProvisionedThroughputExceededException", len(ids))), nil
	})
	p, _ := newPublisher(t, fake, Options{})
	// The backoff completes, then the context ends before the resend.
	p.sleep = func(context.Context, time.Duration) error {
		cancel()
		return nil
	}
	got := publish(t, ctx, p, small(7))
	want := Result{Failed: 7, Requests: 1, FailureCodes: map[string]int{CodeCanceled: 7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
}

func TestIteratorPanicLeavesNoGoroutine(t *testing.T) {
	// GIVEN requests that are still in flight when the iterator panics
	release := make(chan struct{})
	fake := newFake(t, func(ctx context.Context, _ int, ids []string) (*kinesis.PutRecordsOutput, error) {
		<-release
		return accepted(len(ids)), nil
	})
	p, _ := newPublisher(t, fake, Options{MaxInFlight: 2})
	records := func(yield func(Record) bool) {
		for i, r := range small(1200) {
			if i == 1100 {
				close(release)
				panic("generator bug")
			}
			if !yield(r) {
				return
			}
		}
	}

	// WHEN Publish runs
	defer func() {
		// THEN the panic reaches the caller once every record pulled
		// before it has been sent, and no goroutine is left
		if got := recover(); got != "generator bug" {
			t.Errorf("recover() = %v, want the iterator's panic", got)
		}
		if diff := cmp.Diff([]int{500, 500, 100}, sizes(fake.sent()), cmpopts.SortSlices(func(a, b int) bool { return a < b })); diff != "" {
			t.Errorf("request sizes mismatch (-want +got):\n%s", diff)
		}
		checkNoGoroutineLeft(t)
	}()
	p.Publish(t.Context(), records)
}
