package dashboard

import (
	"context"
	"fmt"
	"io"
)

// Report runs every chart's query once, each under its deadline, and
// writes the page as one self-contained HTML file: the charts as inline
// SVG, the style sheet inline, no script, and a content security policy
// that lets it load nothing, so it opens anywhere, offline, as it was.
// Panels whose query failed, timed out or found nothing say so, as on the
// page. It fails only when ctx ends or the file cannot be written.
func (d *Dashboard) Report(ctx context.Context, w io.Writer) error {
	p, err := parsePages()
	if err != nil {
		return err
	}
	if err := d.Refresh(ctx); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return p.write(w, "page", d.snapshot(), true)
}
