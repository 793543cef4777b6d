package localrun

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Figures describe a run as a dashboard would see it in the records: how
// many users were active over time, how the records spread over the
// shards, how much of the traffic the busiest users made, and how soon
// events reached the stream.
type Figures struct {
	// Events counts the well-formed records; the figures below are theirs.
	Events int
	// From and To are the first and the last event_time.
	From, To time.Time
	// Active samples, every Every from From, the users signed in: after a
	// JOIN and before a LEAVE, or, for a user whose first event in the run
	// is not a JOIN (a session under way when the run began), since that
	// event.
	Active []int
	Every  time.Duration
	// ByShard counts all records, well-formed or not, per shard.
	ByShard map[string]int
	// Records counts all records.
	Records int
	// Busiest are the five users with the most events, most first.
	Busiest []UserEvents
	// Users is the population; TopShare is the share of events made by its
	// busiest 1% (at least one user).
	Users    int
	TopShare float64
	// Lags are the delays from event_time to the record's arrival in the
	// stream, sorted.
	Lags []time.Duration
}

// UserEvents is how many events one user made.
type UserEvents struct {
	User   int64
	Events int
}

// Measure computes the figures of records, which come from a world of users
// users, sampling the active users every every.
func Measure(records []Record, users int, every time.Duration) Figures {
	f := Figures{Every: every, ByShard: map[string]int{}, Records: len(records), Users: users}
	var events []Event
	perUser := map[int64]int{}
	for _, r := range records {
		f.ByShard[r.ShardID]++
		e, err := CheckRecord(r)
		if err != nil {
			continue
		}
		events = append(events, e)
		perUser[e.UserID]++
		if !r.Arrival.IsZero() {
			f.Lags = append(f.Lags, r.Arrival.Sub(e.Time))
		}
	}
	f.Events = len(events)
	if f.Events == 0 {
		return f
	}
	slices.Sort(f.Lags)
	slices.SortStableFunc(events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	f.From, f.To = events[0].Time, events[len(events)-1].Time

	signedIn := map[int64]bool{}
	next := f.From.Add(every)
	for _, e := range events {
		for every > 0 && e.Time.After(next) {
			f.Active = append(f.Active, countTrue(signedIn))
			next = next.Add(every)
		}
		signedIn[e.UserID] = e.EventName != "LEAVE"
	}

	counts := slices.Collect(maps.Values(perUser))
	slices.SortFunc(counts, func(a, b int) int { return b - a })
	top := 0
	for _, c := range counts[:min(len(counts), max(1, users/100))] {
		top += c
	}
	f.TopShare = float64(top) / float64(f.Events)
	for user, n := range perUser {
		f.Busiest = append(f.Busiest, UserEvents{User: user, Events: n})
	}
	slices.SortFunc(f.Busiest, func(a, b UserEvents) int {
		return cmp.Or(b.Events-a.Events, cmp.Compare(a.User, b.User))
	})
	f.Busiest = f.Busiest[:min(5, len(f.Busiest))]
	return f
}

// separator goes before the i-th item of a list on one line.
func separator(i int) string {
	if i == 0 {
		return " "
	}
	return ", "
}

func countTrue(m map[int64]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// Lag returns the q-quantile of the lags, 0 when there are none.
func (f Figures) Lag(q float64) time.Duration {
	if len(f.Lags) == 0 {
		return 0
	}
	return f.Lags[min(len(f.Lags)-1, int(q*float64(len(f.Lags))))]
}

// Within returns the share of events that reached the stream within d of
// their event_time.
func (f Figures) Within(d time.Duration) float64 {
	if len(f.Lags) == 0 {
		return 0
	}
	n, _ := slices.BinarySearch(f.Lags, d+1)
	return float64(n) / float64(len(f.Lags))
}

// Write prints the figures, one fact per line.
func (f Figures) Write(w io.Writer) error {
	var b strings.Builder
	if f.Events == 0 {
		b.WriteString("world figures     no well-formed events\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "world figures     %d events from %s to %s\n", f.Events, f.From.Format(time.TimeOnly), f.To.Format(time.TimeOnly))
	fmt.Fprintf(&b, "  active users    every %v:", f.Every)
	for _, n := range f.Active {
		fmt.Fprintf(&b, " %d", n)
	}
	if len(f.Active) == 0 {
		fmt.Fprintf(&b, " none, the events span less than %v", f.Every)
	}
	b.WriteString("\n")
	b.WriteString("  shard shares   ")
	for i, id := range slices.Sorted(maps.Keys(f.ByShard)) {
		n := strings.TrimLeft(strings.TrimPrefix(id, "shardId-"), "0")
		fmt.Fprintf(&b, "%s%s %.1f%%", separator(i), cmp.Or(n, "0"), 100*float64(f.ByShard[id])/float64(f.Records))
	}
	b.WriteString("\n")
	b.WriteString("  busiest users  ")
	for i, u := range f.Busiest {
		fmt.Fprintf(&b, "%suser %d %.1f%%", separator(i), u.User, 100*float64(u.Events)/float64(f.Events))
	}
	fmt.Fprintf(&b, "; top 1%% (%d of %d users) %.1f%%\n", max(1, f.Users/100), f.Users, 100*f.TopShare)
	if len(f.Lags) > 0 {
		fmt.Fprintf(&b, "  event to stream median %v, p95 %v, max %v; within 1 s %.1f%%\n",
			f.Lag(0.5).Round(time.Millisecond), f.Lag(0.95).Round(time.Millisecond), f.Lags[len(f.Lags)-1].Round(time.Millisecond), 100*f.Within(time.Second))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
