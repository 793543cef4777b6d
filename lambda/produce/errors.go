package produce

import (
	"fmt"
	"strings"
)

// PayloadError is returned for a payload Handle refuses; no event was sent.
// Lambda reports its type name as the invocation's errorType.
type PayloadError struct {
	Err error // what is wrong with the payload
}

// Error says that nothing was sent, and why the payload was refused.
func (e *PayloadError) Error() string {
	return "refused invocation, no events sent: " + e.Err.Error()
}

// Unwrap returns what is wrong with the payload.
func (e *PayloadError) Unwrap() error { return e.Err }

// DeliveryError is returned when some requested events did not reach the
// stream: they failed, or the deadline came before they were generated.
type DeliveryError struct {
	Stream string // the stream written to
	Result Result // the counts, also returned by Handle
}

// Error gives the counts and the three most common failure codes, which is
// what someone looking at a failed invocation or a dead letter needs first.
func (e *DeliveryError) Error() string {
	r := e.Result
	var b strings.Builder
	fmt.Fprintf(&b, "sent %d of %d events to %s", r.Sent, r.Requested, e.Stream)
	if r.Failed > 0 {
		fmt.Fprintf(&b, "; %d failed (%s)", r.Failed, topCodes(r.FailureCodes, 3))
	}
	if n := r.Requested - r.Generated; n > 0 {
		fmt.Fprintf(&b, "; %d not generated before the deadline", n)
	}
	return b.String()
}
