package pgserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// How long each way of stopping the server gets before the next, harder one.
const (
	// fastShutdownGrace is for SIGINT, PostgreSQL's fast shutdown: it ends
	// the sessions, writes a checkpoint and exits.
	fastShutdownGrace = 10 * time.Second
	// immediateShutdownGrace is for SIGQUIT, its immediate shutdown: no
	// checkpoint, so the next start replays the write-ahead log, losing
	// nothing committed.
	immediateShutdownGrace = 5 * time.Second
)

// postmaster is a running postgres server process, the parent of every
// process the server starts, all in its process group.
type postmaster struct {
	cmd  *exec.Cmd
	log  string        // its output
	done chan struct{} // closed once it has exited
	err  error         // the result of Wait, set before done is closed
}

// startPostmaster starts cmd with its output in logPath.
func startPostmaster(cmd *exec.Cmd, logPath string) (*postmaster, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open postgres log: %w", err)
	}
	defer log.Close() // the child has its own copy
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, startError("postgres", cmd.SysProcAttr, err)
	}
	p := &postmaster{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid returns the postmaster's process id, also its process group's.
func (p *postmaster) pid() int { return p.cmd.Process.Pid }

// exitError describes how the server ended, with the end of its log.
func (p *postmaster) exitError() error {
	<-p.done
	return fmt.Errorf("postgres exited (%v); end of %s:\n%s", p.err, p.log, logTail(p.log, 15))
}

// stop shuts the server down: fast shutdown, then immediate shutdown, then
// SIGKILL to its whole process group. It is safe to call more than once and
// after the server has exited.
func (p *postmaster) stop() error {
	for _, step := range []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGINT, fastShutdownGrace}, {syscall.SIGQUIT, immediateShutdownGrace}} {
		select {
		case <-p.done:
			return nil
		default:
		}
		// The postmaster alone: it stops its children in order.
		if err := p.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("stop postgres (pid %d): %w", p.pid(), err)
		}
		timer := time.NewTimer(step.grace)
		select {
		case <-p.done:
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
	if err := syscall.Kill(-p.pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill postgres (pid %d): %w", p.pid(), err)
	}
	select {
	case <-p.done:
		return fmt.Errorf("postgres (pid %d) ignored fast and immediate shutdown for %s and was killed; see %s", p.pid(), fastShutdownGrace+immediateShutdownGrace, p.log)
	case <-time.After(immediateShutdownGrace):
		return fmt.Errorf("postgres (pid %d) still running %s after SIGKILL", p.pid(), immediateShutdownGrace)
	}
}

// logTail returns up to n last lines of the file at path, indented for an
// error message.
func logTail(path string, n int) string {
	const most = 8192
	f, err := os.Open(path)
	if err != nil {
		return "  (" + err.Error() + ")"
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > most {
		if _, err := f.Seek(-most, io.SeekEnd); err != nil {
			return "  (" + err.Error() + ")"
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return "  (" + err.Error() + ")"
	}
	lines := strings.Split(string(bytes.TrimRight(data, "\n")), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return "  (empty)"
	}
	return "  " + strings.Join(lines, "\n  ")
}
