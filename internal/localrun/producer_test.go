package localrun

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/faultproxy"
	"github.com/chatstream/chatstream/lambda/publish"
	"github.com/google/go-cmp/cmp"
)

// These tests run the real producer (lambda/producer) under the Runtime
// Interface Emulator against kinesis-local, as make local does, and check
// the stream record by record. They share one kinesis-local; every subtest
// has its own stream and its own emulator.
func TestProducerEndToEnd(t *testing.T) {
	ctx := testContext(t, 8*time.Minute)
	root, bin := repoRoot(t), t.TempDir()
	bootstrap, err := BuildProducer(ctx, root, bin)
	if err != nil {
		t.Fatal(err)
	}
	rie, err := BuildEmulator(ctx, root, bin)
	if err != nil {
		t.Fatal(err)
	}
	k := startKinesis(t)

	// producer creates a stream named after the test and starts the producer
	// writing to it, through endpoint when not empty.
	producer := func(t *testing.T, settings map[string]string, endpoint string) (*Emulator, string) {
		t.Helper()
		stream := "it-" + regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(t.Name()), "-")
		if len(stream) > 128 {
			stream = stream[:128]
		}
		if err := CreateStream(ctx, k.Client, stream, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		env := FunctionEnv(k, stream, settings)
		if endpoint != "" {
			env["AWS_ENDPOINT_URL_KINESIS"] = endpoint
		}
		work := t.TempDir()
		em, err := StartEmulator(ctx, EmulatorConfig{Binary: rie, Bootstrap: bootstrap, WorkDir: work, Env: env, FunctionTimeout: 60 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := em.Stop(); err != nil {
				t.Error(err)
			}
			dumpLogOnFailure(t, em.Log)
		})
		return em, stream
	}
	event := func(t *testing.T, name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, "events", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	readBack := func(t *testing.T, stream string) ([]Record, Summary) {
		t.Helper()
		records, err := ReadStream(ctx, k.Client, stream)
		if err != nil {
			t.Fatal(err)
		}
		return records, Summarize(records)
	}

	t.Run("scheduler ticks", func(t *testing.T) {
		// GIVEN the producer configured for 300 events per invocation
		em, stream := producer(t, map[string]string{"EVENTS_PER_INVOCATION": "300"}, "")

		// WHEN the schedule invokes it twice
		var reported int
		for tick := 1; tick <= 2; tick++ {
			inv, err := em.Invoke(ctx, event(t, "scheduler.json"))
			if err != nil {
				t.Fatalf("tick %d: %v", tick, err)
			}
			r := inv.Result
			if r.Sent != 300 || r.Failed != 0 || r.Generated != 300 || r.Requests < 1 {
				t.Errorf("tick %d: result %s, want 300 generated and sent, none failed, at least one request", tick, inv.Payload)
			}
			reported += r.Sent
		}

		// THEN the stream holds exactly those 600 events, each once, each valid
		_, s := readBack(t, stream)
		if err := s.Compare(reported); err != nil {
			t.Error(err)
		}
		if s.Records != 600 {
			t.Errorf("read %d records, want 600", s.Records)
		}
		named := 0
		for _, n := range s.ByName {
			named += n
		}
		if named != 600 {
			t.Errorf("valid records per event name add up to %d (%v), want 600", named, s.ByName)
		}
		// AND the user id as partition key spreads them over the shards
		if len(s.ByShard) < 2 {
			t.Errorf("records on shards %v, want more than one", s.ByShard)
		}
	})

	t.Run("rule event", func(t *testing.T) {
		em, stream := producer(t, map[string]string{"EVENTS_PER_INVOCATION": "150"}, "")
		inv, err := em.Invoke(ctx, event(t, "rule.json"))
		if err != nil {
			t.Fatal(err)
		}
		_, s := readBack(t, stream)
		if inv.Result.Sent != 150 || s.Compare(150) != nil {
			t.Errorf("rule event: reported %d sent, stream check %v; want 150 and no difference", inv.Result.Sent, s.Compare(150))
		}
	})

	t.Run("manual payload overrides the count and tags the run", func(t *testing.T) {
		// GIVEN a manual payload {"count": 100, "rate": 50, "run_id": "manual-example"}
		em, stream := producer(t, map[string]string{"EVENTS_PER_INVOCATION": "500"}, "")
		inv, err := em.Invoke(ctx, event(t, "manual.json"))
		if err != nil {
			t.Fatal(err)
		}
		records, s := readBack(t, stream)
		if inv.Result.Sent != 100 {
			t.Errorf("sent %d, want the payload's count 100 over the configured 500", inv.Result.Sent)
		}
		if err := s.Compare(100); err != nil {
			t.Error(err)
		}
		runs := map[string]int{}
		for _, r := range records {
			e, _ := CheckRecord(r)
			runs[e.RunID]++
		}
		if diff := cmp.Diff(map[string]int{"manual-example": 100}, runs); diff != "" {
			t.Errorf("run ids of the records (-want +got):\n%s", diff)
		}
	})

	t.Run("refused payload writes nothing", func(t *testing.T) {
		em, stream := producer(t, nil, "")
		for _, payload := range []string{`{"count":-3}`, `{"count":"many"}`, `[]`, `{"source":"aws.events","detail-type":"Something else"}`} {
			_, err := em.Invoke(ctx, []byte(payload))
			var fe *FunctionError
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Errorf("Invoke(%s) error = %v, want a Lambda function error with a message", payload, err)
			}
		}
		if _, s := readBack(t, stream); s.Records != 0 {
			t.Errorf("refused payloads wrote %d records, want none", s.Records)
		}
	})

	t.Run("failed records surface as a Lambda error", func(t *testing.T) {
		// GIVEN a stream that refuses four in five records on every attempt,
		// so that some records outlast the retries and others get through
		proxy, err := faultproxy.Start(faultproxy.Options{
			Upstream: k.Endpoint,
			Faults:   faultproxy.Faults{Throttle: 0.8},
			Rand:     rand.New(rand.NewPCG(1, 0)),
			RecordID: func(data []byte) string {
				var e struct {
					EventID string `json:"event_id"`
				}
				json.Unmarshal(data, &e) // an undecodable record counts under ""
				return e.EventID
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := proxy.Close(); err != nil {
				t.Errorf("close the fault proxy: %v", err)
			}
		})
		em, stream := producer(t, map[string]string{"EVENTS_PER_INVOCATION": "200"}, proxy.URL)

		// WHEN the producer runs
		_, err = em.Invoke(ctx, event(t, "scheduler.json"))

		// THEN the invocation is a Lambda error, after bounded resends
		var fe *FunctionError
		if !errors.As(err, &fe) {
			t.Fatalf("Invoke error = %v, want a Lambda function error", err)
		}
		if err := proxy.Idle(ctx); err != nil {
			t.Fatal(err)
		}
		history := proxy.Records()
		if len(history) != 200 {
			t.Fatalf("the proxy saw %d distinct events, want 200", len(history))
		}
		var failed int
		for id, h := range history {
			if h.Accepted > 0 {
				continue
			}
			failed++
			if h.Received != publish.DefaultMaxAttempts {
				t.Errorf("failed event %s was sent %d times, want %d: resends, bounded", id, h.Received, publish.DefaultMaxAttempts)
			}
		}
		if failed == 0 || failed == 200 {
			t.Fatalf("%d of 200 events failed; the test needs some to fail and some to get through", failed)
		}
		t.Logf("%d of 200 events failed; %+v", failed, proxy.Counts())
		// AND exactly the acknowledged events are in the stream, each once
		records, s := readBack(t, stream)
		if err := s.Compare(200 - failed); err != nil {
			t.Error(err)
		}
		for _, r := range records {
			e, _ := CheckRecord(r)
			if h := history[e.EventID]; h.Accepted != 1 || h.Acknowledged != 1 {
				t.Errorf("event %s is in the stream, but the proxy saw it stored %d and acknowledged %d times, want once each", e.EventID, h.Accepted, h.Acknowledged)
			}
		}
		if !strings.Contains(fe.Message, strconv.Itoa(failed)+" failed") {
			t.Errorf("function error %q does not mention the %d failed events", fe.Message, failed)
		}
	})
}
