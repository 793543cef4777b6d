package dashboard

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
)

// maxBars is the most bars a Bars chart draws; the panel says how many rows
// it left out.
const maxBars = 12

// nullLabel stands for a NULL in a bar's label or a series' name.
const nullLabel = "(none)"

// figure is what a chart draws, read from its query's result.
type figure struct {
	// series are the lines of a Lines chart, sorted by name so that each
	// keeps its colour from one refresh to the next.
	series []series
	// bars are the bars of a Bars chart, in the query's order.
	bars []bar
	// rows is how many rows the result had.
	rows int
	// stat is the number of a Stat chart, nil when it is NULL.
	stat *stat
}

// points counts what f draws: the series' points, the bars or the stat.
func (f figure) points() int {
	n := len(f.bars)
	for _, s := range f.series {
		n += len(s.points)
	}
	if f.stat != nil {
		n++
	}
	return n
}

type series struct {
	name   string
	points []point // in time order
}

type point struct {
	t time.Time
	v float64
}

type bar struct {
	label string
	v     float64
}

type stat struct {
	v       float64
	caption string
}

// read turns a result into what c draws. It fails, naming the column and
// the value, when a column c names is missing or holds what c cannot draw,
// such as text where a number belongs.
func read(c Chart, res *dataapi.Result) (figure, error) {
	index := make(map[string]int, len(res.Columns))
	for i, name := range res.Columns {
		index[name] = i
	}
	named := append(append(append([]string{}, c.Y...), c.Label...), c.X)
	if c.Series != "" {
		named = append(named, c.Series)
	}
	for _, col := range named {
		if _, ok := index[col]; col != "" && !ok {
			return figure{}, fmt.Errorf("the chart draws column %q, which the result does not have; it has %s", col, strings.Join(res.Columns, ", "))
		}
	}
	fig := figure{rows: len(res.Rows)}
	var err error
	switch c.Kind {
	case Lines:
		fig.series, err = readSeries(c, res, index)
	case Bars:
		fig.bars, err = readBars(c, res, index)
	case Stat:
		fig.stat, err = readStat(c, res, index)
	default:
		err = fmt.Errorf("kind %q: want %s, %s or %s", c.Kind, Lines, Bars, Stat)
	}
	return fig, err
}

func readSeries(c Chart, res *dataapi.Result, index map[string]int) ([]series, error) {
	byName := map[string]*series{}
	for r, row := range res.Rows {
		fields := row.Fields()
		t, null, err := timestamp(fields[index[c.X]])
		if err != nil {
			return nil, fmt.Errorf("row %d, column %s: %w", r+1, c.X, err)
		}
		if null {
			continue
		}
		prefix := ""
		if c.Series != "" {
			prefix = text(fields[index[c.Series]])
		}
		for _, y := range c.Y {
			v, null, err := number(fields[index[y]])
			if err != nil {
				return nil, fmt.Errorf("row %d, column %s: %w", r+1, y, err)
			}
			if null {
				continue
			}
			name := y
			switch {
			case c.Series != "" && len(c.Y) > 1:
				name = prefix + " " + y
			case c.Series != "":
				name = prefix
			}
			s := byName[name]
			if s == nil {
				s = &series{name: name}
				byName[name] = s
			}
			s.points = append(s.points, point{t: t, v: v})
		}
	}
	out := make([]series, 0, len(byName))
	for _, s := range byName {
		slices.SortStableFunc(s.points, func(a, b point) int { return a.t.Compare(b.t) })
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b series) int { return cmp.Compare(a.name, b.name) })
	return out, nil
}

func readBars(c Chart, res *dataapi.Result, index map[string]int) ([]bar, error) {
	var bars []bar
	for r, row := range res.Rows {
		if len(bars) == maxBars {
			break
		}
		fields := row.Fields()
		v, null, err := number(fields[index[c.Y[0]]])
		if err != nil {
			return nil, fmt.Errorf("row %d, column %s: %w", r+1, c.Y[0], err)
		}
		if null {
			continue
		}
		bars = append(bars, bar{label: label(c.Label, fields, index), v: v})
	}
	return bars, nil
}

func readStat(c Chart, res *dataapi.Result, index map[string]int) (*stat, error) {
	if len(res.Rows) == 0 {
		return nil, nil
	}
	fields := res.Rows[0].Fields()
	v, null, err := number(fields[index[c.Y[0]]])
	if err != nil {
		return nil, fmt.Errorf("row 1, column %s: %w", c.Y[0], err)
	}
	if null {
		return nil, nil
	}
	caption := ""
	if len(c.Label) > 0 {
		caption = label(c.Label, fields, index)
	}
	return &stat{v: v, caption: caption}, nil
}

// label joins the text of columns, NULL written as nullLabel.
func label(columns []string, fields []types.Field, index map[string]int) string {
	parts := make([]string, len(columns))
	for i, col := range columns {
		parts[i] = text(fields[index[col]])
	}
	return strings.Join(parts, " · ")
}

// number reads a field as the Data API sends numbers: integers as longs,
// REAL and DOUBLE PRECISION as doubles, DECIMAL as a string.
func number(f types.Field) (v float64, null bool, err error) {
	switch f := f.(type) {
	case *types.FieldMemberIsNull:
		return 0, true, nil
	case *types.FieldMemberLongValue:
		return float64(f.Value), false, nil
	case *types.FieldMemberDoubleValue:
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			return 0, false, fmt.Errorf("%v is not a finite number", f.Value)
		}
		return f.Value, false, nil
	case *types.FieldMemberStringValue:
		v, err := strconv.ParseFloat(f.Value, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false, fmt.Errorf("%q is not a number", f.Value)
		}
		return v, false, nil
	}
	return 0, false, fmt.Errorf("%s is not a number", kindOf(f))
}

// timestampLayouts are how the Data API and PostgreSQL write TIMESTAMP
// (UTC by the tables' convention) and TIMESTAMPTZ values as text. A
// fraction of a second after the seconds is read without being in the
// layout.
var timestampLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04:05Z07", "2006-01-02 15:04:05Z07:00", time.RFC3339Nano}

func timestamp(f types.Field) (t time.Time, null bool, err error) {
	switch f := f.(type) {
	case *types.FieldMemberIsNull:
		return time.Time{}, true, nil
	case *types.FieldMemberStringValue:
		for _, layout := range timestampLayouts {
			if t, err := time.Parse(layout, f.Value); err == nil {
				return t.UTC(), false, nil
			}
		}
		return time.Time{}, false, fmt.Errorf("%q is not a timestamp such as 2026-11-27 10:00:00", f.Value)
	}
	return time.Time{}, false, fmt.Errorf("%s is not a timestamp", kindOf(f))
}

// text is a field as a person reads it; NULL is nullLabel.
func text(f types.Field) string {
	switch f := f.(type) {
	case *types.FieldMemberIsNull:
		return nullLabel
	case *types.FieldMemberStringValue:
		return f.Value
	case *types.FieldMemberLongValue:
		return strconv.FormatInt(f.Value, 10)
	case *types.FieldMemberDoubleValue:
		return strconv.FormatFloat(f.Value, 'g', -1, 64)
	case *types.FieldMemberBooleanValue:
		return strconv.FormatBool(f.Value)
	}
	return kindOf(f)
}

// kindOf names a field's type as the Data API does.
func kindOf(f types.Field) string {
	switch f.(type) {
	case *types.FieldMemberBlobValue:
		return "a blob"
	case *types.FieldMemberBooleanValue:
		return "a boolean"
	case *types.FieldMemberStringValue:
		return "a string"
	case *types.FieldMemberLongValue:
		return "a long"
	case *types.FieldMemberDoubleValue:
		return "a double"
	}
	return fmt.Sprintf("a %T", f)
}
