package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a command and returns the exit code: 0 when everything
// matched, 1 on any error or difference, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: local run|invoke|sam [flags]")
		return 2
	}
	ctx, stop, cancel := signals(stderr)
	defer cancel()
	return dispatch(ctx, stop, args, stdout, stderr)
}

// dispatch runs the command args name until it ends, or until stop is
// closed (the first Ctrl-C) and it has finished what was under way, and
// returns the exit code as run does.
func dispatch(ctx context.Context, stop <-chan struct{}, args []string, stdout, stderr io.Writer) int {
	// Progress lines come from another goroutine than the rest.
	stdout = &lockedWriter{w: stdout}
	var err error
	switch args[0] {
	case "run":
		err = runSchedule(ctx, stop, args[1:], stdout, stderr)
	case "invoke":
		err = runInvoke(ctx, stop, args[1:], stdout, stderr)
	case "sam":
		err = runSAM(ctx, stop, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "unknown command %q: want run, invoke or sam\n", args[0])
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(*usageError)):
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintln(stderr, "FAIL:", err)
	return 1
}

// usageError is a bad flag or argument.
type usageError struct{ err error }

// Error implements error.
func (e *usageError) Error() string { return e.err.Error() }

// signals turns the first Ctrl-C (or SIGTERM) into stop — finish the
// invocation under way, then read back and report — and the second into
// cancelling ctx, which abandons everything. Either way the servers are
// stopped before exit.
func signals(stderr io.Writer) (ctx context.Context, stop <-chan struct{}, cancel func()) {
	ctx, cancelCtx := context.WithCancel(context.Background())
	stopCh := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\nstopping after the invocation under way; Ctrl-C again to abandon it")
		close(stopCh)
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "abandoning; stopping the servers")
		cancelCtx()
	}()
	return ctx, stopCh, func() {
		signal.Stop(sigs)
		close(done)
		cancelCtx()
	}
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write implements io.Writer.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
