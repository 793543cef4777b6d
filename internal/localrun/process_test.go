package localrun

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
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

func TestProcessExitError(t *testing.T) {
	tests := []struct {
		name      string
		script    string
		wantTaken bool
		wantOut   string
	}{
		{name: "node port clash", script: `echo "Error: listen EADDRINUSE: address already in use 127.0.0.1:4568"; exit 1`, wantTaken: true, wantOut: "EADDRINUSE"},
		{name: "Go port clash", script: `echo "listen tcp 127.0.0.1:8080: bind: address already in use" >&2; exit 2`, wantTaken: true, wantOut: "bind: address already in use"},
		{name: "other failure", script: `echo "Cannot find module main.js"; exit 1`, wantOut: "Cannot find module main.js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := startProcess("server", exec.Command("/bin/sh", "-c", tt.script), filepath.Join(t.TempDir(), "log"))
			if err != nil {
				t.Fatal(err)
			}
			err = p.exitError()
			if got := errors.Is(err, errPortTaken); got != tt.wantTaken {
				t.Errorf("errors.Is(%v, errPortTaken) = %v, want %v", err, got, tt.wantTaken)
			}
			if !strings.Contains(err.Error(), "server exited (exit status") || !strings.Contains(err.Error(), tt.wantOut) {
				t.Errorf("exitError = %q, want the exit status and %q", err, tt.wantOut)
			}
		})
	}
}
