package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chatstream/chatstream/internal/faultproxy"
	"github.com/chatstream/chatstream/internal/localrun"
)

// progressEvery is how often a long invocation says how far it got.
const progressEvery = 5 * time.Second

// pollGap is the pause between two reads of the stream during an
// invocation. A read can take seconds, queued behind the producer's
// requests in kinesis-local, so reading and reporting run apart.
const pollGap = time.Second

// readBackTimeout bounds the read of what an invocation left in the stream.
const readBackTimeout = 5 * time.Minute

// follower reads the stream while the producer writes to it: the progress
// lines of a long invocation count real records, and once it ends only the
// rest is left to read. It keeps every record it read in records.
type follower struct {
	reader  *localrun.Reader
	records []localrun.Record
	stdout  io.Writer
	every   time.Duration // between progress lines
	gap     time.Duration // between reads during an invocation
	now     func() time.Time
}

func newFollower(reader *localrun.Reader, stdout io.Writer) *follower {
	return &follower{reader: reader, stdout: stdout, every: progressEvery, gap: pollGap, now: time.Now}
}

// progress is what the reading of the stream has found so far.
type progress struct {
	mu   sync.Mutex
	read int
	err  error
}

// invoke runs call, one invocation of n events (0 when not known in
// advance), and meanwhile prints every f.every a line, starting with
// prefix, that says how many records the stream held at the latest read.
// Then it reads what is left. The error is call's, joined with the read's.
func (f *follower) invoke(ctx context.Context, prefix string, n int, call func(context.Context) (localrun.Invocation, error)) (localrun.Invocation, error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var p progress
	start := f.now()
	wg.Go(func() {
		for {
			got, err := f.reader.Poll(ctx)
			p.mu.Lock()
			f.records = append(f.records, got...)
			p.read, p.err = f.reader.Read(), err
			p.mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(f.gap):
			}
		}
	})
	wg.Go(func() {
		tick := time.NewTicker(f.every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			elapsed := f.now().Sub(start).Round(time.Second)
			p.mu.Lock()
			read, err := p.read, p.err
			p.mu.Unlock()
			if err != nil {
				fmt.Fprintf(f.stdout, "%s… %s, records in the stream unknown: %v\n", prefix, elapsed, err)
				continue
			}
			if n == 0 {
				fmt.Fprintf(f.stdout, "%s… %s, %d events in the stream\n", prefix, elapsed, read)
				continue
			}
			fmt.Fprintf(f.stdout, "%s… %s, %d of %d events in the stream\n", prefix, elapsed, read, n)
		}
	})
	inv, err := call(ctx)
	close(done)
	wg.Wait()
	return inv, errors.Join(err, f.drain(ctx))
}

// drain reads the rest of the stream, once nothing writes to it.
func (f *follower) drain(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
	defer cancel()
	got, err := f.reader.Drain(ctx)
	f.records = append(f.records, got...)
	if err != nil {
		return fmt.Errorf("read the stream back: %w", err)
	}
	return nil
}

// compare prints the summary of the records and the world's figures (of a
// population of users), and returns an error for any difference from what
// the producer reported, sent and of those dirty, or runErr. log is the
// function's log, for the reader of a failure. With a fault proxy between
// the producer and the stream, the stream may hold a record more than
// once: the duplicates are counted, and what is not a duplicate must be
// exactly what the producer reported.
func compare(records []localrun.Record, users, reported, dirty int, runErr error, log string, proxy *faultproxy.Proxy, stdout io.Writer) error {
	var fe *localrun.FunctionError
	if errors.As(runErr, &fe) && fe.Type == "PayloadError" {
		// Refused before sending: there is nothing to read, and the error
		// says it all.
		return runErr
	}
	if proxy != nil {
		c := proxy.Counts()
		fmt.Fprintf(stdout, "fault proxy     lost the answers of %d of %d PutRecords requests: %d records stored without the producer knowing\n",
			c.LostAnswers, c.Requests, c.Unacknowledged)
	}
	s := localrun.Summarize(records)
	if err := s.Write(stdout); err != nil {
		return err
	}
	// The world's figures are about events, not about how often the
	// stream stored them.
	if err := localrun.Measure(localrun.Distinct(records), users, 10*time.Second).Write(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "producer reported %d sent\n", reported)
	if runErr != nil {
		// A failed request may have been stored though its answer was lost,
		// so the stream may hold more than was reported: no comparison.
		if extra := s.UniqueIDs - reported; extra > 0 {
			fmt.Fprintf(stdout, "the stream holds %d events more than reported sent: requests the producer gave up on (timed out, cut off at its deadline, or their answer lost) were stored all the same\n", extra)
		}
		return fmt.Errorf("%w (function log: %s)", runErr, log)
	}
	valid := "all valid"
	if dirty > 0 {
		valid = fmt.Sprintf("all valid but the %d it malformed on purpose", dirty)
	}
	if proxy != nil {
		if err := s.CompareAtLeastOnce(reported, dirty); err != nil {
			return fmt.Errorf("the stream differs from what the producer reported:\n%w", err)
		}
		fmt.Fprintf(stdout, "OK: the stream holds every one of the %d records the producer reported, none missing, %s, and %d duplicates: records whose answer was lost, sent again\n",
			reported, valid, s.Duplicates)
		return nil
	}
	if err := s.Compare(reported, dirty); err != nil {
		return fmt.Errorf("the stream differs from what the producer reported:\n%w", err)
	}
	fmt.Fprintf(stdout, "OK: the stream holds exactly the %d events the producer reported, each once, %s\n", reported, valid)
	return nil
}
