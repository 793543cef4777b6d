package chat_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/chatstream/chatstream/internal/shardmap"
	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/google/uuid"
)

// t0 is a Tuesday midnight, UTC.
var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// defaults is the world the producer simulates with its default settings.
func defaults() chat.WorldConfig {
	return chat.WorldConfig{Users: 1000, Rate: 50}
}

func newWorld(t testing.TB, cfg chat.WorldConfig) *chat.World {
	t.Helper()
	w, err := chat.NewWorld(cfg)
	if err != nil {
		t.Fatalf("NewWorld(%+v) = %v", cfg, err)
	}
	return w
}

// windowEvents returns the events of [start, end).
func windowEvents(t testing.TB, w *chat.World, start, end time.Time, dirty float64) []chat.Event {
	t.Helper()
	win, err := w.Window(start, end, dirty)
	if err != nil {
		t.Fatalf("Window(%s, %s) = %v", start, end, err)
	}
	return slices.Collect(win.Events())
}

// encodeAll writes one record per line.
func encodeAll(events []chat.Event) []byte {
	var out []byte
	for _, ev := range events {
		out = ev.AppendJSON(out)
		out = append(out, '\n')
	}
	return out
}

func TestWorldGolden(t *testing.T) {
	w := newWorld(t, chat.WorldConfig{Users: 200, Rate: 2, Seed: 42})
	events := windowEvents(t, w, t0, t0.Add(time.Minute), 0)
	golden.Check(t, "testdata/world_seed42.jsonl", string(encodeAll(events)))
}

// TestWindowsTile: however time is cut into windows, consecutive windows
// hold exactly the events of one window spanning them all, dirty records
// included.
func TestWindowsTile(t *testing.T) {
	w := newWorld(t, defaults())
	const dirty = 0.05
	const span = 10 * time.Minute
	end := t0.Add(span)
	whole := encodeAll(windowEvents(t, w, t0, end, dirty))
	if n := bytes.Count(whole, []byte("\n")); n < 25_000 {
		t.Fatalf("10 minutes hold %d events, want the default world's 50 per second", n)
	}
	cuts := map[string][]time.Duration{
		"two halves":              {span / 2},
		"one-minute windows":      everyFrom(time.Minute, span),
		"200 ms windows at first": everyFrom(200*time.Millisecond, 30*time.Second),
		"odd milliseconds":        {1234 * time.Millisecond, 61_001 * time.Millisecond, 9*time.Minute + 999*time.Millisecond},
		"empty windows between":   {time.Minute, time.Minute, time.Minute, 2 * time.Minute},
		"random":                  randomCuts(span, 50),
	}
	for name, at := range cuts {
		t.Run(name, func(t *testing.T) {
			var got []byte
			from := t0
			for _, d := range append(at, span) {
				to := t0.Add(d)
				got = append(got, encodeAll(windowEvents(t, w, from, to, dirty))...)
				from = to
			}
			if !bytes.Equal(got, whole) {
				t.Errorf("%d windows hold %d bytes of records, one window %d; want the same records", len(at)+1, len(got), len(whole))
			}
		})
	}
	t.Run("a window in the past, generated later", func(t *testing.T) {
		// Only the window matters, not when it is generated or what came
		// before: the world keeps nothing between windows.
		later := encodeAll(windowEvents(t, w, t0.Add(4*time.Minute), t0.Add(5*time.Minute), dirty))
		if !bytes.Contains(whole, later) {
			t.Error("minute 5 generated on its own differs from minute 5 of the 10-minute window")
		}
	})
}

// everyFrom returns the cuts d, 2d, … up to (not including) until.
func everyFrom(d, until time.Duration) []time.Duration {
	var out []time.Duration
	for at := d; at < until; at += d {
		out = append(out, at)
	}
	return out
}

// randomCuts returns n cuts in (0, span), sorted, at millisecond times.
func randomCuts(span time.Duration, n int) []time.Duration {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(r.Int64N(span.Milliseconds())) * time.Millisecond
	}
	slices.Sort(out)
	return out
}

func TestSameSeedSameWorld(t *testing.T) {
	events := func(cfg chat.WorldConfig) []chat.Event {
		return windowEvents(t, newWorld(t, cfg), t0, t0.Add(5*time.Minute), 0)
	}
	base := defaults()
	if !bytes.Equal(encodeAll(events(base)), encodeAll(events(base))) {
		t.Error("two worlds with the same settings made different events")
	}
	other := base
	other.Seed = 1
	ids := map[uuid.UUID]bool{}
	for _, ev := range events(base) {
		ids[ev.ID] = true
	}
	for _, ev := range events(other) {
		if ids[ev.ID] {
			t.Fatalf("event id %s made by seeds 0 and 1, want disjoint ids", ev.ID)
		}
	}
}

// TestSessionRulesAcrossWindows replays an hour of one-minute windows:
// sessions follow the rules across window boundaries (JOIN first, LEAVE
// last, OPEN_CHAT before SUBSCRIBE or SEND_MESSAGE in that chat, one
// SUBSCRIBE per chat, at most three chats, one session per user at a time),
// events come in time order, ids never repeat, every record meets the
// contract, and who the events say is online at each window's start is who
// the world says is online then.
func TestSessionRulesAcrossWindows(t *testing.T) {
	cfg := defaults()
	w := newWorld(t, cfg)
	o := newOnline(false)
	ids := map[uuid.UUID]bool{}
	var last time.Time
	var buf []byte
	checked := 0
	for start := t0; start.Before(t0.Add(time.Hour)); start = start.Add(time.Minute) {
		// Sessions last at most 30 minutes: after that the replay has seen
		// the JOIN of every session under way.
		if start.Sub(t0) > 30*time.Minute {
			if got, want := o.count(), w.Online(start); got != want {
				t.Errorf("at %s the events have %d users signed in, World.Online says %d", start.Format(time.TimeOnly), got, want)
			}
			checked++
		}
		for _, ev := range windowEvents(t, w, start, start.Add(time.Minute), 0) {
			if ev.Time.Before(start) || !ev.Time.Before(start.Add(time.Minute)) || ev.Time.Before(last) {
				t.Fatalf("event at %s in window %s: outside the window or before the previous event (%s)", ev.Time, start, last)
			}
			last = ev.Time
			if ids[ev.ID] || ev.ID.Version() != 8 || ev.ID.Variant() != uuid.RFC4122 {
				t.Fatalf("event id %s repeated, or not a version 8 UUID", ev.ID)
			}
			ids[ev.ID] = true
			// Decoding is slow; one record in 16 is plenty for the contract.
			if len(ids)%16 == 0 {
				buf = ev.AppendJSON(buf[:0])
				if err := checkRecord(buf, ev); err != nil {
					t.Fatalf("%s: %v", buf, err)
				}
			}
			o.replay(ev)
		}
	}
	for _, p := range o.problems {
		t.Error(p)
	}
	if checked < 25 || len(ids) < 150_000 {
		t.Errorf("checked %d instants and %d events, want an hour's worth", checked, len(ids))
	}
}

// TestConcurrencyMatchesTarget samples how many users are online: 5% of
// them at rhythm level 1, the level times that with the rhythm on.
func TestConcurrencyMatchesTarget(t *testing.T) {
	t.Run("rhythm off", func(t *testing.T) {
		w := newWorld(t, defaults())
		// 37 minutes apart: more than a slot, so the samples are nearly
		// independent.
		const samples = 240
		sum := 0
		for i := range samples {
			at := t0.Add(time.Duration(i) * 37 * time.Minute)
			n := w.Online(at)
			sum += n
			// At 5% of 1,000 the count is about Poisson: 50 ± 7.
			if n < 25 || n > 75 {
				t.Errorf("online at %s: %d, want about 50", at, n)
			}
		}
		mean := float64(sum) / samples
		if math.Abs(mean-50) > 2.5 {
			t.Errorf("online on average %.1f over %d samples, want 50 ± 2.5", mean, samples)
		}
		t.Logf("online on average %.1f of 1,000 users over %d samples", mean, samples)
	})
	t.Run("rhythm on", func(t *testing.T) {
		cfg := defaults()
		cfg.Rhythm = chat.DefaultRhythm()
		w := newWorld(t, cfg)
		// Two weeks, four samples an hour: by hour of day, summed over the
		// days, against the expectation.
		var got, want [24]float64
		for at := t0; at.Before(t0.Add(14 * 24 * time.Hour)); at = at.Add(15 * time.Minute) {
			got[at.Hour()] += float64(w.Online(at))
			want[at.Hour()] += w.ExpectedOnline(at)
		}
		for h := range 24 {
			if ratio := got[h] / want[h]; ratio < 0.9 || ratio > 1.1 {
				t.Errorf("hour %02d: %.0f online in all samples, expected %.0f (ratio %.2f), want within 10%%", h, got[h], want[h], ratio)
			}
		}
		if peak, trough := got[20]/14/4, got[8]/14/4; trough/peak < 0.15 || trough/peak > 0.35 {
			t.Errorf("online at 20:00 %.1f and at 08:00 %.1f: ratio %.2f, want the trough near a quarter of the peak", peak, trough, trough/peak)
		}
	})
}

// longRun is three hours of the default world, shared by the tests that
// need a long run.
const longRunHours = 3

var longRun = sync.OnceValue(func() []chat.Event {
	w, err := chat.NewWorld(defaults())
	if err != nil {
		panic(err)
	}
	win, err := w.Window(t0, t0.Add(longRunHours*time.Hour), 0)
	if err != nil {
		panic(err)
	}
	return slices.Collect(win.Events())
})

// TestSkewOverALongRun: at the defaults the top 1% of users make 15 to 25%
// of the events, none more than 3%, and with the user id as partition key
// the busiest of four shards takes at most 35% of the records.
func TestSkewOverALongRun(t *testing.T) {
	events := longRun()
	w := newWorld(t, defaults())
	perUser := map[int64]int{}
	var perShard [4]int
	perType := map[chat.Type]int{}
	for _, ev := range events {
		perUser[ev.UserID]++
		perShard[shardmap.Index(strconv.FormatInt(ev.UserID, 10), 4)]++
		perType[ev.Type]++
	}
	counts := make([]int, 0, len(perUser))
	for _, c := range perUser {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	top := 0
	for _, c := range counts[:10] {
		top += c
	}
	n := float64(len(events))
	if share := float64(top) / n; share < 0.15 || share > 0.25 {
		t.Errorf("the top 1%% of users (10) made %.1f%% of the events, want 15%% to 25%%", 100*share)
	}
	if share := float64(counts[0]) / n; share > 0.03 {
		t.Errorf("the busiest user made %.2f%% of the events, want at most 3%%", 100*share)
	}
	busiest := w.Busiest()
	if got, want := float64(perUser[busiest])/n, w.Share(busiest); math.Abs(got-want) > want/5 {
		t.Errorf("user %d, the busiest by the model, made %.2f%% of the events, want %.2f%% ± a fifth", busiest, 100*got, 100*want)
	}
	if most := slices.Max(perShard[:]); float64(most)/n > 0.35 {
		t.Errorf("records per shard %v: the busiest takes %.1f%%, want at most 35%%", perShard, 100*float64(most)/n)
	}
	if rate := n / (longRunHours * 3600); math.Abs(rate-50) > 1.5 {
		t.Errorf("%.2f events per second, want the configured 50 ± 3%%", rate)
	}
	for _, typ := range []chat.Type{chat.Join, chat.Leave, chat.OpenChat, chat.Subscribe, chat.SendMessage} {
		if perType[typ] < 250 {
			t.Errorf("%s: %d events in %d hours, want every type to show", typ, perType[typ], longRunHours)
		}
	}
	if j, l := perType[chat.Join], perType[chat.Leave]; math.Abs(float64(j-l)) > 100 {
		t.Errorf("%d JOINs and %d LEAVEs, want them equal but for the sessions under way at the ends", j, l)
	}
	// Sessions that start and end within the run: how long, how many events.
	joined := map[int64]time.Time{}
	var sessions int
	var length time.Duration
	for _, ev := range events {
		switch ev.Type {
		case chat.Join:
			joined[ev.UserID] = ev.Time
		case chat.Leave:
			if at, ok := joined[ev.UserID]; ok {
				sessions++
				length += ev.Time.Sub(at)
				delete(joined, ev.UserID)
			}
		}
	}
	t.Logf("%.0f events in %d hours (%.1f/s): busiest user %.2f%%, top 1%% %.1f%%, shards %v, types %v; %d whole sessions, %v on average",
		n, longRunHours, n/(longRunHours*3600), 100*float64(counts[0])/n, 100*float64(top)/n, perShard, perType, sessions, (length / time.Duration(max(1, sessions))).Round(time.Second))
}

// TestBusiestKeyRate: the busiest key sends about 1.3 events per second at
// the defaults, far below a shard's 1,000 records per second.
func TestBusiestKeyRate(t *testing.T) {
	w := newWorld(t, defaults())
	if got := w.BusiestKeyRate(); got < 1 || got > 2 {
		t.Errorf("BusiestKeyRate() = %.2f events/s, want about 1.3", got)
	}
	cfg := defaults()
	cfg.Rate = 50_000
	if got := newWorld(t, cfg).BusiestKeyRate(); got < 1000 {
		t.Errorf("at 50,000 events/s BusiestKeyRate() = %.0f, want above a shard's 1,000", got)
	}
}

func TestRhythmShapesTheRate(t *testing.T) {
	cfg := defaults()
	cfg.Rhythm = chat.DefaultRhythm()
	w := newWorld(t, cfg)
	hour := func(h int) float64 {
		start := t0.Add(time.Duration(h)*time.Hour - 30*time.Minute)
		return float64(len(windowEvents(t, w, start, start.Add(time.Hour), 0))) / 3600
	}
	// Tuesday: the weekday peak is 1/Weekend of the week's busiest hour.
	peak, trough := hour(20), hour(8)
	if want := 50 / 1.2; math.Abs(peak-want) > want/10 {
		t.Errorf("events/s around 20:00 on a Tuesday: %.1f, want %.1f ± 10%%", peak, want)
	}
	if want := 50 / 1.2 * 0.25; math.Abs(trough-want) > want/5 {
		t.Errorf("events/s around 08:00 on a Tuesday: %.1f, want %.1f ± 20%%", trough, want)
	}
}

// TestDirtyRecords: a share of the records is malformed, in equal parts
// not JSON, without event_id and with user_id a string, each decided by the
// event alone.
func TestDirtyRecords(t *testing.T) {
	w := newWorld(t, defaults())
	events := windowEvents(t, w, t0, t0.Add(2*time.Minute), 0.1)
	faults := map[chat.Fault]int{}
	var buf []byte
	for _, ev := range events {
		faults[ev.Fault]++
		buf = ev.AppendJSON(buf[:0])
		var fields map[string]any
		parseErr := json.Unmarshal(buf, &fields)
		switch ev.Fault {
		case chat.FaultNone:
			if err := checkRecord(buf, ev); err != nil {
				t.Fatalf("clean record %s: %v", buf, err)
			}
		case chat.FaultNotJSON:
			if parseErr == nil {
				t.Fatalf("record %s parses, want not JSON", buf)
			}
		case chat.FaultNoEventID:
			if _, ok := fields["event_id"]; parseErr != nil || ok || fields["user_id"] == nil {
				t.Fatalf("record %s: want JSON without event_id", buf)
			}
		case chat.FaultUserIDString:
			if id, ok := fields["user_id"].(string); parseErr != nil || !ok || id != strconv.FormatInt(ev.UserID, 10) {
				t.Fatalf("record %s: want user_id as the string %q", buf, strconv.FormatInt(ev.UserID, 10))
			}
		default:
			t.Fatalf("unknown fault %v", ev.Fault)
		}
	}
	dirty := len(events) - faults[chat.FaultNone]
	if share := float64(dirty) / float64(len(events)); share < 0.09 || share > 0.11 {
		t.Errorf("%d of %d records dirty (%.1f%%), want 10%% ± 1", dirty, len(events), 100*share)
	}
	for _, f := range []chat.Fault{chat.FaultNotJSON, chat.FaultNoEventID, chat.FaultUserIDString} {
		if part := float64(faults[f]) / float64(dirty); part < 0.28 || part > 0.39 {
			t.Errorf("%s: %d of %d dirty records, want about a third", f, faults[f], dirty)
		}
	}
	t.Run("the same events get the same faults", func(t *testing.T) {
		again := windowEvents(t, w, t0.Add(time.Minute), t0.Add(90*time.Second), 0.1)
		i, _ := slices.BinarySearchFunc(events, again[0].Time, func(ev chat.Event, at time.Time) int { return ev.Time.Compare(at) })
		for j, ev := range again {
			if events[i+j].ID != ev.ID || events[i+j].Fault != ev.Fault {
				t.Fatalf("event %s: fault %s in one window, %s in another", ev.ID, events[i+j].Fault, ev.Fault)
			}
		}
	})
	t.Run("ratio 0 and 1", func(t *testing.T) {
		for _, ratio := range []float64{0, 1} {
			for _, ev := range windowEvents(t, w, t0, t0.Add(time.Minute), ratio) {
				if (ev.Fault == chat.FaultNone) != (ratio == 0) {
					t.Fatalf("ratio %v: event with fault %s", ratio, ev.Fault)
				}
			}
		}
	})
}

func TestWorldRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  chat.WorldConfig
		want string
	}{
		{name: "no users", cfg: chat.WorldConfig{Rate: 1}, want: "users 0 must be at least 1"},
		{name: "no rate", cfg: chat.WorldConfig{Users: 1}, want: "rate 0 must be a positive number"},
		{name: "negative rate", cfg: chat.WorldConfig{Users: 1, Rate: -1}, want: "rate -1 must be"},
		{name: "NaN rate", cfg: chat.WorldConfig{Users: 1, Rate: math.NaN()}, want: "rate NaN must be"},
		{name: "infinite rate", cfg: chat.WorldConfig{Users: 1, Rate: math.Inf(1)}, want: "rate +Inf must be"},
		{name: "bad rhythm", cfg: chat.WorldConfig{Users: 1, Rate: 1, Rhythm: chat.Rhythm{On: true, PeakHour: 24, Trough: 0.5, Weekend: 1}}, want: "peak hour 24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := chat.NewWorld(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewWorld() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	w := newWorld(t, defaults())
	if _, err := w.Window(t0, t0.Add(-time.Millisecond), 0); err == nil || !strings.Contains(err.Error(), "is before start") {
		t.Errorf("Window(end before start) error = %v, want one saying so", err)
	}
	if _, err := w.Window(t0, t0, 1.5); err == nil || !strings.Contains(err.Error(), "dirty ratio 1.5") {
		t.Errorf("Window(dirty 1.5) error = %v, want one naming the ratio", err)
	}
}

func TestSmallWorlds(t *testing.T) {
	// One user, two users: the permutation and the online shares hold.
	for _, users := range []int{1, 2, 3, 7} {
		w := newWorld(t, chat.WorldConfig{Users: users, Rate: 0.5, Seed: uint64(users)})
		o := newOnline(false)
		for _, ev := range windowEvents(t, w, t0, t0.Add(24*time.Hour), 0) {
			if ev.UserID < 1 || ev.UserID > int64(users) || ev.ChatID < 0 || ev.ChatID > 1 {
				t.Fatalf("users=%d: event of user %d in chat %d", users, ev.UserID, ev.ChatID)
			}
			o.replay(ev)
		}
		for _, p := range o.problems {
			t.Errorf("users=%d: %s", users, p)
		}
	}
}

// TestShardBalanceAcrossSeeds: which users are busy is a draw of the seed,
// and so is how evenly four shards share the load. Over 2,000 seeds the
// expected share of the busiest shard stays under 35% for at least 95% of
// them, and under 35% for the default seed, 0.
func TestShardBalanceAcrossSeeds(t *testing.T) {
	const users, seeds = 1000, 2000
	shardOf := make([]int, users+1)
	for u := 1; u <= users; u++ {
		shardOf[u] = shardmap.Index(strconv.Itoa(u), 4)
	}
	busiest := make([]float64, seeds)
	for seed := range seeds {
		w := newWorld(t, chat.WorldConfig{Users: users, Rate: 50, Seed: uint64(seed)})
		var shares [4]float64
		for u := 1; u <= users; u++ {
			shares[shardOf[u]] += w.Share(int64(u))
		}
		busiest[seed] = slices.Max(shares[:])
	}
	if busiest[0] > 0.35 {
		t.Errorf("seed 0: the busiest shard's expected share is %.1f%%, want at most 35%%", 100*busiest[0])
	}
	sorted := slices.Sorted(slices.Values(busiest))
	median, p95 := sorted[seeds/2], sorted[seeds*95/100]
	if p95 > 0.35 {
		t.Errorf("the busiest shard's expected share is above %.1f%% for 5%% of seeds, want at most 35%%", 100*p95)
	}
	t.Logf("busiest of 4 shards, expected share: seed 0 %.1f%%, median %.1f%%, 95th percentile %.1f%%, worst %.1f%% of %d seeds",
		100*busiest[0], 100*median, 100*p95, 100*sorted[seeds-1], seeds)
}
