package localrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
)

// Result is the producer's summary of one invocation, the part of its
// result JSON that the contract fixes.
type Result struct {
	// Sent is how many events the stream accepted.
	Sent int `json:"sent"`
	// Failed is how many events were given up on.
	Failed int `json:"failed"`
	// Requests is how many PutRecords calls were made.
	Requests int `json:"requests"`
	// Retries is how many times a record was resent.
	Retries int `json:"retries"`
	// DurationMS is how long the invocation took.
	DurationMS int64 `json:"duration_ms"`
	// Generated is how many events were made; 0 when the result lacks it.
	Generated int `json:"generated"`
	// Dirty is how many of the records were malformed on purpose
	// (DIRTY_RATIO); 0 when the result lacks it.
	Dirty int `json:"dirty"`
}

// FunctionError is an error the function itself returned, in the shape the
// Lambda runtime reports it.
type FunctionError struct {
	// Type is the error's type name, such as PayloadError.
	Type string `json:"errorType"`
	// Message is the error's text.
	Message string `json:"errorMessage"`
}

// Error implements error.
func (e *FunctionError) Error() string {
	return fmt.Sprintf("function returned %s: %s", e.Type, e.Message)
}

// FunctionErrorOf returns the function error an invocation's response
// carries, or nil when the function succeeded. Lambda flags a function error
// with the X-Amz-Function-Error header (header); the Runtime Interface
// Emulator does not set it, so an errorMessage/errorType body counts too.
func FunctionErrorOf(payload []byte, header string) *FunctionError {
	var fe FunctionError
	if json.Unmarshal(payload, &fe) == nil && (fe.Message != "" || fe.Type != "") {
		return &fe
	}
	if header != "" {
		return &FunctionError{Type: header, Message: string(payload)}
	}
	return nil
}

// deliveryCounts reads the counts at the start of the producer's
// DeliveryError message: "sent 24 of 100 events to S; 70 failed (…); 6 not
// generated before the deadline", the last two parts only when not zero.
var deliveryCounts = regexp.MustCompile(`^sent (\d+) of (\d+) events to [^;]*(?:; (\d+) failed \([^)]*\))?(?:; (\d+) not generated before the deadline)?`)

// deliveryResult returns the counts a DeliveryError reports. Lambda returns
// only the error for a failed invocation, not its result, but some events
// may have been sent, and a read-back must expect them.
func deliveryResult(fe *FunctionError) (Result, bool) {
	m := deliveryCounts.FindStringSubmatch(fe.Message)
	if fe.Type != "DeliveryError" || m == nil {
		return Result{}, false
	}
	n := func(s string) int {
		v, _ := strconv.Atoi(s) // the pattern admits digits only
		return v
	}
	return Result{Sent: n(m[1]), Failed: n(m[3]), Generated: n(m[2]) - n(m[4])}, true
}

// ParseInvocation interprets the response body of an invocation whose
// X-Amz-Function-Error header is functionError. A function error comes back
// as a *FunctionError; for the producer's DeliveryError the Result holds the
// counts its message gives (sent, failed, generated).
func ParseInvocation(payload []byte, functionError string) (Result, error) {
	if fe := FunctionErrorOf(payload, functionError); fe != nil {
		r, _ := deliveryResult(fe)
		return r, fe
	}
	// Pointers tell a missing field from a zero one.
	var raw struct {
		Sent       *int   `json:"sent"`
		Failed     *int   `json:"failed"`
		Requests   *int   `json:"requests"`
		Retries    *int   `json:"retries"`
		DurationMS *int64 `json:"duration_ms"`
		Generated  *int   `json:"generated"`
		Dirty      *int   `json:"dirty"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&raw); err != nil {
		return Result{}, fmt.Errorf("decode function result %q: %w", payload, err)
	}
	if raw.Sent == nil || raw.Failed == nil || raw.Requests == nil || raw.Retries == nil || raw.DurationMS == nil {
		return Result{}, fmt.Errorf("function result %q lacks one of sent, failed, requests, retries, duration_ms", payload)
	}
	r := Result{Sent: *raw.Sent, Failed: *raw.Failed, Requests: *raw.Requests, Retries: *raw.Retries, DurationMS: *raw.DurationMS}
	if raw.Generated != nil {
		r.Generated = *raw.Generated
		if r.Sent+r.Failed != r.Generated {
			return r, fmt.Errorf("function result %q: sent + failed = %d, want generated = %d", payload, r.Sent+r.Failed, r.Generated)
		}
	}
	if raw.Dirty != nil {
		r.Dirty = *raw.Dirty
	}
	return r, nil
}
