// Package sdkhttptest checks, in tests, how an AWS SDK client hands requests to its HTTP client.
package sdkhttptest

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
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

// CheckDataAPIPlainBodies fails t unless a Data API client built with
// optFns, as a Lambda's main builds its own, hands its HTTP client request
// bodies without WriteTo (sdkhttp.PlainBodies).
func CheckDataAPIPlainBodies(t testing.TB, optFns ...func(*redshiftdata.Options)) {
	t.Helper()
	// GIVEN the Data API client built with optFns, over an HTTP client that
	// records what it is handed
	rec := &Recorder{}
	client := redshiftdata.New(redshiftdata.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   rec,
		Retryer:      aws.NopRetryer{},
	}, optFns...)
	// WHEN it makes a call
	_, err := client.DescribeStatement(t.Context(), &redshiftdata.DescribeStatementInput{Id: aws.String("00000000-0000-0000-0000-000000000000")})
	// THEN the request body reached the HTTP client without WriteTo
	if err == nil {
		t.Fatal("DescribeStatement() error = nil, want the recorder's InternalFailure")
	}
	if !rec.PlainBodies() {
		t.Errorf("request bodies %T: want plain readers without WriteTo (sdkhttp.PlainBodies)", rec.Bodies()[0])
	}
}
