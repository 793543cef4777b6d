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
	"github.com/chatstream/chatstream/internal/localwarehouse"
)

// runSchedule is "local run": it acts as the EventBridge schedule for a few
// ticks, reads each tick's records back, and after each tick refreshes the
// local warehouse's stand-in for streaming ingestion and runs the loader,
// with the dashboard on it. At the end it compares the stream with what the
// producer reported, prints the analytics and checks the warehouse.
func runSchedule(ctx context.Context, stop <-chan struct{}, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var o options
	o.register(fs)
	o.registerLoss(fs)
	var wo warehouseOptions
	wo.register(fs)
	ticksFlag := fs.String("ticks", "3", "scheduled invocations; 0 runs until Ctrl-C")
	intervalFlag := fs.String("interval", "5s", "time between the scheduled times of two invocations, and the window of world time each covers, such as 5s or 1m")
	eventFile := fs.String("event", "events/scheduler.json", "payload sent on every tick")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	ticks, err := strconv.Atoi(*ticksFlag)
	if err != nil || ticks < 0 {
		return badValue("ticks", *ticksFlag, errors.New("want a whole number of ticks, such as 3, or 0 to run until Ctrl-C"))
	}
	interval, err := time.ParseDuration(*intervalFlag)
	if err != nil || interval <= 0 {
		return badValue("interval", *intervalFlag, errors.New("want a positive duration with its unit, such as 5s or 1m"))
	}
	// Each tick covers a window of the world as long as the interval.
	o.window = strconv.FormatFloat(interval.Seconds(), 'f', -1, 64)
	root, work, err := o.repository()
	if err != nil {
		return err
	}
	payload, err := readEvent(root, *eventFile)
	if err != nil {
		return err
	}
	c, err := o.check(*eventFile, payload, *intervalFlag)
	if err != nil {
		return err
	}
	// Another make local's warehouse holds the data directory: say so
	// before anything is built or started.
	if _, err := localwarehouse.Running(localwarehouse.Dir(work)); err == nil {
		return fmt.Errorf("another make local keeps the local warehouse on %s up (TICKS=0?): stop it with Ctrl-C in its terminal first, or explore it there with make query-local",
			relative(root, localwarehouse.Dir(work)))
	}
	pgPort, dash, err := wo.check()
	if err != nil {
		return err
	}
	served := false
	defer func() {
		if !served {
			dash.Close()
		}
	}()

	l, err := startLocal(ctx, stop, &o, c, root, work, stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopLocal(l, stdout)) }()
	w, err := startWarehouse(ctx, stop, root, work, pgPort, dash, l, ticks == 0, stdout)
	if err != nil {
		return err
	}
	served = true
	defer func() { err = errors.Join(err, w.close(root, stdout)) }()

	count := "until Ctrl-C"
	switch {
	case ticks == 1:
		count = "1 tick"
	case ticks > 1:
		count = strconv.Itoa(ticks) + " ticks"
	}
	fmt.Fprintf(stdout, "schedule        %s, every %s, payload %s\n", count, interval, *eventFile)

	// Each tick's records are read as it runs, loaded into the warehouse,
	// and the stream is emptied before the next: kinesis-local slows down
	// as a stream grows (see localrun.MaxEvents), and a run until Ctrl-C
	// would otherwise slow down tick by tick until the producer falls
	// behind. The refresh reads the stream before it is emptied; the next
	// stream is a new one, which it reads from its oldest record.
	f := newFollower(l.NewReader(), stdout)
	n := 0
	loaded := map[int]localwarehouse.Cycle{}
	invoke := func(ctx context.Context, payload []byte) (localrun.Invocation, error) {
		n++
		inv, err := f.invoke(ctx, tickPrefix(n, ticks), c.expected(), func(ctx context.Context) (localrun.Invocation, error) {
			return l.Invoke(ctx, payload)
		})
		cycle, cycleErr := w.Cycle(ctx)
		if cycleErr != nil {
			return inv, errors.Join(err, fmt.Errorf("load into the local warehouse: %w", cycleErr))
		}
		loaded[n] = cycle
		// Emptied while the schedule waits for the next tick, if any.
		if err == nil && (ticks == 0 || n < ticks) {
			if err := l.EmptyStream(ctx); err != nil {
				return inv, err
			}
			f.reader = l.NewReader()
		}
		return inv, err
	}
	s := localrun.Schedule{Payload: payload, Ticks: ticks, Interval: interval}
	done, runErr := s.Run(ctx, stop, invoke, func(t localrun.Tick) {
		fmt.Fprintln(stdout, tickLine(t, ticks))
		if cycle, ok := loaded[t.N]; ok {
			fmt.Fprintln(stdout, cycleLine(tickPrefix(t.N, ticks), cycle))
		}
	})
	if errors.Is(runErr, context.Canceled) {
		return errors.New("abandoned on the second Ctrl-C, without reading the stream back")
	}
	if len(done) > 0 {
		fmt.Fprintf(stdout, "read back       every shard of %s after each tick, before emptying it for the next\n", l.Stream)
	}
	reported, dirty := localrun.SentTotal(done), localrun.DirtyTotal(done)
	streamErr := compare(f.records, c.producer.Users, reported, dirty, runErr, l.Emulator.Log, l.Proxy, stdout)
	if len(done) == 0 {
		return streamErr
	}
	queryErr := printAnalytics(ctx, w.Warehouse, stdout)
	if streamErr != nil {
		// What the producer reported is not what the stream holds: there is
		// nothing exact to hold the warehouse to.
		return errors.Join(streamErr, queryErr)
	}
	return errors.Join(checkWarehouse(ctx, w.Warehouse, f.records, reported, dirty, stdout), queryErr)
}

// tickPrefix starts the lines about tick n of of (0: until Ctrl-C).
func tickPrefix(n, of int) string {
	s := strconv.Itoa(n)
	if of > 0 {
		s += "/" + strconv.Itoa(of)
	}
	return fmt.Sprintf("tick %-5s  ", s)
}

// tickLine is the one line printed per invocation.
func tickLine(t localrun.Tick, of int) string {
	if t.Err != nil {
		return fmt.Sprintf("%serror: %v", tickPrefix(t.N, of), t.Err)
	}
	r := t.Invocation.Result
	return fmt.Sprintf("%ssent %d  failed %d  retries %d  requests %d  %d ms", tickPrefix(t.N, of), r.Sent, r.Failed, r.Retries, r.Requests, r.DurationMS)
}
