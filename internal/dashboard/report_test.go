package dashboard

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
)

// linkPattern finds every attribute through which HTML loads something.
var linkPattern = regexp.MustCompile(`(?i)\b(src|href|action|srcset|poster|data)\s*=\s*["']?([^"' >]*)`)

func TestReportIsOneSelfContainedFile(t *testing.T) {
	// GIVEN a dashboard whose queries each end a different way
	d := newTestDashboard(t, seededAnswers())

	// WHEN it writes a report
	var out bytes.Buffer
	if err := d.Report(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	report := out.String()

	// THEN the report holds every panel, in its state, and loads nothing:
	// no script, no link but data: URLs, no URL at all, the style sheet
	// inline and a policy that forbids any load
	golden.Check(t, "testdata/report.golden.html", report)
	if strings.Contains(strings.ToLower(report), "<script") {
		t.Error("the report has a script")
	}
	for _, m := range linkPattern.FindAllStringSubmatch(report, -1) {
		if !strings.HasPrefix(m[2], "data:") {
			t.Errorf("the report loads %s=%q", m[1], m[2])
		}
	}
	for _, forbidden := range []string{"http://", "https://", "url(", "@import"} {
		if strings.Contains(report, forbidden) {
			t.Errorf("the report contains %q", forbidden)
		}
	}
	for _, want := range []string{
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
		"<style>:root {",
		`data-state="ok"`, `data-state="empty"`, `data-state="failed"`, `data-state="timed_out"`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report has no %q", want)
		}
	}
}

func TestLinesBreakAtGaps(t *testing.T) {
	fig := figure{series: []series{{name: "users", points: []point{
		{at("10:00"), 1}, {at("10:01"), 2}, {at("10:05"), 3}, {at("10:06"), 4},
	}}}}
	svg := string(drawLines(Chart{Title: "Users", Kind: Lines, X: "minute", Y: []string{"users"}}, fig))
	path := regexp.MustCompile(`<path class="line" d="([^"]*)"`).FindStringSubmatch(svg)
	if path == nil || strings.Count(path[1], "M") != 2 || strings.Count(path[1], "L") != 2 {
		t.Errorf("path %q; want two pieces, 10:00-10:01 and 10:05-10:06", path)
	}
	if n := strings.Count(svg, `class="datum"`); n != 4 {
		t.Errorf("%d points drawn, want 4", n)
	}
}

func TestTimeLabelsStayInsideTheChart(t *testing.T) {
	// GIVEN a series that ends on a whole ten minutes, so the last tick is at the right end
	fig := figure{series: []series{{name: "users", points: []point{{at("09:20"), 1}, {at("10:00"), 2}}}}}
	// WHEN it is drawn
	svg := string(drawLines(Chart{Title: "Users", Kind: Lines, X: "minute", Y: []string{"users"}}, fig))
	// THEN every time label, at about 7 px a character, lies inside the chart's width
	ticks := regexp.MustCompile(`<text class="tick" x="([0-9.]+)" y="[0-9.]+" text-anchor="(middle|end)">([0-9:]+)</text>`).FindAllStringSubmatch(svg, -1)
	if len(ticks) < 2 || ticks[len(ticks)-1][3] != "10:00" {
		t.Fatalf("time labels %q; want several, the last 10:00", ticks)
	}
	for _, m := range ticks {
		x, _ := strconv.ParseFloat(m[1], 64)
		width := 7.0 * float64(len(m[3]))
		left, right := x-width/2, x+width/2
		if m[2] == "end" {
			left, right = x-width, x
		}
		if left < 0 || right > chartWidth {
			t.Errorf("label %s at x=%s anchored %s spans %.0f to %.0f, outside 0 to %d", m[3], m[1], m[2], left, right, chartWidth)
		}
	}
}

func TestDrawingEscapesText(t *testing.T) {
	fig := figure{bars: []bar{{label: `<script>alert("x")</script>`, v: 1}}}
	svg := string(drawBars(Chart{Title: "a < b", Kind: Bars, Label: []string{"l"}, Y: []string{"n"}}, fig))
	if strings.Contains(svg, "<script") || !strings.Contains(svg, "&lt;script&gt;") || !strings.Contains(svg, `aria-label="a &lt; b"`) {
		t.Errorf("text not escaped:\n%s", svg)
	}
}
