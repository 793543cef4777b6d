// The SQL of the warehouse, rendered for PostgreSQL, run for real on the
// repository's own PostgreSQL server (internal/pgserver), one per test
// binary; see TestMain.

package pgload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	"github.com/chatstream/chatstream/lambda/load"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pool is the test server's, shared by the tests; each test works in a
// schema of its own.
var pool *pgxpool.Pool

// TestMain shares one server among the package's tests: initdb is most of
// the time a start takes.
func TestMain(m *testing.M) {
	os.Exit(pgservertest.RunWithPool(m, func(p *pgxpool.Pool) { pool = p }))
}

// asOf is the seeded world's "now".
var asOf = time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC)

// warehouse is the local warehouse in a schema of the test's own.
type warehouse struct {
	t      *testing.T
	params chatsql.Params
	exec   *Executor
	seq    int
}

func newWarehouse(t *testing.T) *warehouse {
	t.Helper()
	p := chatsql.LocalParams()
	p.Schema = "t_" + strings.ToLower(strings.NewReplacer("/", "_", " ", "_", "-", "_").Replace(t.Name()))
	if len(p.Schema) > 63 {
		p.Schema = p.Schema[:63]
	}
	w := &warehouse{t: t, params: p, exec: &Executor{Pool: pool}}
	w.sql(`DROP SCHEMA IF EXISTS "` + p.Schema + `" CASCADE`)
	w.apply()
	t.Cleanup(func() { w.sql(`DROP SCHEMA IF EXISTS "` + p.Schema + `" CASCADE`) })
	return w
}

// apply runs the DDL a start of the local warehouse runs.
func (w *warehouse) apply() {
	w.t.Helper()
	stmts, err := chatsql.Apply(w.params)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := w.exec.Exec(w.t.Context(), s); err != nil {
			w.t.Fatalf("apply: %v", err)
		}
	}
}

func (w *warehouse) sql(sql string, args ...any) {
	w.t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// ingest writes records into the stand-in for the streaming view, as the
// local ingest does: payload NULL when data is not JSON.
func (w *warehouse) ingest(arrival time.Time, data ...string) {
	w.t.Helper()
	for _, d := range data {
		w.seq++
		var payload any
		if json.Valid([]byte(d)) {
			payload = d
		}
		w.sql(`INSERT INTO "`+w.params.Schema+`".chat_events_stream VALUES ($1, '7', 'shardId-000000000000', $2, $3, $4::jsonb)`,
			arrival, fmt.Sprint(1000+w.seq), arrival.Add(2*time.Second), payload)
	}
}

func (w *warehouse) loader(seed uint64, exec interface {
	Exec(context.Context, chatsql.Statement) (map[string]int64, error)
	Transaction(context.Context, []chatsql.Statement) (map[string]int64, error)
}) *load.Loader {
	w.t.Helper()
	l, err := load.New(exec, w.params, time.Now, rand.New(rand.NewPCG(seed, 2)), slog.New(slog.NewTextHandler(w.t.Output(), nil)))
	if err != nil {
		w.t.Fatal(err)
	}
	return l
}

// lines runs a query and returns its rows as text, | between columns.
func (w *warehouse) lines(sql string) []string {
	w.t.Helper()
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	defer conn.Release()
	results, err := conn.Conn().PgConn().Exec(context.Background(), sql).ReadAll()
	if err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
	var out []string
	for _, r := range results {
		for _, row := range r.Rows {
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = "NULL"
				if c != nil {
					cells[i] = string(c)
				}
			}
			out = append(out, strings.Join(cells, "|"))
		}
	}
	return out
}

func (w *warehouse) count(table string) int {
	w.t.Helper()
	n := w.lines(`SELECT COUNT(*) FROM "` + w.params.Schema + `".` + table)
	var c int
	fmt.Sscan(n[0], &c)
	return c
}

// ev is a valid event's JSON.
func ev(id string, at time.Time, name string, user int, extra string) string {
	return fmt.Sprintf(`{"schema_version":2,"event_id":%q,"event_time":%q,"event_name":%q,"user_id":%d%s}`,
		id, at.UTC().Format("2006-01-02T15:04:05.000Z"), name, user, extra)
}

func TestApplyIsRepeatableAndAnalystsOnlyRead(t *testing.T) {
	w := newWarehouse(t)
	// A second start of the local warehouse creates nothing twice.
	w.apply()
	w.ingest(asOf, ev("a", asOf, "JOIN", 1, ""))
	if _, err := w.loader(1, w.exec).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), "SET LOCAL ROLE "+chatsql.AnalystRole); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(t.Context(), `SELECT COUNT(*) FROM "`+w.params.Schema+`".chat_events`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the analyst reads %d events, %v; want 1", n, err)
	}
	if _, err := tx.Exec(t.Context(), `DELETE FROM "`+w.params.Schema+`".chat_events`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("the analyst's DELETE = %v; want permission denied", err)
	}
}

func TestLoaderTypesDeduplicatesAndRejects(t *testing.T) {
	w := newWarehouse(t)
	t0 := asOf.Add(-10 * time.Minute)
	chat := `,"chat_id":3,"platform":"ios","country":"DE","app_version":"1.2.3","message_length":42,"has_attachment":true`
	// GIVEN valid events, two copies of one, and every kind of bad record.
	w.ingest(t0,
		ev("e1", t0, "JOIN", 1, `,"platform":"web","country":"FR","app_version":"2.0","run_id":"r1"`),
		ev("e1", t0, "JOIN", 1, `,"platform":"web","country":"FR","app_version":"2.0","run_id":"r1"`),
		ev("e2", t0.Add(time.Second), "SEND_MESSAGE", 2, chat),
		ev("e3", t0.Add(2*time.Second), "SUBSCRIBE", 2, `,"chat_id":3,"plan":"premium"`),
		ev("e4", t0.Add(3*time.Second), "SEND_MESSAGE", 2, `,"chat_id":4,"platform":"ps5","country":"deu","message_length":"42","has_attachment":1`),
		`not json`,
		`[1,2]`,
		`null`,
		`{"schema_version":2,"event_time":"2026-11-27T10:05:00.000Z","event_name":"JOIN","user_id":1}`,
		`{"event_id":"`+strings.Repeat("x", 65)+`","event_time":"2026-11-27T10:05:00.000Z","event_name":"JOIN","user_id":1}`,
		`{"event_id":"e6","event_time":"2026-02-30T10:05:00.000Z","event_name":"JOIN","user_id":1}`,
		`{"event_id":"e7","event_time":"2026-11-27T10:05:00.000Z","event_name":"DANCE","user_id":1}`,
		`{"event_id":"e8","event_time":"2026-11-27T10:05:00.000Z","event_name":"JOIN","user_id":0}`,
		`{"event_id":"e9","event_time":"2026-11-27T10:05:00.000Z","event_name":"SEND_MESSAGE","user_id":1}`,
		ev("e10", t0.Add(-49*time.Hour), "JOIN", 1, ""),
		ev("e11", t0.Add(16*time.Minute), "JOIN", 1, ""),
	)

	// WHEN the loader runs.
	res, err := w.loader(1, w.exec).Run(t.Context())

	// THEN it reports and keeps exactly that.
	if err != nil {
		t.Fatal(err)
	}
	want := load.Result{ID: res.ID, Mode: chatsql.Scheduled, Streamed: 16, Moved: 16, Inserted: 4, Duplicates: 1, Rejected: 11, DurationMS: res.DurationMS}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	s := w.params.Schema
	gotEvents := w.lines(`SELECT event_id, event_time, event_name, user_id, chat_id, run_id, schema_version, platform, country,
		app_version, message_length, has_attachment, plan, sequence_number, load_id = '` + res.ID + `'
		FROM "` + s + `".chat_events ORDER BY event_id`)
	wantEvents := []string{
		"e1|2026-11-27 10:05:00|JOIN|1|NULL|r1|2|web|FR|2.0|NULL|NULL|NULL|1001|t",
		"e2|2026-11-27 10:05:01|SEND_MESSAGE|2|3|NULL|2|ios|DE|1.2.3|42|t|NULL|1003|t",
		"e3|2026-11-27 10:05:02|SUBSCRIBE|2|3|NULL|2|NULL|NULL|NULL|NULL|NULL|premium|1004|t",
		"e4|2026-11-27 10:05:03|SEND_MESSAGE|2|4|NULL|2|NULL|NULL|NULL|NULL|NULL|NULL|1005|t",
	}
	if diff := cmp.Diff(wantEvents, gotEvents); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	gotRejects := w.lines(`SELECT sequence_number, reason FROM "` + s + `".chat_events_rejected ORDER BY sequence_number`)
	wantRejects := []string{
		"1006|not JSON",
		"1007|not a JSON object",
		"1008|not a JSON object",
		"1009|event_id: not a string of 1 to 64 bytes",
		"1010|event_id: not a string of 1 to 64 bytes",
		"1011|event_time: not an RFC 3339 UTC time",
		"1012|event_name: not one of the five",
		"1013|user_id: not a positive integer",
		"1014|chat_id: not a positive integer",
		"1015|event_time: over 48 hours before arrival",
		"1016|event_time: over 15 minutes after arrival",
	}
	if diff := cmp.Diff(wantRejects, gotRejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	if got := w.lines(`SELECT moved, inserted, duplicates, rejected, first_event_time, last_event_time FROM "` + s + `".load_runs`); !slices.Equal(got,
		[]string{"16|4|1|11|2026-11-27 10:05:00|2026-11-27 10:05:03"}) {
		t.Errorf("load_runs = %v", got)
	}
	if w.count("chat_events_stream")+w.count("chat_events_landing") != 0 {
		t.Error("rows are left in the stand-in or the landing table")
	}
}

func TestLateCopiesAndARereadStreamLoadNothingTwice(t *testing.T) {
	w := newWarehouse(t)
	t0 := asOf.Add(-30 * time.Minute)
	l := w.loader(1, w.exec)
	w.ingest(t0, ev("a", t0, "JOIN", 1, ""), ev("b", t0.Add(time.Second), "LEAVE", 1, ""), `oops`)
	if _, err := l.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A retried invocation's copy, a day later, with the same event_time,
	// beside a new event; and the view rebuilt, re-reading the same
	// records with the same sequence numbers.
	w.ingest(t0.Add(24*time.Hour), ev("a", t0, "JOIN", 1, ""), ev("c", t0.Add(24*time.Hour), "JOIN", 2, ""))
	w.seq = 0
	w.ingest(t0, ev("a", t0, "JOIN", 1, ""), ev("b", t0.Add(time.Second), "LEAVE", 1, ""), `oops`)
	res, err := l.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 5 || res.Inserted != 1 || res.Duplicates != 4 || res.Rejected != 0 {
		t.Errorf("Result = %+v; want 5 moved: c inserted, 4 duplicates", res)
	}
	if got := w.lines(`SELECT event_id FROM "` + w.params.Schema + `".chat_events ORDER BY 1`); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("events = %v; want a, b, c once each", got)
	}
	if n := w.count("chat_events_rejected"); n != 1 {
		t.Errorf("%d rejects; want the bad record once", n)
	}
}

// crashing runs the real statements but fails one step: before it runs,
// after it ran, or inside the transaction, before COMMIT.
type crashing struct {
	*Executor
	step  string // a statement name, or "transaction"
	after bool
}

var errCrash = errors.New("the loader died")

func (c *crashing) Exec(ctx context.Context, s chatsql.Statement) (map[string]int64, error) {
	if s.Name == c.step && !c.after {
		return nil, errCrash
	}
	row, err := c.Executor.Exec(ctx, s)
	if s.Name == c.step {
		return nil, errCrash
	}
	return row, err
}

func (c *crashing) Transaction(ctx context.Context, stmts []chatsql.Statement) (map[string]int64, error) {
	if c.step != "transaction" {
		return c.Executor.Transaction(ctx, stmts)
	}
	if c.after {
		if _, err := c.Executor.Transaction(ctx, stmts); err != nil {
			return nil, err
		}
		return nil, errCrash
	}
	// Dies half-way: the statements before the run's record, then an
	// error, so PostgreSQL rolls back what they did.
	cut := slices.Clone(stmts[:4])
	cut = append(cut, chatsql.Statement{Name: "die", SQL: "SELECT 1 / 0"})
	return c.Executor.Transaction(ctx, cut)
}

func TestCrashBetweenStepsThenRerun(t *testing.T) {
	tests := []struct {
		step  string
		after bool
	}{
		{"count_pending", false},
		{"count_pending", true},
		{"move_to_landing", false},
		{"move_to_landing", true},
		{"transaction", false},
		{"transaction", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s after=%v", tt.step, tt.after), func(t *testing.T) {
			w := newWarehouse(t)
			t0 := asOf.Add(-5 * time.Minute)
			var batch []string
			for i := range 20 {
				batch = append(batch, ev(fmt.Sprintf("a%02d", i), t0.Add(time.Duration(i)*time.Second), "JOIN", i+1, ""))
			}
			w.ingest(t0, append(batch, batch[3], `{"no":"id"}`)...)
			if _, err := w.loader(1, &crashing{Executor: w.exec, step: tt.step, after: tt.after}).Run(t.Context()); err == nil {
				t.Fatal("crashing run succeeded; want it to fail")
			}
			// More arrive, a copy among them, before the next run.
			w.ingest(t0.Add(time.Minute), ev("b", t0.Add(time.Minute), "JOIN", 99, ""), batch[7])
			res, err := w.loader(2, w.exec).Run(t.Context())
			if err != nil {
				t.Fatalf("next run = %v", err)
			}
			if n := w.count("chat_events"); n != 21 {
				t.Errorf("%d events after the next run (%+v); want 21, each once", n, res)
			}
			if n := w.count("chat_events_rejected"); n != 1 {
				t.Errorf("%d rejects; want 1", n)
			}
			if w.count("chat_events_stream")+w.count("chat_events_landing") != 0 {
				t.Error("rows are left waiting")
			}
		})
	}
}

func TestOverlappingRunsLoadEachEventOnce(t *testing.T) {
	w := newWarehouse(t)
	t0 := asOf.Add(-5 * time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex // the ingest's sequence numbers
	for loader := range 4 {
		l := w.loader(uint64(loader+1), w.exec)
		wg.Go(func() {
			for round := range 10 {
				mu.Lock()
				e := ev(fmt.Sprintf("e-%d-%d", loader, round), t0.Add(time.Duration(round)*time.Second), "JOIN", loader+1, "")
				w.ingest(t0, e, e)
				mu.Unlock()
				if _, err := l.Run(context.Background()); err != nil {
					t.Errorf("run = %v", err)
				}
			}
		})
	}
	wg.Wait()
	if _, err := w.loader(9, w.exec).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := w.count("chat_events"); n != 40 {
		t.Errorf("%d events; want 40, each once", n)
	}
}

// TestQueriesOnASeededRun runs every query of sql/queries on events
// loaded by the loader, as of a fixed time, against golden results.
func TestQueriesOnASeededRun(t *testing.T) {
	w := newWarehouse(t)
	r := rand.New(rand.NewPCG(42, 42))
	eventNames := []string{"JOIN", "OPEN_CHAT", "SEND_MESSAGE", "SEND_MESSAGE", "SEND_MESSAGE", "SUBSCRIBE", "LEAVE"}
	platforms := []string{"ios", "android", "web"}
	countries := []string{"DE", "FR", "US"}
	// What the last hour holds, counted here, independently of the SQL.
	var lastHour, messagesLastHour int
	for i := range 120 {
		at := asOf.Add(-time.Duration(r.IntN(80*60)) * time.Second).Add(-time.Duration(r.IntN(1000)) * time.Millisecond)
		name := eventNames[r.IntN(len(eventNames))]
		if !at.Before(asOf.Add(-time.Hour)) {
			lastHour++
			if name == "SEND_MESSAGE" {
				messagesLastHour++
			}
		}
		extra := ""
		if name != "JOIN" && name != "LEAVE" {
			extra += fmt.Sprintf(`,"chat_id":%d`, 1+r.IntN(6))
		}
		if i%5 != 0 { // every fifth is schema version 1: no platform
			extra += fmt.Sprintf(`,"platform":%q,"country":%q`, platforms[r.IntN(3)], countries[r.IntN(3)])
		}
		if name == "SEND_MESSAGE" {
			extra += fmt.Sprintf(`,"message_length":%d,"has_attachment":%v`, r.IntN(200), r.IntN(4) == 0)
		}
		arrival := at.Add(time.Duration(100+r.IntN(900)) * time.Millisecond)
		w.ingest(arrival, ev(fmt.Sprintf("q%03d", i), at, name, 1+r.IntN(12), extra))
	}
	// And two records a load cannot type, for malformed_records.
	w.ingest(asOf.Add(-3*time.Minute), `not json`, `{"schema_version":2,"event_name":"JOIN","user_id":1}`)
	if _, err := w.loader(1, w.exec).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The load ran now; the seeded world's loads ran 30 s after ingest.
	w.sql(`UPDATE "` + w.params.Schema + `".chat_events SET load_time = ingest_time + INTERVAL '30 seconds'`)

	names, err := chatsql.Queries()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sums := map[string]int{}
	for _, name := range names {
		q, err := chatsql.Query(name, chatsql.QueryOptions{Engine: chatsql.PostgreSQL, Schema: w.params.Schema, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		rows := w.lines(q.SQL)
		fmt.Fprintf(&b, "-- %s\n%s\n\n", name, strings.Join(rows, "\n"))
		// The counts' column: events per minute, messages per platform.
		column := map[string]int{"events_per_minute": 2, "messages_by_platform": 2}
		if c, ok := column[name]; ok {
			for _, row := range rows {
				var n int
				fmt.Sscan(strings.Split(row, "|")[c], &n)
				sums[name] += n
			}
		}
	}
	if sums["events_per_minute"] != lastHour || sums["messages_by_platform"] != messagesLastHour {
		t.Errorf("events_per_minute counts %d and messages_by_platform %d; the seed put %d events and %d messages in the last hour",
			sums["events_per_minute"], sums["messages_by_platform"], lastHour, messagesLastHour)
	}
	golden.Check(t, "testdata/queries_seeded.golden.txt", b.String())
}
