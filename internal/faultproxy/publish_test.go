package faultproxy_test

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/chatstream/chatstream/internal/faultproxy"
	"github.com/chatstream/chatstream/lambda/publish"
)

func ptr[T any](v T) *T { return &v }

// records yields n records with distinct data.
func records(n int) iter.Seq[publish.Record] {
	return func(yield func(publish.Record) bool) {
		for i := range n {
			if !yield(publish.Record{PartitionKey: fmt.Sprint(i % 97), Data: fmt.Appendf(nil, "event-%05d", i)}) {
				return
			}
		}
	}
}

// witness stands between a Publisher and its SDK client and counts, for
// each record, the acknowledgements that reached the Publisher. The proxy
// counts an answer as acknowledged once it has written it to the
// connection, and a client whose request timeout fires just then never
// reads it: only the client side knows what it heard.
type witness struct {
	client *kinesis.Client

	mu    sync.Mutex
	heard map[string]int
}

func newWitness(client *kinesis.Client) *witness {
	return &witness{client: client, heard: map[string]int{}}
}

// PutRecords is the Publisher's one call.
func (w *witness) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	out, err := w.client.PutRecords(ctx, in, optFns...)
	if err != nil || len(out.Records) != len(in.Records) {
		return out, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, r := range out.Records {
		if aws.ToString(r.ErrorCode) == "" {
			w.heard[string(in.Records[i].Data)]++
		}
	}
	return out, err
}

// acknowledgements returns what the Publisher heard, per record.
func (w *witness) acknowledgements() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.heard)
}

// The publisher alone, in fast motion, through every fault at once: the
// same promises as the producer's integration tests, with timeouts and
// backoff scaled down so that many seeds fit in seconds.
//
// Nothing in it depends on how fast the machine is. The proxy holds a
// delayed request until the publisher's 500 ms request timeout gives up on
// it, however long that takes, rather than for a set time. And an ordinary
// request that outlasts the timeout on a loaded machine is a lost answer
// like any other: the proxy may count it acknowledged, but the witness
// knows that the publisher never heard it, and the checks use what the
// publisher heard.
func TestPublishKeepsItsPromisesUnderFaults(t *testing.T) {
	const requestTimeout = 500 * time.Millisecond
	faults := faultproxy.Faults{Throttle: 0.2, ServerError: 0.1, Delay: 0.1, LoseAnswer: 0.1}
	tests := []struct {
		name        string
		faults      faultproxy.Faults
		maxAttempts int
		// wantFailed says whether records must fail; with eight attempts
		// against mixed faults a record may or may not run out of them.
		wantFailed *bool
		// mixed runs must meet every kind of fault and leave duplicates,
		// or they prove little.
		mixed bool
	}{
		{name: "mixed faults", faults: faults, maxAttempts: 8, mixed: true},
		{name: "mixed faults, two attempts", faults: faults, maxAttempts: 2, wantFailed: ptr(true)},
		{name: "every entry throttled", faults: faultproxy.Faults{Throttle: 1}, maxAttempts: 3, wantFailed: ptr(true)},
		{name: "every request 5xx", faults: faultproxy.Faults{ServerError: 1}, maxAttempts: 3, wantFailed: ptr(true)},
		{name: "every answer lost", faults: faultproxy.Faults{LoseAnswer: 1}, maxAttempts: 3, wantFailed: ptr(true)},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed %d", tt.name, seed), func(t *testing.T) {
				up := startUpstream(t)
				p := startProxy(t, up.URL, tt.faults, seed)
				w := newWitness(proxyClient(p, 0))
				pub, err := publish.New(w, publish.Options{
					Stream:         testStream,
					MaxInFlight:    4,
					MaxAttempts:    tt.maxAttempts,
					BaseBackoff:    2 * time.Millisecond,
					MaxBackoff:     20 * time.Millisecond,
					RequestTimeout: requestTimeout,
					// 200 records a request, so that faults hit many requests.
					Rate: 2000,
					Rand: rand.New(rand.NewPCG(seed, 9)),
				})
				if err != nil {
					t.Fatal(err)
				}
				const n = 2000
				res := pub.Publish(t.Context(), records(n))
				counts := settled(t, p)

				duplicates := checkDelivery(t, reported{Generated: n, Sent: res.Sent, Failed: res.Failed}, outcome{
					records:        p.Records(),
					unacknowledged: counts.Unacknowledged,
					copies:         stored(up),
					heard:          w.acknowledgements(),
				})
				if failed := res.Failed > 0; tt.wantFailed != nil && failed != *tt.wantFailed {
					t.Errorf("Publish() = %+v; want failures %t", res, *tt.wantFailed)
				}
				if c := counts; tt.mixed && (c.Throttled == 0 || c.ServerErrors == 0 || c.LateAnswers == 0 || c.LostAnswers == 0 || duplicates == 0) {
					t.Errorf("proxy counts %+v and %d duplicates, want every kind of fault and some duplicates", c, duplicates)
				}
				if tt.faults.Throttle == 1 || tt.faults.ServerError == 1 {
					if n := len(up.Records(testStream)); n != 0 || res.Sent != 0 {
						t.Errorf("with every attempt refused: %d sent and %d stored, want none", res.Sent, n)
					}
				}
				t.Logf("%+v; %d duplicates; proxy %+v", res, duplicates, counts)
			})
		}
	}
}
