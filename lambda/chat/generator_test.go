package chat_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// stepClock returns a clock that starts at 2026-11-27T10:00:00Z and moves
// step forward on every call.
func stepClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		now := t
		t = t.Add(step)
		return now
	}
}

// newGenerator returns a generator whose events and ids both follow seed,
// unless cfg brings its own id source.
func newGenerator(t testing.TB, cfg chat.Config, seed uint64) *chat.Generator {
	t.Helper()
	cfg.Rand = rand.New(rand.NewPCG(seed, 0))
	if cfg.IDs == nil {
		cfg.IDs = rand.New(rand.NewPCG(seed, 1))
	}
	if cfg.Now == nil {
		cfg.Now = stepClock(1500 * time.Microsecond)
	}
	g, err := chat.NewGenerator(cfg)
	if err != nil {
		t.Fatalf("NewGenerator(%+v) = %v", cfg, err)
	}
	return g
}

func TestEventsGolden(t *testing.T) {
	g := newGenerator(t, chat.Config{Users: 20, RunID: "golden"}, 42)
	var got bytes.Buffer
	for ev := range g.Events(60) {
		got.Write(ev.AppendJSON(nil))
		got.WriteByte('\n')
	}
	golden.Check(t, "testdata/seed42.jsonl", got.String())
}

func TestSameSeedSameEvents(t *testing.T) {
	encode := func(seed uint64) []byte {
		var out []byte
		for ev := range newGenerator(t, chat.Config{Users: 1000}, seed).Events(5000) {
			out = ev.AppendJSON(out)
		}
		return out
	}
	if !bytes.Equal(encode(7), encode(7)) {
		t.Error("two generators with seed 7 produced different events")
	}
	if bytes.Equal(encode(7), encode(8)) {
		t.Error("seeds 7 and 8 produced the same events")
	}
}

func TestIDSourceChangesOnlyTheIDs(t *testing.T) {
	// events returns seed 7's events with ids from the source seeded idSeed.
	events := func(idSeed uint64) []chat.Event {
		return collect(newGenerator(t, chat.Config{Users: 1000, IDs: rand.New(rand.NewPCG(idSeed, 2))}, 7), 3000)
	}
	first, again, other := events(1), events(1), events(2)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("same seed and id source gave different events (-first +again):\n%s", diff)
	}
	withoutIDs := func(evs []chat.Event) []chat.Event {
		out := slices.Clone(evs)
		for i := range out {
			out[i].ID = uuid.Nil
		}
		return out
	}
	if diff := cmp.Diff(withoutIDs(first), withoutIDs(other)); diff != "" {
		t.Errorf("another id source changed more than the ids (-first +other):\n%s", diff)
	}
	ids := map[uuid.UUID]bool{}
	for _, ev := range first {
		ids[ev.ID] = true
	}
	for _, ev := range other {
		if ids[ev.ID] {
			t.Fatalf("event id %s drawn from both id sources, want disjoint ids", ev.ID)
		}
	}
}

func collect(g *chat.Generator, n int) []chat.Event {
	return slices.Collect(g.Events(n))
}

func TestSessionsLongRun(t *testing.T) {
	const n, users = 200_000, 1000
	events := collect(newGenerator(t, chat.Config{Users: users}, 1), n)
	if len(events) != n {
		t.Fatalf("Events(%d) yielded %d events", n, len(events))
	}
	problems, left := checkSessions(events, users, users/10, 32)
	for _, p := range problems[:min(len(problems), 10)] {
		t.Error(p)
	}
	if left != 0 {
		t.Errorf("%d sessions still open after %d events, want 0", left, n)
	}
	counts := map[chat.Type]int{}
	for _, ev := range events {
		counts[ev.Type]++
	}
	// Every type must occur often enough for a dashboard to show it.
	for _, typ := range []chat.Type{chat.Join, chat.Leave, chat.OpenChat, chat.Subscribe, chat.SendMessage} {
		if share := float64(counts[typ]) / n; share < 0.03 {
			t.Errorf("%s is %.1f%% of events, want at least 3%%", typ, 100*share)
		}
	}
	if counts[chat.Join] != counts[chat.Leave] {
		t.Errorf("%d JOINs and %d LEAVEs, want equal", counts[chat.Join], counts[chat.Leave])
	}
}

func TestSessionsCloseForEveryCount(t *testing.T) {
	populations := []chat.Config{
		{Users: 1},
		{Users: 25},
		{Users: 1000},
	}
	for _, cfg := range populations {
		for n := 2; n <= 120; n++ {
			t.Run(fmt.Sprintf("users=%d/n=%d", cfg.Users, n), func(t *testing.T) {
				chats, maxSessions := max(1, cfg.Users/10), min(cfg.Users, 32)
				events := collect(newGenerator(t, cfg, uint64(n)), n)
				problems, left := checkSessions(events, cfg.Users, chats, maxSessions)
				if len(problems) > 0 || left != 0 || len(events) != n {
					t.Errorf("got %d events, %d open sessions, problems %q; want %d events, 0 open, no problems", len(events), left, problems, n)
				}
			})
		}
	}
}

func TestSingleEventIsAJoin(t *testing.T) {
	events := collect(newGenerator(t, chat.Config{Users: 10}, 3), 1)
	if len(events) != 1 || events[0].Type != chat.Join {
		t.Fatalf("Events(1) = %+v, want one JOIN", events)
	}
}

func TestEventsRestartsAndStops(t *testing.T) {
	g := newGenerator(t, chat.Config{Users: 50}, 4)
	var first []chat.Event
	for ev := range g.Events(1000) {
		first = append(first, ev)
		if len(first) == 10 {
			break
		}
	}
	if len(first) != 10 {
		t.Fatalf("got %d events before break, want 10", len(first))
	}
	// The sessions the break left open must not leak into the next batch.
	second := collect(g, 300)
	if problems, left := checkSessions(second, 50, 5, 32); len(problems) > 0 || left != 0 {
		t.Errorf("second batch: %d open sessions, problems %q; want none", left, problems)
	}
}

func TestActivityIsSkewed(t *testing.T) {
	const n, users = 200_000, 1000
	perUser := make([]int, users+1)
	perChat := make([]int, users/10+1)
	chatEvents := 0
	for ev := range newGenerator(t, chat.Config{Users: users}, 5).Events(n) {
		perUser[ev.UserID]++
		if ev.Type.HasChat() {
			perChat[ev.ChatID]++
			chatEvents++
		}
	}
	share := func(counts []int, top, total int) float64 {
		sorted := slices.Clone(counts)
		slices.Sort(sorted)
		slices.Reverse(sorted)
		sum := 0
		for _, c := range sorted[:top] {
			sum += c
		}
		return float64(sum) / float64(total)
	}
	// Uniform activity would give the top 1% of users 1% of the events.
	// A burst draws who acts with the World's skew (17% for the top 1%),
	// which the cap on open sessions flattens a little: when the drawn user
	// is signed out and there is no room, someone signed in acts instead.
	if got := share(perUser, users/100, n); got < 0.12 || got > 0.25 {
		t.Errorf("top 1%% of users produced %.1f%% of events, want 12%% to 25%%", 100*got)
	}
	if got := share(perUser, 1, n); got > 0.03 {
		t.Errorf("the busiest user produced %.1f%% of events, want at most 3%%", 100*got)
	}
	if got := share(perChat, len(perChat)/10, chatEvents); got < 0.5 {
		t.Errorf("top 10%% of chats saw %.1f%% of chat events, want at least 50%%", 100*got)
	}
	// A long tail, not a handful of users: most users show up at all.
	active := 0
	for _, c := range perUser[1:] {
		if c > 0 {
			active++
		}
	}
	if active < users/2 {
		t.Errorf("%d of %d users produced any event, want at least half", active, users)
	}
}

func TestEveryRecordIsValidJSON(t *testing.T) {
	for _, runID := range []string{"", "run-1"} {
		t.Run("run_id="+runID, func(t *testing.T) {
			// A clock with nanosecond noise checks truncation to milliseconds.
			g := newGenerator(t, chat.Config{Users: 1000, RunID: runID, Now: stepClock(1234567 * time.Nanosecond)}, 6)
			ids := map[string]bool{}
			var buf []byte
			for ev := range g.Events(5_000) {
				buf = ev.AppendJSON(buf[:0])
				if err := checkRecord(buf, ev); err != nil {
					t.Fatalf("%s: %v", buf, err)
				}
				if id, err := uuid.Parse(ev.ID.String()); err != nil || id.Version() != 4 {
					t.Fatalf("event id %s is not a version 4 UUID", ev.ID)
				}
				if ids[ev.ID.String()] {
					t.Fatalf("event id %s repeated", ev.ID)
				}
				ids[ev.ID.String()] = true
			}
		})
	}
}

func TestNewGeneratorRejectsBadConfig(t *testing.T) {
	src, ids := rand.New(rand.NewPCG(1, 0)), rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		cfg  chat.Config
		want string
	}{
		{name: "no users", cfg: chat.Config{Users: 0, Rand: src, IDs: ids}, want: "users 0 must be at least 1"},
		{name: "no random source", cfg: chat.Config{Users: 1, IDs: ids}, want: "no random source"},
		{name: "no id source", cfg: chat.Config{Users: 1, Rand: src}, want: "no random source for event ids"},
		{name: "bad run id", cfg: chat.Config{Users: 1, Rand: src, IDs: ids, RunID: "a b"}, want: `run id "a b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := chat.NewGenerator(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewGenerator() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
