package localrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a server gets to exit after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// process is a server started in its own process group, so that a Ctrl-C in
// the terminal reaches only us and we decide how and when it stops. Its output
// goes to a log file; the last lines are kept for error messages.
type process struct {
	name string
	cmd  *exec.Cmd
	tail *tailBuffer
	log  *os.File
	done chan struct{} // closed once the process has exited
	err  error         // the result of Wait, set before done is closed
}

// startProcess starts cmd with its output appended to logPath.
func startProcess(name string, cmd *exec.Cmd, logPath string) (*process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, tail: &tailBuffer{max: 4096}, log: log, done: make(chan struct{})}
	out := io.MultiWriter(log, p.tail)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	// A grandchild that keeps the output pipe open must not make Wait hang.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// pid returns the process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exitError describes how the process ended, with its last output lines.
// It wraps errPortTaken when the process says a port was taken.
func (p *process) exitError() error {
	<-p.done
	out := p.tail.lastLines(15, nil)
	if strings.Contains(out, "EADDRINUSE") || strings.Contains(out, "address already in use") {
		return fmt.Errorf("%s exited (%v): %w; last output:\n%s", p.name, p.err, errPortTaken, out)
	}
	return fmt.Errorf("%s exited (%v); last output:\n%s", p.name, p.err, out)
}

// stop ends the whole process group: SIGTERM, then SIGKILL after stopGrace.
// It is safe to call more than once and after the process has exited.
func (p *process) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := syscall.Kill(-p.pid(), syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	timer := time.NewTimer(stopGrace)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	}
	if err := syscall.Kill(-p.pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
		return fmt.Errorf("%s (pid %d) still running %s after SIGKILL", p.name, p.pid(), stopGrace)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped bool  // bytes were dropped, so the first line may be partial
	written int64 // bytes ever written
	// grew is closed, and replaced, at every write; nil until the first
	// waiter needs it.
	grew chan struct{}
}

// Write implements io.Writer.
func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.dropped = true
	}
	t.written += int64(len(b))
	if t.grew != nil {
		close(t.grew)
		t.grew = nil
	}
	return len(b), nil
}

// mark returns a position in the output: what is written after it is what
// since reads.
func (t *tailBuffer) mark() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.written
}

// awaitSince waits until what was written after the position from mark,
// as far as the buffer still holds it, contains text, and reports whether
// it does: false when timeout passes first.
func (t *tailBuffer) awaitSince(from int64, text string, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		since := min(t.written-from, int64(len(t.buf)))
		if bytes.Contains(t.buf[int64(len(t.buf))-since:], []byte(text)) {
			t.mu.Unlock()
			return true
		}
		if t.grew == nil {
			t.grew = make(chan struct{})
		}
		grew := t.grew
		t.mu.Unlock()
		select {
		case <-grew:
		case <-deadline.C:
			return false
		}
	}
}

// lastLines returns up to n trailing lines for which keep is true (all
// lines when keep is nil), indented for messages.
func (t *tailBuffer) lastLines(n int, keep func(string) bool) string {
	t.mu.Lock()
	text := string(bytes.TrimRight(t.buf, "\n"))
	if t.dropped {
		_, text, _ = strings.Cut(text, "\n")
	}
	t.mu.Unlock()
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l != "" && (keep == nil || keep(l)) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "  (no output)"
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
