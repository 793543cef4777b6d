package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// The drawing's size in SVG units; the page scales it to the panel's width.
const (
	chartWidth  = 640
	linesHeight = 240
	padLeft     = 56
	padRight    = 16
	padTop      = 14
	padBottom   = 30

	barRow      = 24
	barHeight   = 16
	barLabels   = 170 // the width of the labels left of the bars
	barValues   = 90  // the room right of the longest bar for its value
	maxLabel    = 23  // characters of a label before it is cut: at 12 px, about 7 px each, they fit in barLabels-8
	clockHalf   = 20  // half the width of a time label ("15:04") at 12 px, with a little to spare
	paletteSize = 8   // series colours s0…s7 in style.css
)

// svgWriter builds an SVG document; every text it writes is escaped.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) printf(format string, args ...any) {
	fmt.Fprintf(&w.Builder, format, args...)
}

// esc escapes text for an SVG text node or attribute.
func esc(s string) string {
	return template.HTMLEscapeString(s)
}

// cut shortens a label to maxLabel characters.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	return string([]rune(s)[:maxLabel-1]) + "…"
}

// clock writes a time of day in UTC.
func clock(t time.Time) string {
	return t.UTC().Format("15:04")
}

// drawLines draws a Lines chart: a time axis, a value axis from zero, and
// one path with a marker per point for each series. A path breaks where
// points are further apart than one and a half times the series' usual
// step, so a gap in the data shows as a gap.
func drawLines(c Chart, fig figure) template.HTML {
	t0, t1 := fig.series[0].points[0].t, fig.series[0].points[0].t
	lo, hi := 0.0, 0.0
	for _, s := range fig.series {
		for _, p := range s.points {
			if p.t.Before(t0) {
				t0 = p.t
			}
			if p.t.After(t1) {
				t1 = p.t
			}
			lo, hi = math.Min(lo, p.v), math.Max(hi, p.v)
		}
	}
	if !t1.After(t0) {
		t0, t1 = t0.Add(-30*time.Second), t1.Add(30*time.Second)
	}
	ticks := niceTicks(lo, hi, 4)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	plotW := float64(chartWidth - padLeft - padRight)
	plotH := float64(linesHeight - padTop - padBottom)
	x := func(t time.Time) float64 {
		return padLeft + float64(t.Sub(t0))/float64(t1.Sub(t0))*plotW
	}
	y := func(v float64) float64 {
		return padTop + plotH - (v-lo)/(hi-lo)*plotH
	}

	var w svgWriter
	w.printf(`<svg class="chart lines" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartWidth, linesHeight, esc(c.Title))
	w.printf(`<g class="axis">`)
	for _, v := range ticks {
		w.printf(`<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padLeft, chartWidth-padRight, y(v), y(v))
		w.printf(`<text class="tick" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, padLeft-6, y(v), esc(compact(v)))
	}
	for _, t := range timeTicks(t0, t1, 6) {
		w.printf(`<line class="grid" x1="%.1f" x2="%.1f" y1="%d" y2="%d"/>`, x(t), x(t), linesHeight-padBottom, linesHeight-padBottom+4)
		// A label centred on a tick at the right end would run past the
		// chart's edge; that one ends at its tick instead.
		anchor := "middle"
		if x(t)+clockHalf > chartWidth {
			anchor = "end"
		}
		w.printf(`<text class="tick" x="%.1f" y="%d" text-anchor="%s">%s</text>`, x(t), linesHeight-padBottom+17, anchor, clock(t))
	}
	w.printf(`<text class="note" x="%d" y="%d" text-anchor="end">UTC</text>`, chartWidth-padRight, linesHeight-2)
	if c.Unit != "" {
		w.printf(`<text class="note" x="%d" y="%d" text-anchor="end">%s</text>`, padLeft-6, linesHeight-2, esc(c.Unit))
	}
	w.printf(`</g>`)
	for i, s := range fig.series {
		step := usualStep(s.points)
		w.printf(`<g class="series s%d" data-series="%s"><path class="line" d="`, i%paletteSize, esc(s.name))
		for j, p := range s.points {
			move := j == 0 || (step > 0 && p.t.Sub(s.points[j-1].t) > step*3/2)
			if move {
				w.printf("M%.1f %.1f", x(p.t), y(p.v))
			} else {
				w.printf("L%.1f %.1f", x(p.t), y(p.v))
			}
		}
		w.printf(`"/>`)
		for _, p := range s.points {
			w.printf(`<circle class="datum" cx="%.1f" cy="%.1f" r="2.5"><title>%s UTC · %s: %s</title></circle>`,
				x(p.t), y(p.v), p.t.UTC().Format("15:04:05"), esc(s.name), esc(withUnit(p.v, c.Unit)))
		}
		w.printf(`</g>`)
	}
	w.printf(`</svg>`)
	return template.HTML(w.String())
}

// usualStep is the smallest time between two of a series' points; zero
// when it has one point.
func usualStep(points []point) time.Duration {
	var step time.Duration
	for i := 1; i < len(points); i++ {
		if d := points[i].t.Sub(points[i-1].t); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	return step
}

// drawBars draws a Bars chart: one horizontal bar per row, its label on
// the left and its value at its end, on a scale from zero.
func drawBars(c Chart, fig figure) template.HTML {
	lo, hi := 0.0, 0.0
	for _, b := range fig.bars {
		lo, hi = math.Min(lo, b.v), math.Max(hi, b.v)
	}
	if hi == lo {
		hi = lo + 1
	}
	plotW := float64(chartWidth - barLabels - barValues)
	x := func(v float64) float64 {
		return barLabels + (v-lo)/(hi-lo)*plotW
	}
	height := padTop + len(fig.bars)*barRow
	var w svgWriter
	w.printf(`<svg class="chart bars" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartWidth, height, esc(c.Title))
	for i, b := range fig.bars {
		top := float64(padTop/2 + i*barRow)
		mid := top + barHeight/2
		x0, x1 := x(0), x(b.v)
		left, width := math.Min(x0, x1), math.Abs(x1-x0)
		w.printf(`<text class="label" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, barLabels-8, mid, esc(cut(b.label)))
		w.printf(`<rect class="datum s0" x="%.1f" y="%.1f" width="%.1f" height="%d"><title>%s: %s</title></rect>`,
			left, top, math.Max(width, 1), barHeight, esc(b.label), esc(withUnit(b.v, c.Unit)))
		w.printf(`<text class="value" x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`, math.Max(x0, x1)+6, mid, esc(exact(b.v)))
	}
	w.printf(`</svg>`)
	return template.HTML(w.String())
}
