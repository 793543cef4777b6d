package produce

import (
	"fmt"
	"time"
)

// How a schedule, its invocations and the world's windows fit together.
//
// The schedule invokes the function every period, at scheduled times T,
// T+period, …, and the invocation scheduled at T covers the window
// [T-lead, T-lead+period): the windows tile time, without gaps or overlaps,
// and each ends lead before the next invocation is due. The invocation
// starts a little after T, so it sends the events of [T-lead, start) at
// once and every later one when it happens; after its window it has until
// its timeout to flush the last requests and report, and the timeout ends
// it before the next invocation starts.
const (
	// maxLead caps the lead: it is a twentieth of the window, at most 2 s.
	// The events of the lead, and of the invocation's start-up delay, are
	// the only ones sent late, by at most lead plus that delay.
	maxLead = 2 * time.Second
	// flushTime is the least time an invocation keeps after its window:
	// to send the last group of events, which goes out within
	// sendInterval, wait for its answer and report. Sending stops
	// minReportMargin before the deadline, so the last group has at
	// least half a second.
	flushTime = time.Second
	// maxEarly is how far in the future a window may start. Scheduler
	// invokes after the scheduled time, so a window that starts later than
	// this comes from a payload written by hand, or a clock far off.
	maxEarly = 5 * time.Second
)

// WindowLead is how long before its scheduled time an invocation's window
// starts: a twentieth of the window, at most 2 s.
func WindowLead(window time.Duration) time.Duration {
	return min(maxLead, window/20).Truncate(time.Millisecond)
}

// WindowAt returns the window of world time covered by the invocation
// scheduled at scheduled, when invocations come every window.
func WindowAt(scheduled time.Time, window time.Duration) (start, end time.Time) {
	start = scheduled.Add(-WindowLead(window)).Truncate(time.Millisecond)
	return start, start.Add(window)
}

// MinTimeout is the shortest function timeout that covers a whole window of
// the given period: the window ends period-lead after the scheduled time,
// and the function needs flushTime after it.
func MinTimeout(period time.Duration) time.Duration {
	return period - WindowLead(period) + flushTime
}

// CheckTimeout returns an error unless a function with this timeout, invoked
// every period, covers its whole window (timeout ≥ MinTimeout(period)) and
// always ends before the next invocation starts (timeout < period). With a
// period of 60 s the only whole-second timeout is 59 s.
func CheckTimeout(period, timeout time.Duration) error {
	least := MinTimeout(period)
	switch {
	case timeout < least:
		return fmt.Errorf("timeout %v is shorter than %v: the window of an invocation every %v ends %v after it is due, and the function needs %v more to flush and report",
			timeout, least, period, period-WindowLead(period), flushTime)
	case timeout >= period:
		return fmt.Errorf("timeout %v is not shorter than the period %v: an invocation could still run when the next one starts", timeout, period)
	}
	return nil
}
