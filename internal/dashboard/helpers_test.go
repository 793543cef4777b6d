package dashboard

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	chatsql "github.com/chatstream/chatstream/sql"
)

// testNow is the fake clock's time, and the time the fake results are
// about.
var testNow = time.Date(2026, 11, 27, 10, 0, 5, 0, time.UTC)

// answer is what a fake query returns, given the query's context.
type answer func(ctx context.Context) (*dataapi.Result, error)

// fakeRunner answers each query by name.
type fakeRunner map[string]answer

func (f fakeRunner) Run(ctx context.Context, name, sql string, params map[string]string) (*dataapi.Result, error) {
	a, ok := f[name]
	if !ok {
		return nil, fmt.Errorf("the fake has no answer for %s", name)
	}
	if sql != "-- the SQL of "+name {
		return nil, fmt.Errorf("statement %s came with SQL %q, not what fakeRender rendered", name, sql)
	}
	return a(ctx)
}

// fakeRender stands in for the sql package: the dashboard passes on what
// it renders without reading it.
func fakeRender(name string) (chatsql.Statement, error) {
	return chatsql.Statement{Name: name, SQL: "-- the SQL of " + name}, nil
}

// rows returns an answer with these columns and rows.
func rowsOf(columns []string, rows ...[]types.Field) answer {
	return func(context.Context) (*dataapi.Result, error) {
		res := dataapi.NewResult(columns)
		for _, r := range rows {
			if err := res.Append(r); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
}

// failWith returns an answer that fails with err.
func failWith(err error) answer {
	return func(context.Context) (*dataapi.Result, error) { return nil, err }
}

// hang returns an answer that returns only when ctx ends.
func hang(ctx context.Context) (*dataapi.Result, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("statement cancelled: %w", ctx.Err())
}

func str(s string) types.Field     { return &types.FieldMemberStringValue{Value: s} }
func long(n int64) types.Field     { return &types.FieldMemberLongValue{Value: n} }
func double(f float64) types.Field { return &types.FieldMemberDoubleValue{Value: f} }

var null types.Field = &types.FieldMemberIsNull{Value: true}

// minute is the fake results' minute m minutes before testNow's.
func minute(m int) types.Field {
	return str(testNow.Truncate(time.Minute).Add(time.Duration(-m) * time.Minute).Format("2006-01-02 15:04:05"))
}

// seededAnswers answer every default chart: six with rows, malformed
// records with none, the newest event's age with an error, and active
// users not before its deadline.
func seededAnswers() fakeRunner {
	return fakeRunner{
		"events_per_minute": rowsOf([]string{"minute", "event_name", "events"},
			[]types.Field{minute(0), str("JOIN"), long(12)},
			[]types.Field{minute(0), str("SEND_MESSAGE"), long(140)},
			[]types.Field{minute(1), str("JOIN"), long(9)},
			[]types.Field{minute(1), str("SEND_MESSAGE"), long(151)},
			[]types.Field{minute(2), str("SEND_MESSAGE"), long(133)},
		),
		"users_online": rowsOf([]string{"minute", "users"},
			[]types.Field{minute(0), long(41)},
			[]types.Field{minute(1), long(38)},
			[]types.Field{minute(4), long(35)},
		),
		"busiest_chats": rowsOf([]string{"chat_id", "messages", "senders", "last_message"},
			[]types.Field{long(7), long(1204), long(31), str("2026-11-27 10:00:04.123")},
			[]types.Field{long(12), long(98), long(4), str("2026-11-27 09:59:10")},
		),
		"ingestion_lag": rowsOf([]string{"minute", "events", "avg_arrival_s", "avg_ingest_s", "avg_load_s", "p50_load_s", "p95_load_s", "max_load_s"},
			[]types.Field{minute(0), long(152), str("0.071"), str("2.310"), str("31.512"), str("30.870"), str("57.402"), str("59.950")},
			[]types.Field{minute(1), long(160), str("0.064"), str("2.498"), str("30.498"), str("29.015"), str("56.880"), str("59.120")},
		),
		"messages_by_platform": rowsOf([]string{"platform", "country", "messages", "senders", "avg_length", "with_attachment"},
			[]types.Field{str("ios"), str("US"), long(320), long(12), str("48.2"), long(30)},
			[]types.Field{str("android"), str("BR"), long(210), long(9), str("51.0"), long(11)},
			[]types.Field{null, null, long(5), long(1), null, long(0)},
		),
		"malformed_records": rowsOf([]string{"reason", "records", "newest_arrival"}),
		"newest_event_age": failWith(&dataapi.StatementError{Name: "newest_event_age", ID: "st-7", Status: types.StatusStringFailed,
			Message: `ERROR: relation "chatstream.chat_events" does not exist`}),
		"active_users": hang,
	}
}

// newTestDashboard is a dashboard of the default charts over runner, on
// the fake clock, with a short query deadline.
func newTestDashboard(t *testing.T, runner fakeRunner) *Dashboard {
	t.Helper()
	d, err := New(Config{
		Source:       Source{Name: "test warehouse", Runner: runner, Render: fakeRender},
		Interval:     5 * time.Second,
		QueryTimeout: 50 * time.Millisecond,
		Now:          func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
