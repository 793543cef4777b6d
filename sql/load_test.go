package sql

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
)

// exampleRun is the load the goldens render.
var exampleRun = LoadRun{ID: "load-20261127T101500Z-0a1b2c3d", Started: time.Date(2026, 11, 27, 10, 15, 0, 123000000, time.UTC)}

func TestLoadGolden(t *testing.T) {
	realtime := stagingParams(t)
	scheduled := realtime
	scheduled.Mode = Scheduled
	batch := []string{"lock_landing", "stage_batch", "insert_rejected", "insert_events", "record_run", "clear_landing", "drop_batch", "report_run"}
	tests := []struct {
		name      string
		params    Params
		wantNames []string
	}{
		{name: "load_redshift_realtime", params: realtime, wantNames: slices.Concat([]string{"count_pending", "move_to_landing"}, batch)},
		{name: "load_redshift_scheduled", params: scheduled, wantNames: slices.Concat([]string{"refresh_stream_view", "count_pending", "move_to_landing"}, batch)},
		{name: "load_postgres", params: LocalParams(), wantNames: slices.Concat([]string{"count_pending", "move_to_landing"}, batch)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Load(tt.params, exampleRun)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range plan.All() {
				names = append(names, s.Name)
				assertOneStatement(t, s)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("statement names (-want +got):\n%s", diff)
			}
			if last := plan.Batch[len(plan.Batch)-1]; !strings.HasPrefix(last.SQL, "SELECT moved, inserted, duplicates, rejected") {
				t.Errorf("the batch's last statement %s does not report the run:\n%s", last.Name, last.SQL)
			}
			golden.Check(t, "testdata/"+tt.name+".golden.sql", Format(plan.All()))
		})
	}
}

func TestLoadMovesWithAppendOnlyInRedshift(t *testing.T) {
	rs, err := Load(stagingParams(t), exampleRun)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := Load(LocalParams(), exampleRun)
	if err != nil {
		t.Fatal(err)
	}
	if want := `ALTER TABLE "chatstream".chat_events_landing APPEND FROM "chatstream".chat_events_stream`; !strings.HasSuffix(rs.Move.SQL, want) {
		t.Errorf("Redshift move = %s; want it to end with %s", rs.Move.SQL, want)
	}
	for _, want := range []string{`DELETE FROM "chatstream".chat_events_stream`, `INSERT INTO "chatstream".chat_events_landing`} {
		if !strings.Contains(pg.Move.SQL, want) {
			t.Errorf("PostgreSQL move lacks %q:\n%s", want, pg.Move.SQL)
		}
	}
	// Every Redshift-only word stays out of the PostgreSQL rendering, and
	// PostgreSQL's JSON operators out of Redshift's.
	for _, s := range pg.All() {
		for _, word := range []string{"APPEND", "REFRESH", "IS_VARCHAR", "DATEADD", "GETDATE", "SUPER", "JSON_SIZE"} {
			if strings.Contains(uncommented(s.SQL), word) {
				t.Errorf("PostgreSQL statement %s holds %s:\n%s", s.Name, word, s.SQL)
			}
		}
	}
	for _, s := range rs.All() {
		for _, word := range []string{"->", "jsonb", "INTERVAL"} {
			if strings.Contains(uncommented(s.SQL), word) {
				t.Errorf("Redshift statement %s holds %s:\n%s", s.Name, word, s.SQL)
			}
		}
	}
}

// uncommented drops the -- comments from sql.
func uncommented(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if before, _, _ := strings.Cut(line, "--"); strings.TrimSpace(before) != "" {
			b.WriteString(before + "\n")
		}
	}
	return b.String()
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		params  func(*Params)
		run     LoadRun
		wantErr string
	}{
		{name: "id with a quote", run: LoadRun{ID: "load'; DROP TABLE x; --", Started: exampleRun.Started}, wantErr: `load id "load'; DROP TABLE x; --"`},
		{name: "empty id", run: LoadRun{Started: exampleRun.Started}, wantErr: `load id ""`},
		{name: "id of 65 characters", run: LoadRun{ID: strings.Repeat("a", 65), Started: exampleRun.Started}, wantErr: "load id"},
		{name: "no start time", run: LoadRun{ID: "load-1"}, wantErr: "load load-1 has no start time"},
		{name: "unknown mode", params: func(p *Params) { p.Mode = "hourly" }, run: exampleRun, wantErr: `mode "hourly": want realtime or scheduled`},
		{name: "bad schema", params: func(p *Params) { p.Schema = "a\nb" }, run: exampleRun, wantErr: "schema: identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := stagingParams(t)
			if tt.params != nil {
				tt.params(&p)
			}
			if _, err := Load(p, tt.run); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// eventTimePattern pulls the pattern stage_batch checks event_time with out
// of the rendered SQL, as a Go regular expression: POSIX's syntax for what
// it uses, [.] instead of an escaped dot.
func eventTimePattern(t *testing.T) *regexp.Regexp {
	t.Helper()
	plan, err := Load(LocalParams(), exampleRun)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`event_time_text ~ '([^']+)'`).FindStringSubmatch(plan.Batch[1].SQL)
	if m == nil {
		t.Fatalf("stage_batch has no event_time pattern:\n%s", plan.Batch[1].SQL)
	}
	return regexp.MustCompile(m[1])
}

// TestEventTimePatternMatchesTheCalendar checks that the pattern admits
// exactly the UTC RFC 3339 times whose date exists, so that the cast after
// it can never fail and stop a load: every day of 1900 to 2400 (leap years
// by the Gregorian rule), and a random sample of well-formed and broken
// strings, against Go's time.Parse.
func TestEventTimePatternMatchesTheCalendar(t *testing.T) {
	re := eventTimePattern(t)
	// time.Parse reads any number of fractional digits; TIMESTAMP keeps
	// six, and the producer writes three.
	fraction := regexp.MustCompile(`^[^.]*([.][0-9]{1,6})?Z$`)
	valid := func(s string) bool {
		_, err := time.Parse("2006-01-02T15:04:05.999999Z", s)
		return err == nil && fraction.MatchString(s)
	}
	// Every (year, month, day) with day 1..31, valid or not.
	for year := 1900; year <= 2400; year++ {
		for month := 1; month <= 12; month++ {
			for day := 1; day <= 31; day++ {
				s := fmt.Sprintf("%04d-%02d-%02dT10:00:00.000Z", year, month, day)
				if got, want := re.MatchString(s), valid(s); got != want {
					t.Fatalf("pattern matches %s = %v; time.Parse says valid = %v", s, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d%sZ", 1000+r.IntN(9000), r.IntN(14), r.IntN(33), r.IntN(26), r.IntN(62), r.IntN(62),
			[]string{"", ".1", ".123", ".123456", ".1234567", "."}[r.IntN(6)])
		if got, want := re.MatchString(s), valid(s); got != want {
			t.Fatalf("pattern matches %s = %v; time.Parse says valid = %v", s, got, want)
		}
	}
	for _, s := range []string{
		"2026-11-27T10:00:00.000Z", "2024-02-29T23:59:59Z", "2000-02-29T00:00:00.5Z",
	} {
		if !re.MatchString(s) {
			t.Errorf("pattern refuses %s", s)
		}
	}
	for _, s := range []string{
		"2026-11-27 10:00:00.000Z", "2026-11-27T10:00:00.000+01:00", "2026-11-27T10:00:00.000", "2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "0999-01-01T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T10:00:60Z", " 2026-11-27T10:00:00Z",
	} {
		if re.MatchString(s) {
			t.Errorf("pattern admits %s", s)
		}
	}
}

// columnList returns the column names a CREATE TABLE's parentheses list,
// or a SELECT's output names up to FROM.
func columnList(t *testing.T, s Statement) []string {
	t.Helper()
	body := uncommented(s.SQL)
	var names []string
	switch {
	case strings.Contains(body, "CREATE TABLE"):
		open, end := strings.Index(body, "("), strings.LastIndex(body, ")")
		for _, col := range strings.Split(body[open+1:end], ",\n") {
			names = append(names, strings.Fields(col)[0])
		}
	case strings.Contains(body, "CREATE MATERIALIZED VIEW"):
		sel := body[strings.Index(body, "SELECT")+len("SELECT") : strings.Index(body, "FROM")]
		for _, col := range strings.Split(sel, ",\n") {
			f := strings.Fields(col)
			names = append(names, f[len(f)-1])
		}
	default:
		t.Fatalf("statement %s creates neither a table nor a view", s.Name)
	}
	return names
}

// TestLandingTableMatchesTheBuffer checks that the landing table has the
// columns of the materialized view, in Redshift, and of its stand-in, in
// PostgreSQL: APPEND moves like-named columns, and the local move names
// them all. (The types APPEND needs are the Redshift view's; PostgreSQL's
// stand-in has the local ingest's, which are as wide or wider.)
func TestLandingTableMatchesTheBuffer(t *testing.T) {
	for _, tt := range []struct {
		params Params
		buffer string
	}{{stagingParams(t), "create_stream_view"}, {LocalParams(), "create_stream_table"}} {
		stmts, err := statements(tt.params, tt.buffer, "create_landing_table")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(columnList(t, stmts[0]), columnList(t, stmts[1])); diff != "" {
			t.Errorf("%s: %s and the landing table differ in columns (-buffer +landing):\n%s", tt.params.Engine, tt.buffer, diff)
		}
	}
}
