package localrun

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestTailBufferAwaitSince: the emulator answers a function's exit before
// the function's last words reach the log, so Invoke waits for the report
// that follows them. It used to read the log at once, and sometimes found
// the words missing.
func TestTailBufferAwaitSince(t *testing.T) {
	b := &tailBuffer{max: 200}
	fmt.Fprint(b, "(rapid) Invoke DONE failed: an earlier invocation's\n")
	from := b.mark()

	// GIVEN an emulator that writes the function's words and its report a
	// moment after the wait starts
	written := make(chan struct{})
	go func() {
		defer close(written)
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(b, "invalid configuration: STREAM_NAME is required\n")
		fmt.Fprint(b, "(rapid) Invoke DONE failed: Runtime.ExitError\n")
	}()

	// WHEN Invoke waits for the report: the earlier one does not count
	if !b.awaitSince(from, invokeFailedLine, 10*time.Second) {
		t.Fatal("awaitSince did not see the report written after the mark")
	}

	// THEN the last words are there
	if got := b.lastLines(5, functionOutput); !strings.Contains(got, "STREAM_NAME is required") {
		t.Errorf("lastLines = %q, want the function's last words", got)
	}
	<-written

	// AND a report that never comes ends the wait at its deadline
	if b.awaitSince(b.mark(), invokeFailedLine, 10*time.Millisecond) {
		t.Error("awaitSince found a report nobody wrote")
	}
	// AND a report after more output than the buffer holds is found
	from = b.mark()
	fmt.Fprint(b, strings.Repeat("x", 300)+invokeFailedLine)
	if !b.awaitSince(from, invokeFailedLine, time.Minute) {
		t.Error("awaitSince missed the report at the end of a long output")
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
