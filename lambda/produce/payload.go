package produce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
)

// Trigger names what started an invocation.
type Trigger string

// The three kinds of invocation payload.
const (
	// TriggerScheduler is an EventBridge Scheduler schedule whose Input is
	// {"source":"chatstream.scheduler", …}: the world's window of the
	// scheduled time.
	TriggerScheduler Trigger = "scheduler"
	// TriggerRule is an EventBridge rule's "Scheduled Event": the world's
	// window of the event's time, as for Scheduler.
	TriggerRule Trigger = "rule"
	// TriggerManual is a payload without "source", written by a person or a
	// test: {"count": N, "rate": R, "run_id": "…", "dirty_ratio": D}, every
	// field optional. It sends a burst outside the world's clock.
	TriggerManual Trigger = "manual"
)

// Source values that identify scheduled payloads.
const (
	SourceScheduler = "chatstream.scheduler"
	SourceRule      = "aws.events"
)

// Request is a decoded invocation payload.
type Request struct {
	Trigger Trigger
	// Count overrides the configured events per invocation when not 0.
	Count int
	// Rate overrides the configured rate when not nil; 0 means unpaced.
	Rate *float64
	// RunID, when set, is copied into every event so that a test can find
	// exactly its own records.
	RunID string
	// DirtyRatio overrides the configured DIRTY_RATIO when not nil.
	DirtyRatio *float64
	// Schedule is the schedule's or rule's ARN, for the log.
	Schedule string
	// ScheduledTime is when the schedule fired, as the payload wrote it,
	// and ScheduledAt the same time parsed: it picks the world's window.
	ScheduledTime string
	ScheduledAt   time.Time
	// ExecutionID and Attempt identify a Scheduler invocation and its retry.
	ExecutionID string
	Attempt     string
}

// ParsePayload decodes an invocation payload, refusing anything but the
// three documented shapes with an error that names the problem. It is pure
// and total: any input gives a Request or an error, never a panic.
func ParsePayload(data []byte) (Request, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Request{}, fmt.Errorf("payload is empty; send {} to use the configured defaults")
	}
	if !json.Valid(trimmed) {
		var v any
		return Request{}, fmt.Errorf("payload is not JSON: %w", json.Unmarshal(trimmed, &v))
	}
	if kind := jsonKind(trimmed); kind != "an object" {
		return Request{}, fmt.Errorf("payload is %s, want a JSON object", kind)
	}
	fields, err := objectFields(trimmed)
	if err != nil {
		return Request{}, fmt.Errorf("payload: %w", err)
	}
	raw, ok := fields["source"]
	if !ok {
		return parseManual(fields)
	}
	var source string
	if err := decodeString(raw, &source); err != nil {
		return Request{}, fmt.Errorf("payload field source: %w", err)
	}
	switch source {
	case SourceScheduler:
		return parseScheduler(fields)
	case SourceRule:
		return parseRule(trimmed)
	}
	return Request{}, fmt.Errorf("payload source %q is unknown: want %q, %q, or no source for a manual payload", clip(source), SourceScheduler, SourceRule)
}

func parseManual(fields map[string]json.RawMessage) (Request, error) {
	if err := onlyFields(fields, "count", "rate", "run_id", "dirty_ratio"); err != nil {
		return Request{}, fmt.Errorf("manual payload: %w", err)
	}
	req := Request{Trigger: TriggerManual}
	if raw, ok := fields["count"]; ok {
		if kind := jsonKind(raw); kind != "a number" {
			return Request{}, fmt.Errorf("manual payload: count is %s, want a whole number", kind)
		}
		n, err := wholeNumber(string(raw), 1, MaxCount)
		if err != nil {
			return Request{}, fmt.Errorf("manual payload: count %w", err)
		}
		req.Count = n
	}
	if raw, ok := fields["rate"]; ok {
		if kind := jsonKind(raw); kind != "a number" {
			return Request{}, fmt.Errorf("manual payload: rate is %s, want a number of events per second", kind)
		}
		r, err := eventRate(string(raw))
		if err != nil {
			return Request{}, fmt.Errorf("manual payload: rate %w", err)
		}
		req.Rate = &r
	}
	if raw, ok := fields["run_id"]; ok {
		if err := decodeString(raw, &req.RunID); err != nil {
			return Request{}, fmt.Errorf("manual payload: run_id: %w", err)
		}
		if err := chat.CheckRunID(req.RunID); err != nil {
			return Request{}, fmt.Errorf("manual payload: %w", err)
		}
	}
	if raw, ok := fields["dirty_ratio"]; ok {
		if kind := jsonKind(raw); kind != "a number" {
			return Request{}, fmt.Errorf("manual payload: dirty_ratio is %s, want a share from 0 to 1", kind)
		}
		r, err := shareOfOne(string(raw))
		if err != nil {
			return Request{}, fmt.Errorf("manual payload: dirty_ratio %w", err)
		}
		req.DirtyRatio = &r
	}
	return req, nil
}

// scheduledTime parses the time a schedule fired, which Scheduler and
// EventBridge write in RFC 3339 (2026-11-27T10:00:00Z).
func scheduledTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as 2026-11-27T10:00:00Z", clip(s))
	}
	return t.UTC(), nil
}

// parseScheduler accepts exactly the Input the CDK schedule sends, with
// every Scheduler context attribute filled in.
func parseScheduler(fields map[string]json.RawMessage) (Request, error) {
	keys := []string{"source", "schedule_arn", "scheduled_time", "execution_id", "attempt"}
	if err := onlyFields(fields, keys...); err != nil {
		return Request{}, fmt.Errorf("scheduler payload: %w", err)
	}
	values := make([]string, len(keys))
	for i, key := range keys {
		raw, ok := fields[key]
		if !ok {
			return Request{}, fmt.Errorf("scheduler payload: field %s is missing", key)
		}
		if err := decodeString(raw, &values[i]); err != nil {
			return Request{}, fmt.Errorf("scheduler payload: field %s: %w", key, err)
		}
		if values[i] == "" {
			return Request{}, fmt.Errorf("scheduler payload: field %s is empty", key)
		}
	}
	at, err := scheduledTime(values[2])
	if err != nil {
		return Request{}, fmt.Errorf("scheduler payload: scheduled_time %w", err)
	}
	return Request{
		Trigger:       TriggerScheduler,
		Schedule:      values[1],
		ScheduledTime: values[2],
		ScheduledAt:   at,
		ExecutionID:   values[3],
		Attempt:       values[4],
	}, nil
}

// ruleEvent is the part of the EventBridge envelope the producer reads.
type ruleEvent struct {
	DetailType string          `json:"detail-type"`
	Time       string          `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// parseRule accepts an EventBridge scheduled event. Unlike the other shapes
// it ignores fields it does not know: AWS owns the envelope and may add to
// it, and refusing would stop a working schedule.
func parseRule(data []byte) (Request, error) {
	var ev ruleEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return Request{}, fmt.Errorf("rule event: %w", err)
	}
	if ev.DetailType != "Scheduled Event" {
		return Request{}, fmt.Errorf("rule event: detail-type %q is not %q", clip(ev.DetailType), "Scheduled Event")
	}
	at, err := scheduledTime(ev.Time)
	if err != nil {
		return Request{}, fmt.Errorf("rule event: time %w", err)
	}
	req := Request{Trigger: TriggerRule, ScheduledTime: ev.Time, ScheduledAt: at}
	if len(ev.Resources) > 0 {
		req.Schedule = ev.Resources[0]
	}
	return req, nil
}

// objectFields splits data, a valid JSON object, into its members. A key
// given twice is refused: encoding/json would keep the last value silently,
// so {"count":10,"count":20} would send 20 events.
func objectFields(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("field %q appears twice; give each field once", clip(key))
		}
		fields[key] = value
	}
	return fields, nil
}

// onlyFields returns an error naming the first field, in sorted order so the
// message is stable, that is not one of allowed.
func onlyFields(fields map[string]json.RawMessage, allowed ...string) error {
	var unknown []string
	for key := range fields {
		if !slices.Contains(allowed, key) {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("unknown field %q (allowed: %s)", clip(unknown[0]), strings.Join(allowed, ", "))
}

// decodeString decodes a JSON string, refusing every other kind of value.
func decodeString(raw json.RawMessage, dst *string) error {
	if kind := jsonKind(raw); kind != "a string" {
		return fmt.Errorf("is %s, want a string", kind)
	}
	return json.Unmarshal(raw, dst)
}

// jsonKind names the kind of JSON value that raw starts with, for error
// messages, or returns "" when it starts like no JSON value.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return ""
}
