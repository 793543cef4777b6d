package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Schedule stands in for the EventBridge schedule: it invokes the function
// at a fixed rate, the first time at once, with the tick's scheduled time in
// the payload as Scheduler or EventBridge would write it.
type Schedule struct {
	// Payload is the event sent on every tick. In a Scheduler payload
	// ("source":"chatstream.scheduler") the schedule sets scheduled_time,
	// in a rule's ("source":"aws.events") time, to the tick's scheduled
	// time; other payloads go as they are.
	Payload []byte
	// Ticks is how many invocations to make; 0 means until stopped.
	Ticks int
	// Interval is the time between the starts of two invocations. When an
	// invocation takes longer, the next one starts as soon as it ends,
	// because the emulator runs one invocation at a time.
	Interval time.Duration
	// Now and After are time.Now and time.After unless a test injects them.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// Tick is one invocation made by a Schedule.
type Tick struct {
	// N counts ticks from 1.
	N int
	// Scheduled is when the tick was due: the first tick's start plus
	// N-1 intervals, to the millisecond, however late the invocation ran.
	Scheduled time.Time
	// Invocation is what the function returned.
	Invocation Invocation
	// Err is the invocation's error, if any.
	Err error
}

// InvokeFunc invokes the function once with payload.
type InvokeFunc func(ctx context.Context, payload []byte) (Invocation, error)

// Run invokes until Ticks invocations are made, stop is closed, or an
// invocation fails. An invocation under way when stop is closed is finished,
// so its result is known; cancelling ctx abandons it. onTick, when not nil,
// sees every tick as soon as it ends. Run returns the ticks made and the
// first error.
func (s Schedule) Run(ctx context.Context, stop <-chan struct{}, invoke InvokeFunc, onTick func(Tick)) ([]Tick, error) {
	if s.Ticks < 0 {
		return nil, fmt.Errorf("schedule: ticks %d is negative", s.Ticks)
	}
	if s.Interval <= 0 {
		return nil, fmt.Errorf("schedule: interval %s is not positive", s.Interval)
	}
	now, after := s.Now, s.After
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	start := now()
	var ticks []Tick
	for n := 1; s.Ticks == 0 || n <= s.Ticks; n++ {
		if n > 1 {
			next := start.Add(time.Duration(n-1) * s.Interval)
			select {
			case <-after(next.Sub(now())):
			case <-stop:
				return ticks, nil
			case <-ctx.Done():
				return ticks, ctx.Err()
			}
		}
		select {
		case <-stop:
			return ticks, nil
		default:
		}
		scheduled := start.Add(time.Duration(n-1) * s.Interval).Truncate(time.Millisecond)
		payload, err := WithScheduledTime(s.Payload, scheduled)
		if err != nil {
			return ticks, fmt.Errorf("tick %d: %w", n, err)
		}
		inv, err := invoke(ctx, payload)
		t := Tick{N: n, Scheduled: scheduled, Invocation: inv, Err: err}
		ticks = append(ticks, t)
		if onTick != nil {
			onTick(t)
		}
		if err != nil {
			return ticks, fmt.Errorf("tick %d: %w", n, err)
		}
	}
	return ticks, nil
}

// WithScheduledTime returns payload with its scheduled time set to at, in
// UTC with milliseconds: scheduled_time in a Scheduler payload, time in an
// EventBridge rule's event. Any other payload is returned unchanged.
func WithScheduledTime(payload []byte, at time.Time) ([]byte, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(payload, &fields) != nil {
		return payload, nil
	}
	key := ""
	switch string(bytes.TrimSpace(fields["source"])) {
	case `"chatstream.scheduler"`:
		key = "scheduled_time"
	case `"aws.events"`:
		key = "time"
	default:
		return payload, nil
	}
	fields[key], _ = json.Marshal(at.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	out, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("set the scheduled time of the payload: %w", err)
	}
	return out, nil
}

// DirtyTotal adds up what the ticks' invocations reported as dirty.
func DirtyTotal(ticks []Tick) int {
	total := 0
	for _, t := range ticks {
		total += t.Invocation.Result.Dirty
	}
	return total
}

// SentTotal adds up what the ticks' invocations reported as sent.
func SentTotal(ticks []Tick) int {
	total := 0
	for _, t := range ticks {
		total += t.Invocation.Result.Sent
	}
	return total
}
