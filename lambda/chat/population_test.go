package chat

import (
	"math"
	"testing"
	"time"
)

func TestPermutationIsABijection(t *testing.T) {
	for _, users := range []int{1, 2, 3, 4, 10, 97, 1000, 1024} {
		for seed := range uint64(5) {
			p := newPermutation(users, seed)
			seen := make([]bool, users)
			for user := int64(1); user <= int64(users); user++ {
				r := p.rank(user)
				if r < 0 || r >= users || seen[r] {
					t.Fatalf("users=%d seed=%d: rank(%d) = %d, repeated or out of range", users, seed, user, r)
				}
				seen[r] = true
				if back := p.user(r); back != user {
					t.Fatalf("users=%d seed=%d: user(rank(%d)) = %d", users, seed, user, back)
				}
			}
		}
	}
}

// TestPopulationMeetsItsTargets: shares add up to 1, and the chances to be
// online to 5% of the users, none above 90%, for any number of users.
func TestPopulationMeetsItsTargets(t *testing.T) {
	for _, users := range []int{1, 2, 20, 1000, 100_000} {
		p := newPopulation(users, 7)
		shares, online := 0.0, 0.0
		for r := range users {
			shares += p.share(r)
			o := p.online(r)
			if o <= 0 || o > maxOnline {
				t.Fatalf("users=%d: online(%d) = %v, want above 0 and at most %v", users, r, o, maxOnline)
			}
			online += o
		}
		if math.Abs(shares-1) > 1e-9 {
			t.Errorf("users=%d: shares add up to %v, want 1", users, shares)
		}
		if want := peakOnline * float64(users); math.Abs(online-want) > 1e-9*want {
			t.Errorf("users=%d: online chances add up to %v, want %v", users, online, want)
		}
	}
}

// TestWindowMemoryIsFlat: a window holds a cursor per session under way or
// about to start, however long it is.
func TestWindowMemoryIsFlat(t *testing.T) {
	// A small world keeps the day's events few enough for the race
	// detector.
	w, err := NewWorld(WorldConfig{Users: 100, Rate: 5})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	win, err := w.Window(start, start.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	most := 0
	for n := 0; win.Next(&ev); n++ {
		if n == 36_000 { // two hours
			most = len(win.cursors)
		}
	}
	// 5 users online and about 20 sessions starting per half hour.
	t.Logf("cursors after two hours %d, after a day %d", most, len(win.cursors))
	if most == 0 || most > 60 || len(win.cursors) > most*3/2 {
		t.Errorf("cursors: %d after two hours, %d after 24 hours; want a few dozen, not growing", most, len(win.cursors))
	}
}
