package produce

import (
	"fmt"
	"strings"
	"time"
)

// RequestTimeoutVariable is the optional setting that bounds one PutRecords
// request.
const RequestTimeoutVariable = "PUT_RECORDS_TIMEOUT"

// Bounds of PUT_RECORDS_TIMEOUT.
const (
	minRequestTimeout = time.Second
	maxRequestTimeout = time.Minute
)

// RequestTimeout reads PUT_RECORDS_TIMEOUT through lookupEnv (os.LookupEnv
// in production): how long one PutRecords request may take before it is
// abandoned and its records resent. Unset, it returns 0, for publish's
// default of 5 s, which suits Kinesis. kinesis-local answers in seconds when
// it is busy, and a timeout that fires resends records it has stored, so a
// local run sets more. A set value is a duration from 1s to 1m, such as 30s.
func RequestTimeout(lookupEnv func(string) (string, bool)) (time.Duration, error) {
	value, ok := lookupEnv(RequestTimeoutVariable)
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil || d < minRequestTimeout || d > maxRequestTimeout {
		return 0, fmt.Errorf("%s=%q: want a duration from %s to %s, such as 30s; unset it for the default of 5s", RequestTimeoutVariable, clip(value), minRequestTimeout, maxRequestTimeout)
	}
	return d, nil
}
