package dashboard

import (
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// document is the JSON of /api/panels: what each panel's latest run
// found, its rows included, for scripts and tests.
type document struct {
	Source              string          `json:"source"`
	Now                 time.Time       `json:"now"`
	RefreshedAt         *time.Time      `json:"refreshed_at"`
	IntervalSeconds     float64         `json:"interval_seconds"`
	QueryTimeoutSeconds float64         `json:"query_timeout_seconds"`
	Panels              []panelDocument `json:"panels"`
}

// panelDocument is one panel in a document. Rows hold the values as the
// Data API types them: numbers, strings (DECIMAL and timestamps too),
// booleans, null, and base64 for a blob.
type panelDocument struct {
	Query        string     `json:"query"`
	Title        string     `json:"title"`
	Kind         Kind       `json:"kind"`
	State        State      `json:"state"`
	Message      string     `json:"message"`
	Error        string     `json:"error,omitempty"`
	RunningSince *time.Time `json:"running_since,omitempty"`
	StartedAt    *time.Time `json:"started_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	DurationMS   *int64     `json:"duration_ms,omitempty"`
	Points       int        `json:"points"`
	Columns      []string   `json:"columns,omitempty"`
	Rows         [][]any    `json:"rows,omitempty"`
	Truncated    bool       `json:"truncated,omitempty"`
}

func (v view) document() document {
	doc := document{
		Source:              v.Source,
		Now:                 v.Now.UTC(),
		RefreshedAt:         optionalTime(v.RefreshedAt),
		IntervalSeconds:     v.Interval.Seconds(),
		QueryTimeoutSeconds: v.Timeout.Seconds(),
		Panels:              make([]panelDocument, 0, len(v.Panels)),
	}
	for _, p := range v.Panels {
		doc.Panels = append(doc.Panels, p.document(v.Timeout))
	}
	return doc
}

func (p panelView) document(timeout time.Duration) panelDocument {
	d := panelDocument{
		Query:        p.Chart.Query,
		Title:        p.Chart.Title,
		Kind:         p.Chart.Kind,
		State:        p.State,
		Message:      p.Message(timeout),
		Error:        p.Error(),
		RunningSince: optionalTime(p.RunningSince),
	}
	o := p.Last
	if o == nil {
		return d
	}
	ms := o.finished.Sub(o.started).Milliseconds()
	d.StartedAt, d.FinishedAt, d.DurationMS = optionalTime(o.started), optionalTime(o.finished), &ms
	d.Points = o.fig.points()
	if o.result != nil {
		d.Columns = o.result.Columns
		d.Truncated = o.result.Truncated
		d.Rows = make([][]any, 0, len(o.result.Rows))
		for _, row := range o.result.Rows {
			values := make([]any, 0, len(row.Fields()))
			for _, f := range row.Fields() {
				values = append(values, value(f))
			}
			d.Rows = append(d.Rows, values)
		}
	}
	return d
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// value is a field as a JSON value.
func value(f types.Field) any {
	switch f := f.(type) {
	case *types.FieldMemberLongValue:
		return f.Value
	case *types.FieldMemberDoubleValue:
		// JSON has no NaN or infinity: they go as text.
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			return strconv.FormatFloat(f.Value, 'g', -1, 64)
		}
		return f.Value
	case *types.FieldMemberStringValue:
		return f.Value
	case *types.FieldMemberBooleanValue:
		return f.Value
	case *types.FieldMemberBlobValue:
		return f.Value
	}
	return nil
}
