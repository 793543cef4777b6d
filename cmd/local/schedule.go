package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/produce"
)

// runSchedule is "local run": it acts as the EventBridge schedule for a few
// ticks, then reads the whole stream back and compares.
func runSchedule(ctx context.Context, stop <-chan struct{}, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var o options
	o.register(fs)
	ticks := fs.Int("ticks", 3, "scheduled invocations; 0 runs until Ctrl-C")
	interval := fs.Duration("interval", 5*time.Second, "time between the starts of two invocations")
	eventFile := fs.String("event", "events/scheduler.json", "payload sent on every tick")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *ticks < 0 {
		return &usageError{fmt.Errorf("-ticks %d: want 0 (until Ctrl-C) or more", *ticks)}
	}
	if *interval <= 0 {
		return &usageError{fmt.Errorf("-interval %s: want a positive duration such as 5s", *interval)}
	}
	// Each tick covers a window of the world as long as the interval.
	o.window = strconv.FormatFloat(interval.Seconds(), 'f', -1, 64)
	if least := produce.MinTimeout(*interval); o.timeout < least {
		return &usageError{fmt.Errorf("-timeout %s: a tick every %s needs a function timeout of at least %s to send its whole window", o.timeout, *interval, least)}
	}
	root, work, err := o.repository()
	if err != nil {
		return err
	}
	payload, err := readEvent(root, *eventFile)
	if err != nil {
		return err
	}

	l, err := startLocal(ctx, stop, &o, root, work, stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopLocal(l, stdout)) }()

	count := "until Ctrl-C"
	switch {
	case *ticks == 1:
		count = "1 tick"
	case *ticks > 1:
		count = strconv.Itoa(*ticks) + " ticks"
	}
	fmt.Fprintf(stdout, "schedule        %s, every %s, payload %s\n", count, *interval, *eventFile)
	s := localrun.Schedule{Payload: payload, Ticks: *ticks, Interval: *interval}
	done, runErr := s.Run(ctx, stop, l.Invoke, func(t localrun.Tick) {
		fmt.Fprintln(stdout, tickLine(t, *ticks))
	})
	if errors.Is(runErr, context.Canceled) {
		return errors.New("abandoned on the second Ctrl-C, without reading the stream back")
	}
	return readBackAndCompare(ctx, l, &o, localrun.SentTotal(done), localrun.DirtyTotal(done), runErr, stdout)
}

// tickLine is the one line printed per invocation.
func tickLine(t localrun.Tick, of int) string {
	n := strconv.Itoa(t.N)
	if of > 0 {
		n += "/" + strconv.Itoa(of)
	}
	if t.Err != nil {
		return fmt.Sprintf("tick %-5s  error: %v", n, t.Err)
	}
	r := t.Invocation.Result
	return fmt.Sprintf("tick %-5s  sent %d  failed %d  retries %d  requests %d  %d ms", n, r.Sent, r.Failed, r.Retries, r.Requests, r.DurationMS)
}

// readBackAndCompare reads every record of the stream, prints the summary
// and the world's figures, and returns an error for any difference from
// what the producer reported (sent, and of those dirty), or runErr.
func readBackAndCompare(ctx context.Context, l *localrun.Local, o *options, reported, dirty int, runErr error, stdout io.Writer) error {
	fmt.Fprintf(stdout, "reading back every shard of %s\n", l.Stream)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	records, err := l.ReadBack(ctx)
	if err != nil {
		return errors.Join(runErr, err)
	}
	summary := localrun.Summarize(records)
	if err := summary.Write(stdout); err != nil {
		return err
	}
	if err := localrun.Measure(records, o.population(), 10*time.Second).Write(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "producer reported %d sent\n", reported)
	if runErr != nil {
		// The failed invocation's counts are unknown, so no comparison.
		return fmt.Errorf("%w (function log: %s)", runErr, l.Emulator.Log)
	}
	if err := summary.Compare(reported, dirty); err != nil {
		return fmt.Errorf("the stream differs from what the producer reported:\n%w", err)
	}
	if dirty > 0 {
		fmt.Fprintf(stdout, "OK: the stream holds exactly the %d events the producer reported, each once, all valid but the %d it malformed on purpose\n", reported, dirty)
		return nil
	}
	fmt.Fprintf(stdout, "OK: the stream holds exactly the %d events the producer reported, each once, all valid\n", reported)
	return nil
}
