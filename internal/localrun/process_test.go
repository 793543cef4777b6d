package localrun

import (
	"fmt"
	"strings"
	"testing"
)

func TestTailBufferLastLines(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		max, n int
		keep   func(string) bool
		want   string
	}{
		{name: "empty", max: 100, n: 3, want: "  (no output)"},
		{name: "last n lines", writes: []string{"a\nb\n", "c\nd\n"}, max: 100, n: 2, want: "  c\n  d"},
		{name: "writes split lines", writes: []string{"par", "tial\nnext"}, max: 100, n: 5, want: "  partial\n  next"},
		{name: "only the last max bytes", writes: []string{strings.Repeat("x", 50) + "\nkept\n"}, max: 8, n: 5, want: "  kept"},
		{
			name:   "filtered",
			writes: []string{"START RequestId: 1\n", "app: bad config\n", "27 Nov (rapid) INIT\n"},
			max:    200, n: 5, keep: functionOutput,
			want: "  app: bad config",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &tailBuffer{max: tt.max}
			for _, w := range tt.writes {
				fmt.Fprint(b, w)
			}
			if got := b.lastLines(tt.n, tt.keep); got != tt.want {
				t.Errorf("lastLines(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
