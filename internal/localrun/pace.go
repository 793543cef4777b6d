package localrun

import (
	"fmt"
	"math"
	"time"

	"github.com/chatstream/chatstream/lambda/produce"
)

// kinesis-local keeps each shard's records in one immutable vector, and its
// PutRecords groups the new records by a key that holds that whole vector:
// every record put hashes all the records of its shard. A record therefore
// costs time in proportion to the size of its shard, the throughput falls as
// the stream grows, and n records take time in proportion to n². A producer
// that sends faster than that falls behind: its requests wait in
// kinesis-local's queue until they time out and are resent, and the resends
// add to the queue ("Your CPU is probably starving" in kinesis-local.log).
//
// A local run therefore keeps each invocation's events, and how fast they
// are sent, within what kinesis-local takes at that size, empties the stream
// between ticks, and waits longer for kinesis-local's answers than for
// Kinesis's.

const (
	// MaxEvents is the most events one local invocation may send. At the
	// local pace they take about MaxEvents²/PaceConstant (3 minutes); on
	// two cores kept busy by other work kinesis-local took them in 4 to 5
	// minutes, within Lambda's 15-minute maximum timeout.
	MaxEvents = 30_000
	// UnpacedEvents is the most events a burst may send unpaced: the
	// producer's 8 requests of 500 records in flight then take kinesis-local
	// a second or two.
	UnpacedEvents = 1000
	// PaceConstant sets the local pace of a burst: at most PaceConstant/n
	// events per second for n events. BenchmarkKinesisLocalPutRecords
	// measures size*records/s, about constant for a given machine: 2.8 to
	// 3.9 million on two cores with a load average of 10, 0.7 million at 16.
	// A burst may go faster than kinesis-local takes: its requests then
	// wait in kinesis-local's queue, each of a tenth of a second's events,
	// within ProducerRequestTimeout.
	PaceConstant = 5_000_000
	// WorldConstant bounds a scheduled invocation: its window of w seconds
	// at RATE events per second holds about RATE*w events, sent as they
	// happen, so kinesis-local must keep up with RATE at a size of RATE*w:
	// RATE*RATE*w at most WorldConstant. The world cannot fall behind and
	// catch up as a burst does, since the window ends a second before the
	// function's deadline, so this is a third of what kinesis-local took
	// on two cores with a load average of 10.
	WorldConstant = 1_000_000
	// maxCount is the most events the producer takes in one invocation.
	maxCount = produce.MaxCount
	// maxFunctionTimeout is Lambda's maximum function timeout.
	maxFunctionTimeout = 15 * time.Minute
	// ProducerRequestTimeout is the producer's PUT_RECORDS_TIMEOUT in a
	// local run. A busy machine slows kinesis-local down, and a request that
	// times out is resent though kinesis-local may have stored it: at 250
	// events/s, with a load average of 16 on two cores, requests took more
	// than the 5 s that suits Kinesis.
	ProducerRequestTimeout = time.Minute
)

// Pace returns the fastest a burst of n events may go locally, in events
// per second, or 0 (unpaced) for up to UnpacedEvents.
func Pace(n int) float64 {
	if n <= UnpacedEvents {
		return 0
	}
	return math.Floor(PaceConstant / float64(n))
}

// CheckEvents returns an error naming the local limit, and why it exists,
// when n events are more than one local invocation may send.
func CheckEvents(n int) error {
	if n <= MaxEvents {
		return nil
	}
	return fmt.Errorf("%d events in one invocation are more than the local limit of %d: kinesis-local slows down as its stream grows (every record costs time in proportion to its shard's size), "+
		"so it takes %d events in about %s at the local pace and %d in about %s; send at most %d locally (the deployed producer takes up to %d)",
		n, MaxEvents, MaxEvents, about(sendingAtPace(MaxEvents)), n, about(sendingAtPace(n)), MaxEvents, maxCount)
}

// sendingAtPace is about how long n events take at the local pace.
func sendingAtPace(n int) time.Duration {
	return seconds(float64(n) * float64(n) / PaceConstant)
}

// about words a duration for a message: seconds, minutes or hours.
func about(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return fmt.Sprintf("%.0f seconds", d.Seconds())
	case d < 2*time.Hour:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	}
	return fmt.Sprintf("%.0f hours", d.Hours())
}

// Plan is how one local invocation runs.
type Plan struct {
	// Events is how many events the invocation sends: a burst's count, or
	// about how many a window holds at the world's rate.
	Events int
	// Rate is how fast they go, in events per second: a burst's pace (0
	// for unpaced), or the world's rate.
	Rate float64
	// Sending is about how long the events take; 0 when unpaced.
	Sending time.Duration
	// FunctionTimeout is the function's timeout: the one asked for, or
	// base, or longer when a burst needs it.
	FunctionTimeout time.Duration
	// Note, when not empty, says what to expect of a plan that differs from
	// the deployed function's or may not complete.
	Note string
}

// PlanBurst checks that a burst of n events at rate events per second (0:
// unpaced) suits kinesis-local, and says how to run it. timeout is the
// function timeout asked for, 0 for base, or longer when the burst needs
// it. The errors name the limit and why.
func PlanBurst(n int, rate float64, timeout, base time.Duration) (Plan, error) {
	if err := CheckEvents(n); err != nil {
		return Plan{}, err
	}
	if pace := Pace(n); pace > 0 && (rate == 0 || rate > pace) {
		asked := "unpaced (rate 0)"
		if rate > 0 {
			asked = fmt.Sprintf("at %g events/s", rate)
		}
		return Plan{}, fmt.Errorf("%d events %s are more than kinesis-local takes at that size: give a rate of at most %g events/s", n, asked, pace)
	}
	p := Plan{Events: n, Rate: rate}
	if rate > 0 {
		p.Sending = seconds(float64(n) / rate)
	}
	if p.Sending > maxFunctionTimeout {
		return Plan{}, fmt.Errorf("%d events at %g events/s take %s, longer than Lambda's maximum function timeout of %s", n, rate, roundDuration(p.Sending), maxFunctionTimeout)
	}
	// kinesis-local's speed follows what else the machine does, so a burst
	// gets twice its sending time, and Lambda takes whole seconds.
	needed := min(maxFunctionTimeout, (p.Sending*2 + 10*time.Second).Round(time.Second))
	switch {
	case timeout == 0 && needed > base:
		p.FunctionTimeout = needed
		p.Note = fmt.Sprintf("function timeout %s, not %s: %d events at %g events/s take %s (the deployed function stops at its timeout)", needed, base, n, rate, roundDuration(p.Sending))
	case timeout == 0:
		p.FunctionTimeout = base
	case timeout < p.Sending:
		p.FunctionTimeout = timeout
		p.Note = fmt.Sprintf("the function timeout of %s is shorter than the %s that %d events take at %g events/s: expect a DeliveryError for the events not sent by then", timeout, roundDuration(p.Sending), n, rate)
	default:
		p.FunctionTimeout = timeout
	}
	return p, nil
}

// MaxWorldRate is the highest RATE a scheduled invocation with this window
// may have locally (see WorldConstant).
func MaxWorldRate(window time.Duration) float64 {
	return math.Floor(math.Min(math.Sqrt(WorldConstant/window.Seconds()), MaxEvents/window.Seconds()))
}

// PlanWindow checks that a scheduled invocation, which sends the events of
// a window of world time as they happen, at most rate a second, suits
// kinesis-local. Its function timeout is the caller's: the window sets the
// least (produce.MinTimeout).
func PlanWindow(rate float64, window time.Duration) (Plan, error) {
	if rate <= 0 {
		return Plan{}, fmt.Errorf("a scheduled invocation needs a rate above 0: it sends the world's events, up to that many a second")
	}
	events := int(math.Ceil(rate * window.Seconds()))
	if most := MaxWorldRate(window); rate > most {
		return Plan{}, fmt.Errorf("a window of %s at %g events/s holds about %d events, sent as they happen, faster than kinesis-local keeps up at that size (it slows down as its stream grows): locally, a %s window takes at most %g events/s",
			window, rate, events, window, most)
	}
	return Plan{Events: events, Rate: rate, Sending: window}, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// roundDuration rounds d for a message: to the second, or to the minute above
// an hour.
func roundDuration(d time.Duration) time.Duration {
	if d > time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}
