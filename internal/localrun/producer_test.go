package localrun

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/faultproxy"
	"github.com/chatstream/chatstream/lambda/chat"
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

	t.Run("scheduler ticks send the world's windows", func(t *testing.T) {
		// GIVEN the producer simulating 10-second windows of the world of
		// seed 7, and two ticks half a minute ago, so that both windows are
		// past and sent at once
		em, stream := producer(t, map[string]string{"WINDOW_SECONDS": "10", "SEED": "7"}, "")
		first := time.Now().Add(-30 * time.Second).Truncate(time.Second)

		// WHEN the schedule invokes it for both
		var reported int
		for tick := range 2 {
			payload, err := WithScheduledTime(event(t, "scheduler.json"), first.Add(time.Duration(tick)*10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := em.Invoke(ctx, payload)
			if err != nil {
				t.Fatalf("tick %d: %v", tick+1, err)
			}
			if r := inv.Result; r.Sent == 0 || r.Failed != 0 || r.Generated != r.Sent {
				t.Errorf("tick %d: result %s, want events generated and sent, none failed", tick+1, inv.Payload)
			}
			reported += inv.Result.Sent
		}

		// THEN the stream holds exactly the world's events of the 20
		// seconds the windows tile, each once, each valid
		records, s := readBack(t, stream)
		if err := s.Compare(reported, 0); err != nil {
			t.Error(err)
		}
		w, err := chat.NewWorld(chat.WorldConfig{Users: 1000, Rate: 50, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		start := first.Add(-500 * time.Millisecond) // the lead of a 10 s window
		win, err := w.Window(start, start.Add(20*time.Second), 0)
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for ev := range win.Events() {
			want = append(want, ev.ID.String())
		}
		for _, r := range records {
			e, _ := CheckRecord(r)
			got = append(got, e.EventID)
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event ids in the stream differ from the world's two windows (-want +got):\n%s", diff)
		}
		// AND each user's records are on the shard whose hash key range
		// holds the MD5 of the user id: four equal ranges
		checkShardMapping(t, ctx, k, stream, records)
	})

	t.Run("rule event", func(t *testing.T) {
		em, stream := producer(t, map[string]string{"WINDOW_SECONDS": "5"}, "")
		payload, err := WithScheduledTime(event(t, "rule.json"), time.Now().Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		inv, err := em.Invoke(ctx, payload)
		if err != nil {
			t.Fatal(err)
		}
		_, s := readBack(t, stream)
		if inv.Result.Sent == 0 || s.Compare(inv.Result.Sent, 0) != nil {
			t.Errorf("rule event: reported %d sent, stream check %v; want events and no difference", inv.Result.Sent, s.Compare(inv.Result.Sent, 0))
		}
	})

	t.Run("dirty records are reported and recognized", func(t *testing.T) {
		em, stream := producer(t, map[string]string{"DIRTY_RATIO": "0.2"}, "")
		inv, err := em.Invoke(ctx, []byte(`{"count": 300, "rate": 0}`))
		if err != nil {
			t.Fatal(err)
		}
		_, s := readBack(t, stream)
		if err := s.Compare(inv.Result.Sent, inv.Result.Dirty); err != nil || inv.Result.Dirty < 30 {
			t.Errorf("reported %d sent, %d dirty; stream check %v; want about 60 dirty records, each one recognized", inv.Result.Sent, inv.Result.Dirty, err)
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
		if err := s.Compare(100, 0); err != nil {
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

		// WHEN the producer sends a burst of 200 events, unpaced
		_, err = em.Invoke(ctx, []byte(`{"rate": 0}`))

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
		if err := s.Compare(200-failed, 0); err != nil {
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
