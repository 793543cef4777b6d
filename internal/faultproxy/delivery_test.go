package faultproxy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/internal/faultproxy"
)

// reported is what a producer said about one run.
type reported struct {
	Generated, Sent, Failed int
}

// outcome is what the stream holds after a run, as the proxy saw it happen.
type outcome struct {
	// records is the proxy's history of every record, by id.
	records map[string]faultproxy.RecordStats
	// unacknowledged is the proxy's count of stored entries whose answer
	// never reached the producer.
	unacknowledged int
	// copies counts the copies of each record id in the stream.
	copies map[string]int
	// heard counts, per record, the acknowledgements that reached the
	// producer, where the test can see them; nil leaves the proxy's
	// Acknowledged to stand for them. The proxy may count an answer that the
	// producer never read (its request timeout fired as the answer was
	// written): what the producer heard decides, and each answer it missed
	// is one more stored record whose answer was lost.
	heard map[string]int
	// unsentMayFail is true when the producer may have failed records it
	// never sent (its deadline came first); otherwise every generated
	// record must have reached the proxy.
	unsentMayFail bool
}

// checkDelivery fails t unless the producer kept its promises under faults
// (see deliveryProblems), and returns the number of duplicate copies in the
// stream.
func checkDelivery(t *testing.T, r reported, o outcome) (duplicates int) {
	t.Helper()
	duplicates, problems := deliveryProblems(r, o)
	const shown = 10
	for i, p := range problems {
		if i == shown {
			t.Errorf("… and %d more problems", len(problems)-shown)
			break
		}
		t.Error(p)
	}
	return duplicates
}

// deliveryProblems compares a producer's report with the stream and the
// proxy's record of every request, and describes every broken promise:
//
//   - the stream holds exactly what upstream accepted, nothing else;
//   - sent + failed == generated, and sent is exactly the number of records
//     whose acceptance reached the producer, each of them in the stream;
//   - failed counts the records never acknowledged, sent or not;
//   - a record is duplicated only when the answer to a request that stored
//     it was lost; each lost answer is either a duplicate (a resend was
//     stored too) or a record that is stored once and reported failed.
func deliveryProblems(r reported, o outcome) (duplicates int, problems []string) {
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if r.Sent+r.Failed != r.Generated {
		problem("reported sent %d + failed %d = %d, want generated %d", r.Sent, r.Failed, r.Sent+r.Failed, r.Generated)
	}
	for id, n := range o.copies {
		if _, ok := o.records[id]; !ok {
			problem("record %s is in the stream %d times, but never passed the proxy", id, n)
		}
	}
	unacknowledged := o.unacknowledged
	heard := func(id string, s faultproxy.RecordStats) int { return s.Acknowledged }
	if o.heard != nil {
		for id, n := range o.heard {
			if s, ok := o.records[id]; !ok || n > s.Acknowledged {
				problem("the producer heard record %s acknowledged %d times, but the proxy answered it %d times", id, n, s.Acknowledged)
			}
		}
		for id, s := range o.records {
			unacknowledged += max(0, s.Acknowledged-o.heard[id])
		}
		heard = func(id string, _ faultproxy.RecordStats) int { return o.heard[id] }
	}
	var acknowledged, neverAcknowledged, storedButFailed int
	for id, s := range o.records {
		copies := o.copies[id]
		if copies != s.Accepted {
			problem("record %s: %d copies in the stream, but upstream accepted it %d times", id, copies, s.Accepted)
		}
		acks := heard(id, s)
		switch {
		case acks > 1:
			problem("record %s was acknowledged %d times: the producer resent a record it knew was stored", id, acks)
		case acks == 1:
			acknowledged++
			if copies == 0 {
				problem("record %s was reported stored but is not in the stream", id)
			}
		default:
			neverAcknowledged++
			if copies > 0 {
				storedButFailed++
			}
		}
		if copies > 1 {
			duplicates += copies - 1
			if s.Accepted-acks < 1 {
				problem("record %s is in the stream %d times, but every answer for it arrived", id, copies)
			}
		}
	}
	if acknowledged != r.Sent {
		problem("the producer reported %d sent, but %d records' acceptance reached it", r.Sent, acknowledged)
	}
	unsent := r.Generated - len(o.records)
	switch {
	case unsent < 0:
		problem("%d distinct records reached the proxy, more than the %d generated", len(o.records), r.Generated)
	case unsent > 0 && !o.unsentMayFail:
		problem("%d of %d generated records never reached the proxy", unsent, r.Generated)
	}
	if want := neverAcknowledged + max(0, unsent); r.Failed != want {
		problem("the producer reported %d failed, want %d: %d sent but never acknowledged, %d never sent", r.Failed, want, neverAcknowledged, max(0, unsent))
	}
	if got := duplicates + storedButFailed; got != unacknowledged {
		problem("%d duplicates + %d stored-but-failed records = %d, want the %d stored records whose answer was lost",
			duplicates, storedButFailed, got, unacknowledged)
	}
	return duplicates, problems
}

// The integration tests are only as good as this check: it must notice
// each way a producer or a stream can break its promises.
func TestDeliveryProblems(t *testing.T) {
	// A good run: a stored, b stored twice (its first answer was lost), c
	// throttled out and reported failed, d stored once but its only answer
	// lost, so reported failed.
	good := func() (reported, outcome) {
		return reported{Generated: 4, Sent: 2, Failed: 2}, outcome{
			records: map[string]faultproxy.RecordStats{
				"a": {Received: 1, Accepted: 1, Acknowledged: 1},
				"b": {Received: 2, Accepted: 2, Acknowledged: 1},
				"c": {Received: 8, Throttled: 8},
				"d": {Received: 1, Accepted: 1},
			},
			unacknowledged: 2,
			copies:         map[string]int{"a": 1, "b": 2, "d": 1},
		}
	}
	// What the producer heard in the good run, where the test can see it.
	heardAll := func(o *outcome) { o.heard = map[string]int{"a": 1, "b": 1} }
	tests := []struct {
		name  string
		spoil func(*reported, *outcome)
		want  string // substring of one of the problems; empty for none
		// wantDuplicates is the duplicates of a run without problems.
		wantDuplicates int
	}{
		{name: "good run", spoil: func(*reported, *outcome) {}, wantDuplicates: 1},
		{name: "a also stored twice after a lost answer", spoil: func(_ *reported, o *outcome) {
			o.records["a"] = faultproxy.RecordStats{Received: 2, Accepted: 2, Acknowledged: 1}
			o.copies["a"], o.unacknowledged = 2, 3
		}, wantDuplicates: 2},
		{name: "good run, with what the producer heard", spoil: func(_ *reported, o *outcome) { heardAll(o) }, wantDuplicates: 1},
		{name: "an answer the proxy wrote but the producer never read", spoil: func(_ *reported, o *outcome) {
			// a's first answer came as its request timed out: the proxy
			// counts it, the producer resent a.
			heardAll(o)
			o.records["a"] = faultproxy.RecordStats{Received: 2, Accepted: 2, Acknowledged: 2}
			o.copies["a"] = 2
		}, wantDuplicates: 2},
		{name: "producer heard more than the proxy answered", spoil: func(_ *reported, o *outcome) {
			heardAll(o)
			o.heard["a"] = 2
		}, want: "the producer heard record a acknowledged 2 times, but the proxy answered it 1 times"},
		{name: "producer heard of a stranger", spoil: func(_ *reported, o *outcome) {
			heardAll(o)
			o.heard["x"] = 1
		}, want: "the producer heard record x acknowledged 1 times, but the proxy answered it 0 times"},
		{name: "producer resent what it heard was stored", spoil: func(_ *reported, o *outcome) {
			heardAll(o)
			o.records["a"] = faultproxy.RecordStats{Received: 2, Accepted: 2, Acknowledged: 2}
			o.copies["a"], o.heard["a"] = 2, 2
		}, want: "record a was acknowledged 2 times"},
		{name: "sent counts an answer the producer never heard", spoil: func(_ *reported, o *outcome) {
			heardAll(o)
			delete(o.heard, "b")
		}, want: "reported 2 sent, but 1"},
		{name: "counts do not add up", spoil: func(r *reported, _ *outcome) { r.Generated = 5 }, want: "want generated 5"},
		{name: "sent overstated", spoil: func(r *reported, _ *outcome) { r.Sent, r.Failed = 3, 1 }, want: "reported 3 sent, but 2"},
		{name: "record lost from the stream", spoil: func(_ *reported, o *outcome) { delete(o.copies, "a") }, want: "record a: 0 copies in the stream, but upstream accepted it 1 times"},
		{name: "stranger in the stream", spoil: func(_ *reported, o *outcome) { o.copies["x"] = 1 }, want: "record x is in the stream 1 times, but never passed the proxy"},
		{name: "duplicate without a lost answer", spoil: func(_ *reported, o *outcome) {
			o.records["a"] = faultproxy.RecordStats{Received: 2, Accepted: 2, Acknowledged: 2}
			o.copies["a"] = 2
		}, want: "record a was acknowledged 2 times"},
		{name: "lost answers unaccounted", spoil: func(_ *reported, o *outcome) { o.unacknowledged = 5 }, want: "want the 5 stored records whose answer was lost"},
		{name: "generated record never sent", spoil: func(r *reported, _ *outcome) { r.Generated, r.Failed = 5, 3 }, want: "1 of 5 generated records never reached the proxy"},
		{name: "unsent record after a deadline", spoil: func(r *reported, o *outcome) { r.Generated, r.Failed, o.unsentMayFail = 5, 3, true }, wantDuplicates: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, o := good()
			tt.spoil(&r, &o)
			duplicates, problems := deliveryProblems(r, o)
			if tt.want == "" {
				if duplicates != tt.wantDuplicates {
					t.Errorf("duplicates = %d, want %d: every lost answer but d's", duplicates, tt.wantDuplicates)
				}
				if diff := cmp.Diff([]string(nil), problems); diff != "" {
					t.Errorf("deliveryProblems() found problems in a good run (-want +got):\n%s", diff)
				}
				return
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("deliveryProblems() = %q, want a problem containing %q", problems, tt.want)
			}
		})
	}
}
