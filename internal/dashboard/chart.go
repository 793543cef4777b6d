package dashboard

import (
	"errors"
	"fmt"
	"regexp"
)

// Kind is how a chart draws its query's rows.
type Kind string

const (
	// Lines draws one line per series over a time axis: X names the time
	// column, each Y column is a line, and Series, when set, splits every
	// Y column into one line per value of that column.
	Lines Kind = "lines"
	// Bars draws one horizontal bar per row, in the query's order: Label
	// names the columns that say what a bar is, Y the one column it
	// measures.
	Bars Kind = "bars"
	// Stat shows the one Y column of the first row as a number, with the
	// Label columns of that row as its caption.
	Stat Kind = "stat"
)

// Chart is one panel of the dashboard: one query from sql/queries and how
// to draw it. The dashboard runs nothing else: all it shows comes from
// the query.
type Chart struct {
	// Query is the query's name, its file name in sql/queries without .sql.
	Query string
	// Title heads the panel.
	Title string
	// Kind is how the rows are drawn.
	Kind Kind
	// X is the time column of a Lines chart.
	X string
	// Y are the columns whose numbers are drawn.
	Y []string
	// Series, for Lines, is a column whose values split the rows into lines.
	Series string
	// Label, for Bars and Stat, are the columns that name a bar, or caption
	// a stat.
	Label []string
	// Unit follows the numbers, such as "s".
	Unit string
	// Empty says why the query may find nothing, for the panel to say when
	// it does.
	Empty string
}

// Charts returns the dashboard's panels, in page order. A query in
// sql/queries becomes a chart with one line here, which names the columns
// it draws; the tests run every chart's query on a seeded local warehouse
// and fail when a column is missing.
//
// The configuration lives here, in Go, rather than in the query files: the
// compiler and Check catch a typo, the queries stay plain SQL that make
// query prints as tables too, and what a panel looks like is reviewed with
// the code that draws it.
func Charts() []Chart {
	return []Chart{
		{Query: "events_per_minute", Title: "Events per minute, by type", Kind: Lines, X: "minute", Y: []string{"events"}, Series: "event_name", Empty: "no event in the last hour has been loaded"},
		{Query: "users_online", Title: "Users online", Kind: Lines, X: "minute", Y: []string{"users"}, Empty: "no event in the last hour has been loaded"},
		{Query: "busiest_chats", Title: "Busiest chats, last hour", Kind: Bars, Label: []string{"chat_id"}, Y: []string{"messages"}, Unit: "messages", Empty: "no message in the last hour has been loaded"},
		{Query: "ingestion_lag", Title: "Ingestion lag, event to queryable, p50 and p95", Kind: Lines, X: "minute", Y: []string{"p50_load_s", "p95_load_s"}, Unit: "s", Empty: "no event that arrived in the last 15 minutes has been loaded"},
		{Query: "messages_by_platform", Title: "Messages by platform and country, last hour", Kind: Bars, Label: []string{"platform", "country"}, Y: []string{"messages"}, Unit: "messages", Empty: "no message in the last hour has been loaded"},
		{Query: "malformed_records", Title: "Malformed records, last 24 hours", Kind: Bars, Label: []string{"reason"}, Y: []string{"records"}, Unit: "records", Empty: "no record was rejected in the last 24 hours, which is the healthy state"},
		{Query: "newest_event_age", Title: "Newest event's age", Kind: Stat, Y: []string{"age_s"}, Label: []string{"newest_event"}, Unit: "s", Empty: "no event in the last 24 hours has been loaded"},
		{Query: "active_users", Title: "Users active in the last 5 minutes", Kind: Stat, Y: []string{"active_users"}, Empty: "no user has an event in the last five minutes"},
	}
}

// queryName is what a query's name may be: the sql package's statement
// names.
var queryName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Check returns an error, naming the chart and the bad value, unless c can
// be drawn: a query name, a title, and the columns its kind needs.
func (c Chart) Check() error {
	if !queryName.MatchString(c.Query) {
		return fmt.Errorf("chart query %q: want a-z, 0-9 and _", c.Query)
	}
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("chart %s: "+format, append([]any{c.Query}, args...)...))
	}
	if c.Title == "" {
		bad("no Title")
	}
	if len(c.Y) == 0 {
		bad("no Y column")
	}
	switch c.Kind {
	case Lines:
		if c.X == "" {
			bad("a %s chart needs its time column in X", c.Kind)
		}
		if len(c.Label) > 0 {
			bad("a %s chart takes no Label, got %q", c.Kind, c.Label)
		}
	case Bars, Stat:
		if len(c.Y) > 1 {
			bad("a %s chart draws one Y column, got %q", c.Kind, c.Y)
		}
		if c.X != "" || c.Series != "" {
			bad("a %s chart takes no X or Series, got X %q, Series %q", c.Kind, c.X, c.Series)
		}
		if c.Kind == Bars && len(c.Label) == 0 {
			bad("a %s chart needs Label columns", c.Kind)
		}
	default:
		bad("kind %q: want %s, %s or %s", c.Kind, Lines, Bars, Stat)
	}
	return errors.Join(problems...)
}
