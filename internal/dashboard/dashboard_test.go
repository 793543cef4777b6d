package dashboard

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
)

func TestAHangingQueryHoldsUpNoOtherPanel(t *testing.T) {
	// GIVEN a dashboard whose active_users query hangs until released
	release := make(chan struct{})
	runner := seededAnswers()
	runner["active_users"] = func(ctx context.Context) (*dataapi.Result, error) {
		<-release
		return rowsOf([]string{"active_users"}, []types.Field{long(40)})(ctx)
	}
	d, err := New(Config{Source: Source{Name: "test", Runner: runner, Render: fakeRender}, QueryTimeout: time.Hour, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.wait)
	t.Cleanup(func() { close(release) })

	// WHEN the page asks, and every other query ends
	d.refreshStale(t.Context())
	d.mu.Lock()
	var others []chan struct{}
	for _, p := range d.panels {
		if p.chart.Query != "active_users" {
			others = append(others, p.running.done)
		}
	}
	d.mu.Unlock()
	for _, done := range others {
		<-done
	}

	// THEN those panels show their outcomes while active_users is still
	// pending, and the page keeps asking soon
	v := d.snapshot()
	states := map[string]State{}
	for _, p := range v.Panels {
		states[p.Chart.Query] = p.State
	}
	want := map[string]State{
		"events_per_minute": OK, "users_online": OK, "busiest_chats": OK, "ingestion_lag": OK,
		"messages_by_platform": OK, "malformed_records": Empty, "newest_event_age": Failed, "active_users": Pending,
	}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states while active_users hangs (-want +got):\n%s", diff)
	}
	if !v.Pending() {
		t.Error("Pending() = false while a panel has shown nothing yet")
	}
	pending := v.Panels[len(v.Panels)-1]
	if got, want := pending.Message(time.Hour), "Waiting for the first run of sql/queries/active_users.sql, started at 10:00:05 UTC."; got != want {
		t.Errorf("pending message = %q, want %q", got, want)
	}
}

func TestARefreshDoesNotStartAChartTwice(t *testing.T) {
	// GIVEN a chart whose query is running
	release := make(chan struct{})
	calls := make(chan struct{}, 10)
	runner := fakeRunner{"active_users": func(ctx context.Context) (*dataapi.Result, error) {
		calls <- struct{}{}
		<-release
		return rowsOf([]string{"active_users"}, []types.Field{long(3)})(ctx)
	}}
	now := testNow
	d, err := New(Config{
		Source: Source{Name: "test", Runner: runner, Render: fakeRender},
		Charts: []Chart{{Query: "active_users", Title: "Active", Kind: Stat, Y: []string{"active_users"}}},
		Now:    func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	d.refreshStale(t.Context())
	<-calls

	// WHEN the page asks again, long after the interval
	now = now.Add(time.Hour)
	d.refreshStale(t.Context())
	close(release)
	d.wait()

	// THEN the query ran once, and its result is fresh until the interval
	// has passed since it ended
	if n := len(calls); n != 0 {
		t.Errorf("the query started %d more times while it ran; want 0", n)
	}
	d.refreshStale(t.Context())
	d.wait()
	if n := len(calls); n != 0 {
		t.Errorf("a refresh within the interval ran the query again %d times; want 0", n)
	}
	now = now.Add(DefaultInterval)
	d.refreshStale(t.Context())
	d.wait()
	if n := len(calls); n != 1 {
		t.Errorf("a refresh after the interval ran the query %d times; want 1", n)
	}
}

func TestOutcomes(t *testing.T) {
	chart := Chart{Query: "busiest_chats", Title: "Busiest", Kind: Bars, Label: []string{"chat_id"}, Y: []string{"messages"}}
	tests := []struct {
		name        string
		answer      answer
		render      func(string) (chatsql.Statement, error)
		wantState   State
		wantErr     string
		wantMessage string
	}{
		{
			name:        "rows",
			answer:      rowsOf([]string{"chat_id", "messages"}, []types.Field{long(7), long(12)}),
			wantState:   OK,
			wantMessage: "1 row, queried at 10:00:05 UTC in 0 ms.",
		},
		{
			name:        "only NULL values",
			answer:      rowsOf([]string{"chat_id", "messages"}, []types.Field{long(7), null}),
			wantState:   Empty,
			wantMessage: "Nothing to draw: sql/queries/busiest_chats.sql returned 1 row, none with a value in messages at 10:00:05 UTC.",
		},
		{
			name:        "a column the chart draws is missing",
			answer:      rowsOf([]string{"chat_id", "senders"}, []types.Field{long(7), long(3)}),
			wantState:   Failed,
			wantErr:     `the chart draws column "messages", which the result does not have; it has chat_id, senders`,
			wantMessage: "sql/queries/busiest_chats.sql failed at 10:00:05 UTC, after 0 ms:",
		},
		{
			name:   "the query cannot be rendered",
			answer: rowsOf([]string{"chat_id", "messages"}),
			render: func(string) (chatsql.Statement, error) {
				return chatsql.Statement{}, errors.New(`no query named "busiest_chats"`)
			},
			wantState: Failed,
			wantErr:   `render sql/queries/busiest_chats.sql: no query named "busiest_chats"`,
		},
		{
			name: "the engine's client hides the deadline in its own error",
			answer: func(ctx context.Context) (*dataapi.Result, error) {
				<-ctx.Done()
				return nil, errors.New("timeout: canceling statement due to user request")
			},
			wantState: TimedOut,
			wantErr:   "timeout: canceling statement due to user request",
		},
		{
			name: "a result that comes back after the deadline is still shown",
			answer: func(ctx context.Context) (*dataapi.Result, error) {
				<-ctx.Done()
				return rowsOf([]string{"chat_id", "messages"}, []types.Field{long(7), long(12)})(ctx)
			},
			wantState: OK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			render := tt.render
			if render == nil {
				render = fakeRender
			}
			d, err := New(Config{
				Source:       Source{Name: "test", Runner: fakeRunner{"busiest_chats": tt.answer}, Render: render},
				Charts:       []Chart{chart},
				QueryTimeout: 20 * time.Millisecond,
				Now:          func() time.Time { return testNow },
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			p := d.snapshot().Panels[0]
			if p.State != tt.wantState || p.Error() != tt.wantErr {
				t.Errorf("state, error = %s, %q; want %s, %q", p.State, p.Error(), tt.wantState, tt.wantErr)
			}
			if msg := p.Message(time.Second); tt.wantMessage != "" && msg != tt.wantMessage {
				t.Errorf("message = %q, want %q", msg, tt.wantMessage)
			}
		})
	}
}

func TestNewRefusesBadCharts(t *testing.T) {
	source := Source{Name: "test", Runner: fakeRunner{}, Render: fakeRender}
	tests := []struct {
		name    string
		cfg     Config
		wantErr []string
	}{
		{name: "no runner", cfg: Config{Source: Source{Render: fakeRender}}, wantErr: []string{"needs a Runner and a Render function"}},
		{
			name: "two charts of one query",
			cfg: Config{Source: source, Charts: []Chart{
				{Query: "active_users", Title: "A", Kind: Stat, Y: []string{"n"}},
				{Query: "active_users", Title: "B", Kind: Stat, Y: []string{"n"}},
			}},
			wantErr: []string{"chart active_users: the query has two charts"},
		},
		{
			name: "every problem of a chart at once",
			cfg: Config{Source: source, Charts: []Chart{
				{Query: "events_per_minute", Kind: Lines, Label: []string{"x"}},
			}},
			wantErr: []string{"chart events_per_minute: no Title", "no Y column", "needs its time column in X", `takes no Label, got ["x"]`},
		},
		{name: "bad query name", cfg: Config{Source: source, Charts: []Chart{{Query: "../ddl/schema", Title: "x", Kind: Stat, Y: []string{"n"}}}}, wantErr: []string{`chart query "../ddl/schema"`}},
		{name: "unknown kind", cfg: Config{Source: source, Charts: []Chart{{Query: "q", Title: "x", Kind: "pie", Y: []string{"n"}}}}, wantErr: []string{`kind "pie": want lines, bars or stat`}},
		{name: "bars of two columns", cfg: Config{Source: source, Charts: []Chart{{Query: "q", Title: "x", Kind: Bars, Label: []string{"a"}, Y: []string{"n", "m"}}}}, wantErr: []string{`a bars chart draws one Y column, got ["n" "m"]`}},
		{name: "negative interval", cfg: Config{Source: source, Interval: -time.Second}, wantErr: []string{"interval -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("New = %v; want an error containing %q", err, want)
				}
			}
		})
	}
}

func TestEveryChartHasItsQuery(t *testing.T) {
	names, err := chatsql.Queries()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Charts() {
		if err := c.Check(); err != nil {
			t.Error(err)
		}
		if !slices.Contains(names, c.Query) {
			t.Errorf("chart %s has no sql/queries/%s.sql; the queries are %s", c.Query, c.Query, strings.Join(names, ", "))
		}
	}
}

func TestSummary(t *testing.T) {
	d := newTestDashboard(t, seededAnswers())
	if got, want := d.Summary(), "8 panels: 8 pending (events_per_minute, users_online, busiest_chats, ingestion_lag, messages_by_platform, malformed_records, newest_event_age, active_users)"; got != want {
		t.Errorf("Summary() before a refresh = %q, want %q", got, want)
	}
	if err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := d.Summary(), "8 panels: 5 ok, 1 empty (malformed_records), 1 failed (newest_event_age), 1 timed out (active_users)"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}
