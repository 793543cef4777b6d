// Package sdkhttptest checks, in tests, how an AWS SDK client hands requests to its HTTP client.
package sdkhttptest

import (
	"io"
	"net/http"
	"strings"
	"sync"
)

// Recorder is an HTTP client for an SDK client under test: it answers every
// request 500 InternalFailure, in the JSON protocol the Kinesis and Data API
// clients speak, and keeps each request's body as the SDK handed it over.
type Recorder struct {
	mu     sync.Mutex
	bodies []io.ReadCloser
}

// Do records req's body and answers 500 InternalFailure.
func (r *Recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.bodies = append(r.bodies, req.Body)
	r.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusInternalServerError,
		Header:     http.Header{"X-Amzn-Errortype": {"InternalFailure"}, "Content-Type": {"application/x-amz-json-1.1"}},
		Body:       io.NopCloser(strings.NewReader(`{"__type":"InternalFailure","message":"injected"}`)),
	}, nil
}

// Bodies returns the request bodies recorded so far, in order.
func (r *Recorder) Bodies() []io.ReadCloser {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]io.ReadCloser(nil), r.bodies...)
}

// PlainBodies reports whether every recorded body is a plain reader, without
// the WriteTo method that lets the SDK close a connection under an answer
// (sdkhttp.PlainBodies), and at least one request was made.
func (r *Recorder) PlainBodies() bool {
	bodies := r.Bodies()
	for _, b := range bodies {
		if _, ok := b.(io.WriterTo); ok {
			return false
		}
	}
	return len(bodies) > 0
}
