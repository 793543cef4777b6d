package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/google/go-cmp/cmp"
)

func result(t *testing.T, columns []string, rows ...[]types.Field) *dataapi.Result {
	t.Helper()
	res, err := rowsOf(columns, rows...)(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func at(hhmm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-11-27 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReadLines(t *testing.T) {
	tests := []struct {
		name  string
		chart Chart
		res   []([]types.Field)
		cols  []string
		want  []series
	}{
		{
			name:  "one line per Y column, in time order, NULLs left out",
			chart: Chart{Kind: Lines, X: "minute", Y: []string{"p95_s", "p50_s"}},
			cols:  []string{"minute", "p50_s", "p95_s"},
			res: [][]types.Field{
				{str("2026-11-27 10:01:00"), str("0.5"), double(1.5)},
				{str("2026-11-27 10:00:00"), null, long(2)},
				{null, long(1), long(1)},
			},
			want: []series{
				{name: "p50_s", points: []point{{at("10:01"), 0.5}}},
				{name: "p95_s", points: []point{{at("10:00"), 2}, {at("10:01"), 1.5}}},
			},
		},
		{
			name:  "one line per series value, NULL named",
			chart: Chart{Kind: Lines, X: "minute", Y: []string{"events"}, Series: "event_name"},
			cols:  []string{"minute", "event_name", "events"},
			res: [][]types.Field{
				{str("2026-11-27 10:00:00.000+00"), str("JOIN"), long(3)},
				{str("2026-11-27T10:00:00Z"), null, long(1)},
			},
			want: []series{
				{name: "(none)", points: []point{{at("10:00"), 1}}},
				{name: "JOIN", points: []point{{at("10:00"), 3}}},
			},
		},
		{
			name:  "series value and column name when both split",
			chart: Chart{Kind: Lines, X: "minute", Y: []string{"p50_s", "p95_s"}, Series: "platform"},
			cols:  []string{"minute", "platform", "p50_s", "p95_s"},
			res:   [][]types.Field{{str("2026-11-27 10:00:00"), str("ios"), long(1), long(2)}},
			want: []series{
				{name: "ios p50_s", points: []point{{at("10:00"), 1}}},
				{name: "ios p95_s", points: []point{{at("10:00"), 2}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fig, err := read(tt.chart, result(t, tt.cols, tt.res...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, fig.series, cmp.AllowUnexported(series{}, point{})); diff != "" {
				t.Errorf("series (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadBarsKeepsTheQuerysOrderAndCutsAtMaxBars(t *testing.T) {
	var rows [][]types.Field
	for i := range maxBars + 3 {
		rows = append(rows, []types.Field{long(int64(100 - i)), str("ios"), long(int64(i))})
	}
	rows[1][1] = null
	fig, err := read(Chart{Kind: Bars, Label: []string{"platform", "chat_id"}, Y: []string{"messages"}}, result(t, []string{"messages", "platform", "chat_id"}, rows...))
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.bars) != maxBars || fig.rows != maxBars+3 || fig.points() != maxBars {
		t.Fatalf("bars, rows, points = %d, %d, %d; want %d, %d, %d", len(fig.bars), fig.rows, fig.points(), maxBars, maxBars+3, maxBars)
	}
	want := []bar{{label: "ios · 0", v: 100}, {label: "(none) · 1", v: 99}}
	if diff := cmp.Diff(want, fig.bars[:2], cmp.AllowUnexported(bar{})); diff != "" {
		t.Errorf("first bars (-want +got):\n%s", diff)
	}
}

func TestReadStat(t *testing.T) {
	chart := Chart{Kind: Stat, Y: []string{"age_s"}, Label: []string{"newest_event"}}
	fig, err := read(chart, result(t, []string{"newest_event", "age_s"}, []types.Field{str("2026-11-27 10:00:01"), str("4.2")}))
	if err != nil {
		t.Fatal(err)
	}
	if fig.stat == nil || *fig.stat != (stat{v: 4.2, caption: "2026-11-27 10:00:01"}) || fig.points() != 1 {
		t.Errorf("stat = %+v, points %d; want 4.2 captioned with the time, 1 point", fig.stat, fig.points())
	}
	for name, res := range map[string]*dataapi.Result{
		"no rows": result(t, []string{"newest_event", "age_s"}),
		"NULL":    result(t, []string{"newest_event", "age_s"}, []types.Field{null, null}),
	} {
		fig, err := read(chart, res)
		if err != nil || fig.stat != nil || fig.points() != 0 {
			t.Errorf("%s: stat = %+v, points %d, %v; want nothing to draw", name, fig.stat, fig.points(), err)
		}
	}
}

func TestReadRefuses(t *testing.T) {
	lines := Chart{Kind: Lines, X: "minute", Y: []string{"events"}}
	tests := []struct {
		name    string
		chart   Chart
		cols    []string
		row     []types.Field
		wantErr string
	}{
		{name: "missing column", chart: lines, cols: []string{"minute", "n"}, row: []types.Field{null, null}, wantErr: `the chart draws column "events", which the result does not have; it has minute, n`},
		{name: "text for a number", chart: lines, cols: []string{"minute", "events"}, row: []types.Field{str("2026-11-27 10:00:00"), str("many")}, wantErr: `row 1, column events: "many" is not a number`},
		{name: "boolean for a number", chart: lines, cols: []string{"minute", "events"}, row: []types.Field{str("2026-11-27 10:00:00"), &types.FieldMemberBooleanValue{Value: true}}, wantErr: "row 1, column events: a boolean is not a number"},
		{name: "not a time", chart: lines, cols: []string{"minute", "events"}, row: []types.Field{str("10 o'clock"), long(1)}, wantErr: `row 1, column minute: "10 o'clock" is not a timestamp such as 2026-11-27 10:00:00`},
		{name: "number for a time", chart: lines, cols: []string{"minute", "events"}, row: []types.Field{long(1), long(1)}, wantErr: "row 1, column minute: a long is not a timestamp"},
		{name: "NaN text", chart: Chart{Kind: Stat, Y: []string{"n"}}, cols: []string{"n"}, row: []types.Field{str("NaN")}, wantErr: `row 1, column n: "NaN" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(tt.chart, result(t, tt.cols, tt.row))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("read = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
