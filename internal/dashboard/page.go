package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
)

// assets are the page's template, style sheet and script, built into the
// binary: the page loads nothing from anywhere else.
//
//go:embed assets
var assets embed.FS

// pageData is what the templates in assets/page.html.tmpl read.
type pageData struct {
	View view
	// Report makes the page a self-contained snapshot: the style sheet
	// inline, no script.
	Report bool
	// CSS is the style sheet, for the report.
	CSS template.CSS
	// IntervalMS is how often the live page asks for news.
	IntervalMS int64
}

// pages holds the parsed templates and the style sheet.
type pages struct {
	tmpl *template.Template
	css  template.CSS
}

func parsePages() (*pages, error) {
	tmpl, err := template.New("page.html.tmpl").Funcs(template.FuncMap{"stamp": stamp, "span": span}).ParseFS(assets, "assets/page.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse the page template: %w", err)
	}
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		return nil, fmt.Errorf("read the style sheet: %w", err)
	}
	// The style sheet is ours, built into the binary: trusted CSS.
	return &pages{tmpl: tmpl, css: template.CSS(css)}, nil
}

// write executes the template called name into w, whole or not at all: an
// error halfway leaves w untouched.
func (p *pages) write(w io.Writer, name string, v view, report bool) error {
	var buf bytes.Buffer
	data := pageData{View: v, Report: report, IntervalMS: v.Interval.Milliseconds()}
	if report {
		data.CSS = p.css
	}
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}
