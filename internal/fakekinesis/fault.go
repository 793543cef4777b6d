package fakekinesis

import (
	"net/http"
	"time"
)

// Fault says how to answer one request instead of, or besides, serving it.
// The zero Fault answers normally.
type Fault struct {
	// Delay is added to Options.Latency for this request.
	Delay time.Duration
	// Hang holds the request without answering until the client gives up or
	// the server closes.
	Hang bool
	// Drop closes the connection without answering or storing anything.
	Drop bool
	// LoseAnswer serves the request, storing its records, then closes the
	// connection without answering: the client cannot tell it from Drop.
	LoseAnswer bool
	// Code, when set, answers the whole request with this Kinesis error
	// code, such as "ProvisionedThroughputExceededException", and Message.
	Code    string
	Message string
	// Status is the HTTP status of the Code answer; 0 means StatusFor(Code).
	Status int
	// EntryCodes fails single entries of a PutRecords request, by index in
	// the request, with an entry error code such as
	// "ProvisionedThroughputExceededException" or "InternalFailure"; the
	// other entries are stored.
	EntryCodes map[int]string
}

// StatusFor is the HTTP status Kinesis answers an error code with: 500 for
// an internal failure, 503 when unavailable, 400 for the rest.
func StatusFor(code string) int {
	switch code {
	case "InternalFailure", "InternalFailureException":
		return http.StatusInternalServerError
	case "ServiceUnavailable", "ServiceUnavailableException":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// Throttle fails the entries at the given indexes of a PutRecords request with
// ProvisionedThroughputExceededException, as a hot shard does.
func Throttle(indexes ...int) Fault {
	codes := make(map[int]string, len(indexes))
	for _, i := range indexes {
		codes[i] = "ProvisionedThroughputExceededException"
	}
	return Fault{EntryCodes: codes}
}
