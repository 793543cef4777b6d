package produce

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/chatstream/chatstream/lambda/publish"
)

const (
	// sendInterval is the most often a world invocation sends: the events
	// due since the last request go out together, at most this long after
	// they happen, so that a quiet world still makes few requests.
	sendInterval = 100 * time.Millisecond
	// lateAfter is the lag from an event's time to its hand-over to
	// PutRecords beyond which Result.Late counts it.
	lateAfter = time.Second
)

// window serves a scheduled invocation: it sends the events of the world's
// window for the scheduled time, each when it happens. Events that are
// already due when it starts (the window's lead, a late start, a retry)
// go out at once; the rest as their time comes, in groups at most
// sendInterval apart. The world's events, ids included, follow from the
// configuration and the window alone, so any retry of the invocation sends
// the very same events.
func (h *Handler) window(ctx context.Context, req Request) (Result, error) {
	start := h.now()
	if h.world == nil {
		return Result{}, h.worldErr
	}
	from, to := WindowAt(req.ScheduledAt, h.cfg.Window)
	if early := from.Sub(start); early > maxEarly {
		err := &PayloadError{Err: fmt.Errorf("the window for %s starts in %v: scheduled invocations cover the past and the present, not the future", req.ScheduledTime, early.Round(time.Millisecond))}
		h.log.ErrorContext(ctx, "refused invocation", "error", err.Err.Error())
		return Result{}, err
	}
	win, err := h.world.Window(from, to, h.dirtyRatio(req))
	if err != nil {
		return Result{}, fmt.Errorf("set up the world's window: %w", err)
	}
	pub, err := h.publisher(h.cfg.Seed, 0)
	if err != nil {
		return Result{}, err
	}
	// The window ends at least flushTime before the deadline (CheckTimeout),
	// so only the report margin is kept back.
	sendCtx, cancel := withMargin(ctx, minReportMargin)
	defer cancel()

	var (
		enc   encoder
		total publish.Result
		lag   lagStats
		sent  time.Time // when the last group went out
	)
	for {
		next, ok := win.Peek()
		if !ok {
			break
		}
		wake := next
		if !sent.IsZero() {
			wake = later(next, sent.Add(sendInterval))
		}
		if d := wake.Sub(h.now()); d > 0 {
			if h.sleep(sendCtx, d) != nil {
				break
			}
		}
		sent = h.now()
		out := pub.Publish(sendCtx, enc.records(h.due(win, sent, &lag)))
		total = add(total, out)
		if sendCtx.Err() != nil {
			break
		}
	}
	// What the deadline left unsent was never generated: count it.
	left := 0
	var ev chat.Event
	for win.Next(&ev) {
		left++
	}

	generated := total.Sent + total.Failed
	res := h.result(req, generated+left, total, enc.dirty, start)
	res.WindowStart, res.WindowEnd = from.Format(timeLayout), to.Format(timeLayout)
	res.Late, res.MaxLagMS = lag.late, lag.max.Milliseconds()
	return h.finish(ctx, req, res, summaryDetails{mode: "world", seed: h.cfg.Seed, rate: h.cfg.Rate})
}

// timeLayout writes window bounds as event_time is written.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// due yields the window's events up to cutoff, measuring how late each is
// when publishing pulls it.
func (h *Handler) due(win *chat.Window, cutoff time.Time, lag *lagStats) iter.Seq[chat.Event] {
	return func(yield func(chat.Event) bool) {
		var ev chat.Event
		for {
			next, ok := win.Peek()
			if !ok || next.After(cutoff) {
				return
			}
			win.Next(&ev)
			lag.add(h.now().Sub(ev.Time))
			if !yield(ev) {
				return
			}
		}
	}
}

// lagStats follows the lag from an event's time to its hand-over to
// PutRecords.
type lagStats struct {
	late int
	max  time.Duration
}

func (l *lagStats) add(d time.Duration) {
	if d > lateAfter {
		l.late++
	}
	l.max = max(l.max, d)
}

// add sums two publish results.
func add(a, b publish.Result) publish.Result {
	a.Sent += b.Sent
	a.Failed += b.Failed
	a.Requests += b.Requests
	a.Retries += b.Retries
	for code, n := range b.FailureCodes {
		if a.FailureCodes == nil {
			a.FailureCodes = map[string]int{}
		}
		a.FailureCodes[code] += n
	}
	return a
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
