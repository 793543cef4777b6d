package produce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/google/go-cmp/cmp"
)

// virtualClock is a clock that moves only when the handler sleeps, so that
// a minute of world time runs in milliseconds and every lag is exact.
type virtualClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps int
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps++
	return ctx.Err()
}

// scheduled is 10:00 on a Friday: the scheduled time of the invocations.
var scheduled = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// worldConfig is the default world with one-minute windows.
func worldConfig() Config {
	return Config{Stream: "chat-events", Count: DefaultCount, Rate: DefaultRate, Users: DefaultUsers, Window: time.Minute}
}

// schedulerEvent is the Scheduler payload for an invocation scheduled at.
func schedulerEvent(at time.Time) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"source":"chatstream.scheduler","schedule_arn":"arn:s","scheduled_time":%q,"execution_id":"e","attempt":"1"}`, at.Format(time.RFC3339)))
}

// worldHandler returns a handler on a virtual clock that starts at start.
func worldHandler(cfg Config, fake *fakeKinesis, start time.Time) (*Handler, *virtualClock) {
	clock := &virtualClock{now: start}
	fake.now = clock.Now
	h := NewHandler(cfg, fake, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{
		Now:     clock.Now,
		Sleep:   clock.Sleep,
		Publish: quickPublish(),
	})
	return h, clock
}

// expectedWindow returns the world's events of [from, to) as the handler's
// configuration describes them.
func expectedWindow(t *testing.T, cfg Config, from, to time.Time) []chat.Event {
	t.Helper()
	w, err := newWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	win, err := w.Window(from, to, cfg.DirtyRatio)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Collect(win.Events())
}

// sentRecord is an accepted record: its id, its event_time and when it
// reached PutRecords.
type sentRecord struct {
	id        string
	eventTime time.Time
	at        time.Time
}

func sentRecords(t *testing.T, fake *fakeKinesis) []sentRecord {
	t.Helper()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	var out []sentRecord
	for i, e := range fake.accepted {
		var rec struct {
			EventID   string    `json:"event_id"`
			EventTime time.Time `json:"event_time"`
		}
		if err := json.Unmarshal(e.Data, &rec); err != nil {
			t.Fatalf("record %s: %v", e.Data, err)
		}
		out = append(out, sentRecord{id: rec.EventID, eventTime: rec.EventTime, at: fake.acceptedAt[i]})
	}
	return out
}

func ids(events []chat.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.ID.String()
	}
	slices.Sort(out)
	return out
}

func sentIDs(records []sentRecord) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = r.id
	}
	slices.Sort(out)
	return out
}

// TestWindowSendsEventsWhenTheyHappen: an invocation that starts 300 ms
// after its scheduled time sends exactly the world's events of its window,
// none before it happens, at least 95% of them within a second, in
// requests at most sendInterval apart.
func TestWindowSendsEventsWhenTheyHappen(t *testing.T) {
	cfg := worldConfig()
	fake := &fakeKinesis{}
	h, clock := worldHandler(cfg, fake, scheduled.Add(300*time.Millisecond))

	res, err := h.Handle(t.Context(), schedulerEvent(scheduled))
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}

	from, to := scheduled.Add(-2*time.Second), scheduled.Add(58*time.Second)
	want := expectedWindow(t, cfg, from, to)
	sent := sentRecords(t, fake)
	if diff := cmp.Diff(ids(want), sentIDs(sent)); diff != "" {
		t.Fatalf("sent event ids differ from the world's window [%s, %s) (-want +got):\n%s", from, to, diff)
	}
	late := 0
	var worst time.Duration
	for _, r := range sent {
		lag := r.at.Sub(r.eventTime)
		if lag < 0 {
			t.Fatalf("event %s of %s sent at %s, before it happened", r.id, r.eventTime, r.at)
		}
		if lag > time.Second {
			late++
		}
		worst = max(worst, lag)
	}
	// The lead (2 s) and the late start (300 ms) are the only lag beyond a
	// 100 ms send interval: events of the first 1.3 s are over a second late.
	if share := float64(late) / float64(len(sent)); share > 0.05 {
		t.Errorf("%d of %d events (%.1f%%) reached PutRecords more than 1 s after their event_time, want at most 5%%", late, len(sent), 100*share)
	}
	if worst > 2300*time.Millisecond {
		t.Errorf("the latest event reached PutRecords %v after its event_time, want at most the lead plus the late start, 2.3 s", worst)
	}
	wantRes := Result{
		WindowStart: "2026-11-27T09:59:58.000Z", WindowEnd: "2026-11-27T10:00:58.000Z",
		Requested: len(want), Generated: len(want), Sent: len(want), Late: late, MaxLagMS: worst.Milliseconds(),
	}
	if diff := cmp.Diff(wantRes, res, cmpIgnore("Requests", "DurationMS")); diff != "" {
		t.Errorf("Handle() result (-want +got):\n%s", diff)
	}
	// One request per send interval at most: 58 s of sending.
	if res.Requests < 100 || res.Requests > 600 {
		t.Errorf("%d requests for %d events over a minute, want one every 100 ms or so", res.Requests, len(sent))
	}
	if end := clock.Now(); end.Before(to.Add(-time.Second)) || end.After(to) {
		t.Errorf("the invocation ended at %s, want just before its window's end %s", end, to)
	}
	out, _ := json.Marshal(res)
	t.Logf("%d of %d events (%.1f%%) more than 1 s late; result %s", late, len(sent), 100*float64(late)/float64(len(sent)), out)
}

func cmpIgnore(fields ...string) cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		return slices.Contains(fields, p.Last().String()[1:])
	}, cmp.Ignore())
}

// TestConsecutiveInvocationsTile: invocations a minute apart send the
// events of one window spanning both, each once.
func TestConsecutiveInvocationsTile(t *testing.T) {
	cfg := worldConfig()
	fake := &fakeKinesis{}
	h, clock := worldHandler(cfg, fake, scheduled)
	for i := range 3 {
		at := scheduled.Add(time.Duration(i) * time.Minute)
		clock.mu.Lock()
		clock.now = at.Add(150 * time.Millisecond)
		clock.mu.Unlock()
		if _, err := h.Handle(t.Context(), schedulerEvent(at)); err != nil {
			t.Fatalf("invocation %d: %v", i+1, err)
		}
	}
	want := expectedWindow(t, cfg, scheduled.Add(-2*time.Second), scheduled.Add(178*time.Second))
	if diff := cmp.Diff(ids(want), sentIDs(sentRecords(t, fake))); diff != "" {
		t.Errorf("three invocations sent other events than the world's three minutes (-want +got):\n%s", diff)
	}
}

// TestRetriesSendTheSameEvents: a retry, by Lambda (the same request id) or
// by Scheduler (a new one), minutes late or not, sends the very same
// events; a late one sends them at once.
func TestRetriesSendTheSameEvents(t *testing.T) {
	cfg := worldConfig()
	cfg.DirtyRatio = 0.1
	// run returns the records sent, as sorted strings: dirty ones do not
	// decode.
	run := func(requestID string, start time.Time) ([]string, Result, int) {
		fake := &fakeKinesis{}
		h, clock := worldHandler(cfg, fake, start)
		ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
		res, err := h.Handle(ctx, schedulerEvent(scheduled))
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		_, accepted, _ := fake.snapshot()
		var data []string
		for _, e := range accepted {
			data = append(data, string(e.Data))
		}
		slices.Sort(data)
		return data, res, clock.sleeps
	}
	first, firstRes, _ := run("req-a", scheduled.Add(100*time.Millisecond))
	for _, retry := range []struct {
		name      string
		requestID string
		late      time.Duration
	}{
		{name: "Lambda's retry a minute later", requestID: "req-a", late: time.Minute},
		{name: "Scheduler's retry", requestID: "req-b", late: 3 * time.Second},
	} {
		t.Run(retry.name, func(t *testing.T) {
			again, res, sleeps := run(retry.requestID, scheduled.Add(retry.late))
			if diff := cmp.Diff(first, again); diff != "" {
				t.Errorf("the retry sent other events (-first +retry):\n%s", diff)
			}
			if res.Dirty != firstRes.Dirty || res.Dirty == 0 {
				t.Errorf("the retry sent %d dirty records, the first attempt %d; want the same, some", res.Dirty, firstRes.Dirty)
			}
			if retry.late >= time.Minute && (sleeps != 0 || res.Late != res.Sent) {
				t.Errorf("a retry after its window slept %d times and sent %d of %d late; want everything at once", sleeps, res.Late, res.Sent)
			}
		})
	}
}

// TestWindowDirtyRecords: DIRTY_RATIO malforms a share of the window's
// records, and the result counts them.
func TestWindowDirtyRecords(t *testing.T) {
	cfg := worldConfig()
	cfg.DirtyRatio = 0.2
	fake := &fakeKinesis{}
	h, _ := worldHandler(cfg, fake, scheduled)
	res, err := h.Handle(t.Context(), schedulerEvent(scheduled))
	if err != nil {
		t.Fatal(err)
	}
	_, accepted, _ := fake.snapshot()
	malformed := countMalformed(accepted)
	if res.Dirty != malformed || malformed < len(accepted)/6 || malformed > len(accepted)/4 {
		t.Errorf("result says %d dirty, the stream holds %d malformed of %d; want equal, about a fifth", res.Dirty, malformed, len(accepted))
	}
}

func TestWindowRefusals(t *testing.T) {
	t.Run("a window in the future", func(t *testing.T) {
		fake := &fakeKinesis{}
		h, _ := worldHandler(worldConfig(), fake, scheduled.Add(-10*time.Second))
		_, err := h.Handle(t.Context(), schedulerEvent(scheduled))
		var refused *PayloadError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "starts in 8s") {
			t.Errorf("Handle() error = %v, want a *PayloadError saying the window starts in 8s", err)
		}
		if calls, _, _ := fake.snapshot(); calls != 0 {
			t.Errorf("made %d PutRecords calls, want none", calls)
		}
	})
	t.Run("RATE 0 describes no world", func(t *testing.T) {
		cfg := worldConfig()
		cfg.Rate = 0
		fake := &fakeKinesis{}
		h, _ := worldHandler(cfg, fake, scheduled)
		_, err := h.Handle(t.Context(), schedulerEvent(scheduled))
		if err == nil || !strings.Contains(err.Error(), "RATE=0 describes no world") {
			t.Errorf("Handle() error = %v, want one explaining RATE=0", err)
		}
		if res, err := h.Handle(t.Context(), json.RawMessage(`{"count": 10}`)); err != nil || res.Sent != 10 {
			t.Errorf("a burst with RATE=0: %+v, %v; want 10 sent, unpaced", res, err)
		}
	})
}

// TestWindowStopsBeforeDeadline: with a deadline before the window's end,
// the invocation stops in time and reports what it never generated.
func TestWindowStopsBeforeDeadline(t *testing.T) {
	cfg := worldConfig()
	cfg.Window = 4 * time.Second
	fake := &fakeKinesis{}
	h := NewHandler(cfg, fake, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{Publish: quickPublish()})
	now := time.Now()
	deadline := now.Add(1500 * time.Millisecond)
	ctx, cancel := context.WithDeadline(t.Context(), deadline)
	defer cancel()

	res, err := h.Handle(ctx, schedulerEvent(now.Truncate(time.Second)))
	if returned := time.Now(); !returned.Before(deadline) {
		t.Errorf("Handle() returned %v after the deadline", returned.Sub(deadline))
	}
	var delivery *DeliveryError
	if !errors.As(err, &delivery) || !strings.Contains(err.Error(), "not generated before the deadline") {
		t.Fatalf("Handle() error = %v, want a *DeliveryError for events not generated", err)
	}
	if res.Sent == 0 || res.Generated >= res.Requested || res.Sent+res.Failed != res.Generated {
		t.Errorf("Handle() = %+v, want some sent, fewer generated than the window holds, sent+failed == generated", res)
	}
}

func TestWindowTiming(t *testing.T) {
	tests := []struct {
		window, lead, minTimeout time.Duration
	}{
		{window: time.Minute, lead: 2 * time.Second, minTimeout: 59 * time.Second},
		{window: 5 * time.Minute, lead: 2 * time.Second, minTimeout: 299 * time.Second},
		{window: 20 * time.Second, lead: time.Second, minTimeout: 20 * time.Second},
		{window: 5 * time.Second, lead: 250 * time.Millisecond, minTimeout: 5750 * time.Millisecond},
		{window: 210 * time.Millisecond, lead: 10 * time.Millisecond, minTimeout: 1200 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := WindowLead(tt.window); got != tt.lead {
			t.Errorf("WindowLead(%v) = %v, want %v", tt.window, got, tt.lead)
		}
		if got := MinTimeout(tt.window); got != tt.minTimeout {
			t.Errorf("MinTimeout(%v) = %v, want %v", tt.window, got, tt.minTimeout)
		}
		from, to := WindowAt(scheduled, tt.window)
		if !from.Equal(scheduled.Add(-tt.lead)) || to.Sub(from) != tt.window {
			t.Errorf("WindowAt(%s, %v) = [%s, %s), want [scheduled-%v, +%v)", scheduled, tt.window, from, to, tt.lead, tt.window)
		}
	}
	checks := []struct {
		period, timeout time.Duration
		wantErr         string
	}{
		{period: time.Minute, timeout: 59 * time.Second},
		{period: time.Minute, timeout: 58 * time.Second, wantErr: "timeout 58s is shorter than 59s: the window of an invocation every 1m0s ends 58s after it is due"},
		{period: time.Minute, timeout: 60 * time.Second, wantErr: "timeout 1m0s is not shorter than the period 1m0s"},
		{period: 5 * time.Minute, timeout: 299 * time.Second},
		{period: 5 * time.Minute, timeout: 200 * time.Second, wantErr: "shorter than 4m59s"},
	}
	for _, c := range checks {
		err := CheckTimeout(c.period, c.timeout)
		if (c.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("CheckTimeout(%v, %v) = %v, want %q", c.period, c.timeout, err, c.wantErr)
		}
	}
}
