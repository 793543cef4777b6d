package table

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/chatstream/chatstream/internal/dataapi"
)

// Write prints res as aligned columns under a dashed rule: numbers to the
// right, everything else to the left, then the row count. A statement
// without a result set prints "(no result set)".
func Write(w io.Writer, res *dataapi.Result) error {
	return write(w, of(res))
}

// write prints r as Write does.
func write(w io.Writer, r result) error {
	if len(r.columns) == 0 {
		_, err := fmt.Fprintln(w, "(no result set)")
		return err
	}
	widths := make([]int, len(r.columns))
	for i, c := range r.columns {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, row := range r.rows {
		for i, v := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, v := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v))
			switch {
			case r.numeric[i]:
				b.WriteString(pad + v)
			case i == len(cells)-1:
				b.WriteString(v) // no trailing blanks
			default:
				b.WriteString(v + pad)
			}
		}
		b.WriteString("\n")
	}
	line(r.columns)
	rules := make([]string, len(widths))
	for i, n := range widths {
		rules[i] = strings.Repeat("-", n)
	}
	line(rules)
	for _, row := range r.rows {
		line(row)
	}
	switch {
	case r.truncated:
		fmt.Fprintf(&b, "(first %d rows)\n", len(r.rows))
	case len(r.rows) == 1:
		b.WriteString("(1 row)\n")
	default:
		fmt.Fprintf(&b, "(%d rows)\n", len(r.rows))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
