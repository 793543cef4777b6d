package dashboard

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/chatstream/chatstream/internal/dataapi"
)

// view is the dashboard at one moment, as the page, the report and the
// data endpoints show it.
type view struct {
	Source   string
	Now      time.Time
	Interval time.Duration
	Timeout  time.Duration
	// RefreshedAt is when the newest run ended; zero before any did.
	RefreshedAt time.Time
	Panels      []panelView
}

// panelView is one panel at one moment.
type panelView struct {
	Chart Chart
	State State
	// RunningSince is when the run in progress started; zero when none is.
	RunningSince time.Time
	// Last is the latest outcome; nil while the panel is pending.
	Last *outcome
}

// snapshot copies what the panels hold now. Outcomes are never modified,
// so the view shares them.
func (d *Dashboard) snapshot() view {
	v := view{Source: d.cfg.Source.Name, Now: d.cfg.Now(), Interval: d.cfg.Interval, Timeout: d.cfg.QueryTimeout}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.panels {
		pv := panelView{Chart: p.chart, State: Pending, Last: p.last}
		if p.running != nil {
			pv.RunningSince = p.running.started
		}
		if p.last != nil {
			pv.State = p.last.state
			if p.last.finished.After(v.RefreshedAt) {
				v.RefreshedAt = p.last.finished
			}
		}
		v.Panels = append(v.Panels, pv)
	}
	return v
}

// Pending says that some panel has not shown anything yet, so the page
// asks again sooner.
func (v view) Pending() bool {
	for _, p := range v.Panels {
		if p.State == Pending {
			return true
		}
	}
	return false
}

// stamp writes a time of day in UTC, to the second.
func stamp(t time.Time) string {
	return t.UTC().Format("15:04:05") + " UTC"
}

// span writes a setting's duration as people do: 5 s, 1 min, 1.5s.
func span(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// took writes a duration rounded for people: 23 ms, 1.4 s.
func took(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// Message says in a sentence what the panel shows and when it was found,
// or why it shows nothing.
func (p panelView) Message(timeout time.Duration) string {
	q := "sql/queries/" + p.Chart.Query + ".sql"
	var msg string
	switch o := p.Last; p.State {
	case Pending:
		return fmt.Sprintf("Waiting for the first run of %s, started at %s.", q, stamp(p.RunningSince))
	case OK:
		msg = fmt.Sprintf("%s, queried at %s in %s.", rows(o.fig.rows), stamp(o.started), took(o.finished.Sub(o.started)))
		if n := len(o.fig.bars); p.Chart.Kind == Bars && n < o.fig.rows {
			msg += fmt.Sprintf(" The first %d bars are shown.", n)
		}
		if o.result.Truncated {
			msg += fmt.Sprintf(" The result was cut at %d rows.", dataapi.MaxRows)
		}
	case Empty:
		found := "no rows"
		if o.fig.rows > 0 {
			found = fmt.Sprintf("%s, none with a value in %s", rows(o.fig.rows), strings.Join(p.Chart.Y, " or "))
		}
		msg = fmt.Sprintf("Nothing to draw: %s returned %s at %s.", q, found, stamp(o.finished))
		if p.Chart.Empty != "" {
			msg += " That is what it returns when " + p.Chart.Empty + "."
		}
	case Failed:
		msg = fmt.Sprintf("%s failed at %s, after %s:", q, stamp(o.finished), took(o.finished.Sub(o.started)))
	case TimedOut:
		msg = fmt.Sprintf("%s did not finish within %s, the per-query deadline, and was cancelled at %s; the other panels do not wait for it:", q, span(timeout), stamp(o.finished))
	}
	if !p.RunningSince.IsZero() {
		msg += fmt.Sprintf(" Running again since %s.", stamp(p.RunningSince))
	}
	return msg
}

// Error is the error a failed or timed-out panel shows, in full.
func (p panelView) Error() string {
	if p.Last == nil || p.Last.err == nil {
		return ""
	}
	return p.Last.err.Error()
}

func rows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// Drawing is the panel's chart as HTML: SVG for lines and bars, a number
// for a stat. Only an OK panel has one.
func (p panelView) Drawing() template.HTML {
	if p.State != OK {
		return ""
	}
	switch p.Chart.Kind {
	case Lines:
		return drawLines(p.Chart, p.Last.fig)
	case Bars:
		return drawBars(p.Chart, p.Last.fig)
	case Stat:
		s := p.Last.fig.stat
		var b strings.Builder
		fmt.Fprintf(&b, `<p class="stat"><span class="datum stat-value">%s</span></p>`, esc(withUnit(s.v, p.Chart.Unit)))
		if s.caption != "" {
			fmt.Fprintf(&b, `<p class="caption">%s: %s</p>`, esc(strings.Join(p.Chart.Label, " · ")), esc(s.caption))
		}
		return template.HTML(b.String())
	}
	return ""
}

// Legend names the lines of a Lines chart with their colours.
func (p panelView) Legend() []legendEntry {
	if p.State != OK || p.Chart.Kind != Lines {
		return nil
	}
	var out []legendEntry
	for i, s := range p.Last.fig.series {
		out = append(out, legendEntry{Name: s.name, Class: fmt.Sprintf("s%d", i%paletteSize)})
	}
	return out
}

type legendEntry struct{ Name, Class string }

// Summary counts the panels by state and names those that show no chart,
// such as "8 panels: 6 ok, 1 empty (malformed_records), 1 failed
// (newest_event_age)".
func (d *Dashboard) Summary() string {
	v := d.snapshot()
	order := []State{OK, Empty, Failed, TimedOut, Pending}
	byState := map[State][]string{}
	for _, p := range v.Panels {
		byState[p.State] = append(byState[p.State], p.Chart.Query)
	}
	var parts []string
	for _, s := range order {
		names := byState[s]
		switch {
		case len(names) == 0:
		case s == OK:
			parts = append(parts, fmt.Sprintf("%d %s", len(names), s))
		default:
			parts = append(parts, fmt.Sprintf("%d %s (%s)", len(names), strings.ReplaceAll(string(s), "_", " "), strings.Join(names, ", ")))
		}
	}
	return fmt.Sprintf("%d panels: %s", len(v.Panels), strings.Join(parts, ", "))
}
