package publish

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

func TestBackoffIsFullJitterUnderADoublingCeiling(t *testing.T) {
	p, err := New(newFake(t, nil), Options{
		Stream:      testStream,
		BaseBackoff: 100 * time.Millisecond,
		MaxBackoff:  time.Second,
		Rand:        rand.New(rand.NewPCG(3, 4)),
	})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, c := range ceilings {
		retry, ceiling := i+1, c*time.Millisecond
		t.Run(fmt.Sprintf("retry %d", retry), func(t *testing.T) {
			lo, hi := ceiling, time.Duration(0)
			for range 2000 {
				d := p.backoff(retry)
				if d < 0 || d > ceiling {
					t.Fatalf("backoff(%d) = %s, want within [0, %s]", retry, d, ceiling)
				}
				lo, hi = min(lo, d), max(hi, d)
			}
			// Full jitter spreads over the whole range, down to zero: an
			// "equal jitter" scheme would never go below half the ceiling.
			if lo > ceiling/20 || hi < ceiling*19/20 {
				t.Errorf("backoff(%d) spans [%s, %s] over 2000 draws, want nearly [0, %s]", retry, lo, hi, ceiling)
			}
		})
	}
	if d := p.backoff(10_000); d > time.Second {
		t.Errorf("backoff(10000) = %s, want at most MaxBackoff 1s", d)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		code      string
		retryable bool
	}{
		{"throttled", apiFailure(400, &types.ProvisionedThroughputExceededException{}), "ProvisionedThroughputExceededException", true},
		{"unknown code on a 500", apiFailure(500, &smithy.GenericAPIError{Code: "SomethingNew"}), "SomethingNew", true},
		{"unknown code on a 400", apiFailure(400, &smithy.GenericAPIError{Code: "SomethingNew"}), "SomethingNew", false},
		{"server fault without status", &smithy.GenericAPIError{Code: "Oops", Fault: smithy.FaultServer}, "Oops", true},
		{"not found", apiFailure(400, &types.ResourceNotFoundException{}), "ResourceNotFoundException", false},
		{"request timeout", &smithy.OperationError{Err: &smithy.CanceledError{Err: context.DeadlineExceeded}}, CodeRequestTimeout, true},
		{"connection refused", networkFailure(), CodeNetworkError, true},
		{"any other error", errors.New("EOF"), CodeNetworkError, true},
		{"garbled 200", apiFailure(200, &smithy.DeserializationError{Err: errors.New("unexpected EOF")}), CodeMalformedResponse, true},
		{"garbled 404", apiFailure(404, &smithy.DeserializationError{Err: errors.New("not JSON")}), CodeMalformedResponse, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, retryable := classify(tt.err)
			if code != tt.code || retryable != tt.retryable {
				t.Errorf("classify(%v) = %q, %v; want %q, %v", tt.err, code, retryable, tt.code, tt.retryable)
			}
		})
	}
}
