package localwarehouse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chatstream/chatstream/internal/localrun"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5"
)

// RecordKey names a Kinesis record as the tables keep it: a resent record
// is stored again under another sequence number, and is another key.
type RecordKey struct {
	ShardID, SequenceNumber string
}

// String writes the key as shard/sequence number.
func (k RecordKey) String() string {
	return k.ShardID + "/" + k.SequenceNumber
}

// Expected is what the warehouse must hold once every record of the stream
// is loaded.
type Expected struct {
	// Events are the event ids of the well-formed events, each of which
	// must be in the events table once.
	Events map[string]bool
	// Rejects are the records malformed on purpose, every copy of each:
	// the rejected table keeps one row per record stored.
	Rejects map[RecordKey]bool
}

// ExpectedFrom reads what the warehouse must hold from the records the
// stream held: the events of the well-formed ones (localrun.ClassifyRecord),
// however many copies, and every record malformed on purpose. A record
// that breaks the record contract otherwise is in neither; the stream's own
// check reports it.
func ExpectedFrom(records []localrun.Record) Expected {
	want := Expected{Events: map[string]bool{}, Rejects: map[RecordKey]bool{}}
	for _, r := range records {
		e, dirty, err := localrun.ClassifyRecord(r)
		switch {
		case err != nil:
		case dirty != "":
			want.Rejects[RecordKey{r.ShardID, r.SequenceNumber}] = true
		default:
			want.Events[e.EventID] = true
		}
	}
	return want
}

// Held is what the warehouse holds.
type Held struct {
	// Events counts the events table's rows, Rejects the rejected table's.
	Events, Rejects int
	// Streamed and Landed count the rows no load has taken yet.
	Streamed, Landed int64
}

// examples is how many of a kind of difference an error names.
const examples = 3

// Check compares what the warehouse holds with want and returns what it
// holds, and an error naming every difference: an expected event missing,
// an event nobody sent, an event held more than once, a malformed record
// not rejected or a record rejected that was not malformed, and rows still
// waiting for a load.
func (w *Warehouse) Check(ctx context.Context, want Expected) (Held, error) {
	stmts, err := chatsql.LocalCheck(w.Params.Schema)
	if err != nil {
		return Held{}, err
	}
	var held Held
	var problems []error
	events := map[string]int{}
	var id string
	var copies int
	if err := w.forEach(ctx, stmts.Events, []any{&id, &copies}, func() { events[id] = copies; held.Events += copies }); err != nil {
		return held, err
	}
	rejects := map[RecordKey]string{}
	var key RecordKey
	var reason string
	if err := w.forEach(ctx, stmts.Rejects, []any{&key.ShardID, &key.SequenceNumber, &reason}, func() { rejects[key] = reason; held.Rejects++ }); err != nil {
		return held, err
	}
	if err := w.Pool.QueryRow(ctx, stmts.Waiting.SQL).Scan(&held.Streamed, &held.Landed); err != nil {
		return held, fmt.Errorf("%s: %w", stmts.Waiting.Name, err)
	}

	var missing, unknown, doubled []string
	for id := range want.Events {
		if events[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id, n := range events {
		if !want.Events[id] {
			unknown = append(unknown, id)
		}
		if n > 1 {
			doubled = append(doubled, fmt.Sprintf("%s (%d rows)", id, n))
		}
	}
	problems = append(problems,
		some(missing, "events the stream holds are not in the events table"),
		some(unknown, "events in the events table are none of the stream's well-formed events"),
		some(doubled, "events are in the events table more than once"))
	var notRejected, wronglyRejected []string
	for k := range want.Rejects {
		if _, ok := rejects[k]; !ok {
			notRejected = append(notRejected, k.String())
		}
	}
	for k, reason := range rejects {
		if !want.Rejects[k] {
			wronglyRejected = append(wronglyRejected, fmt.Sprintf("%s (%s)", k, reason))
		}
	}
	problems = append(problems,
		some(notRejected, "records malformed on purpose are not in the rejected table"),
		some(wronglyRejected, "records in the rejected table were not malformed on purpose"))
	if held.Streamed+held.Landed > 0 {
		problems = append(problems, fmt.Errorf("%d rows wait in the stand-in for the streaming view and %d in the landing table: no load took them", held.Streamed, held.Landed))
	}
	return held, errors.Join(problems...)
}

// some is an error saying how many of what there are, naming the first
// few in order, or nil when there are none.
func some(items []string, what string) error {
	if len(items) == 0 {
		return nil
	}
	slices.SortFunc(items, cmp.Compare)
	shown := items[:min(len(items), examples)]
	more := ""
	if len(items) > examples {
		more = ", …"
	}
	return fmt.Errorf("%d %s: %s%s", len(items), what, strings.Join(shown, ", "), more)
}

// forEach runs the query stmt and calls each for every row, scanned into
// dest.
func (w *Warehouse) forEach(ctx context.Context, stmt chatsql.Statement, dest []any, each func()) error {
	rows, err := w.Pool.Query(ctx, stmt.SQL)
	if err != nil {
		return fmt.Errorf("%s: %w", stmt.Name, err)
	}
	if _, err := pgx.ForEachRow(rows, dest, func() error { each(); return nil }); err != nil {
		return fmt.Errorf("%s: %w", stmt.Name, err)
	}
	return nil
}
