package publish

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"
)

func TestCheckStream(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		wantErr string // "" accepts
	}{
		{name: "name with every allowed kind of character", stream: "Chat_events.v2-staging"},
		{name: "128 characters", stream: strings.Repeat("s", 128)},
		{name: "ARN", stream: "arn:aws:kinesis:eu-west-1:123456789012:stream/chat-events"},
		{name: "empty", stream: "", wantErr: "a stream name has 1 to 128 characters, this has 0"},
		{name: "129 characters", stream: strings.Repeat("s", 129), wantErr: "this has 129"},
		{name: "space", stream: "chat events", wantErr: `character ' ' at byte 4 is not allowed`},
		{name: "slash", stream: "chat/events", wantErr: `character '/' at byte 4`},
		{name: "non-ASCII", stream: "chät", wantErr: `character 'ä' at byte 2`},
		{name: "invalid UTF-8", stream: "chat\xff", wantErr: `character '�' at byte 4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckStream(tt.stream)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("CheckStream(%q) = %v, want nil", tt.stream, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckStream(%q) = %v, want an error containing %q", tt.stream, err, tt.wantErr)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	fake := newFake(t, nil)
	tests := []struct {
		name   string
		client putRecordsAPI
		opts   Options
		want   string
	}{
		{name: "nil client", opts: Options{Stream: "s"}, want: "nil Kinesis client"},
		{name: "no stream", client: fake, opts: Options{}, want: "Options.Stream is required"},
		{name: "stream name with a space", client: fake, opts: Options{Stream: "chat events"}, want: `"chat events"`},
		{name: "stream name too long", client: fake, opts: Options{Stream: strings.Repeat("s", 129)}, want: strings.Repeat("s", 129)},
		{name: "negative MaxInFlight", client: fake, opts: Options{Stream: "s", MaxInFlight: -1}, want: "MaxInFlight -1"},
		{name: "negative MaxAttempts", client: fake, opts: Options{Stream: "s", MaxAttempts: -2}, want: "MaxAttempts -2"},
		{name: "negative BaseBackoff", client: fake, opts: Options{Stream: "s", BaseBackoff: -time.Second}, want: "BaseBackoff -1s"},
		{name: "negative MaxBackoff", client: fake, opts: Options{Stream: "s", MaxBackoff: -time.Second}, want: "MaxBackoff -1s"},
		{name: "base above max", client: fake, opts: Options{Stream: "s", BaseBackoff: 2 * time.Second, MaxBackoff: time.Second}, want: "BaseBackoff 2s exceeds MaxBackoff 1s"},
		{name: "base above default max", client: fake, opts: Options{Stream: "s", BaseBackoff: time.Minute}, want: "BaseBackoff 1m0s exceeds MaxBackoff 5s"},
		{name: "negative RequestTimeout", client: fake, opts: Options{Stream: "s", RequestTimeout: -time.Millisecond}, want: "RequestTimeout -1ms"},
		{name: "negative Rate", client: fake, opts: Options{Stream: "s", Rate: -1}, want: "Options.Rate -1 "},
		{name: "NaN Rate", client: fake, opts: Options{Stream: "s", Rate: math.NaN()}, want: "Options.Rate NaN "},
		{name: "infinite Rate", client: fake, opts: Options{Stream: "s", Rate: math.Inf(1)}, want: "Options.Rate +Inf "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.client, tt.opts)
			if err == nil {
				t.Fatalf("New() = %v, nil; want an error mentioning %q", p, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestNewAcceptsGoodOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{name: "defaults", opts: Options{Stream: "chat-events_1.x"}},
		{name: "stream ARN", opts: Options{Stream: "arn:aws:kinesis:us-east-1:123456789012:stream/chat-events"}},
		{name: "rate below one record per pacing interval", opts: Options{Stream: "s", Rate: 0.5}},
		{name: "equal backoffs", opts: Options{Stream: "s", BaseBackoff: time.Second, MaxBackoff: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(newFake(t, nil), tt.opts); err != nil {
				t.Errorf("New() error = %v, want nil", err)
			}
		})
	}
}

func TestStreamARNIsSentAsARN(t *testing.T) {
	const arn = "arn:aws:kinesis:us-east-1:123456789012:stream/chat-events"
	var got *kinesis.PutRecordsInput
	client := putRecordsFunc(func(_ context.Context, in *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error) {
		got = in
		return accepted(len(in.Records)), nil
	})
	p, err := New(client, Options{Stream: arn})
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	res := publish(t, t.Context(), p, small(1))
	if res.Sent != 1 || got == nil {
		t.Fatalf("Publish() = %+v, want the record sent", res)
	}
	if aws.ToString(got.StreamARN) != arn || got.StreamName != nil {
		t.Errorf("PutRecords StreamARN = %q, StreamName = %v; want the ARN only", aws.ToString(got.StreamARN), got.StreamName)
	}
}

// putRecordsFunc adapts a function to the client interface.
type putRecordsFunc func(context.Context, *kinesis.PutRecordsInput) (*kinesis.PutRecordsOutput, error)

func (f putRecordsFunc) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	return f(ctx, in)
}

func TestBatchBoundaries(t *testing.T) {
	const mib = 1 << 20
	// Ten records of 512 KiB of data and a one-byte key: 5 MiB + 10 bytes,
	// over the limit only because keys count.
	keysTipIt := make([]Record, 10)
	for i := range keysTipIt {
		keysTipIt[i] = Record{PartitionKey: "k", Data: []byte(fmt.Sprintf("b%d|", i) + strings.Repeat("x", 512<<10-len(fmt.Sprintf("b%d|", i))))}
	}
	fiveMiB := func(extra ...Record) []Record {
		out := []Record{}
		for i := range 5 {
			out = append(out, record(fmt.Sprintf("b%d", i), "user-12345", mib))
		}
		return append(out, extra...)
	}
	tests := []struct {
		name     string
		records  []Record
		requests [][]string
		want     Result
	}{
		{
			name:     "no records, no request",
			records:  nil,
			requests: nil,
			want:     Result{},
		},
		{
			name:     "exactly 500 records",
			records:  small(500),
			requests: [][]string{ids(0, 500)},
			want:     Result{Sent: 500, Requests: 1},
		},
		{
			name:     "501 records",
			records:  small(501),
			requests: [][]string{ids(0, 500), ids(500, 501)},
			want:     Result{Sent: 501, Requests: 2},
		},
		{
			name:     "1000 records",
			records:  small(1000),
			requests: [][]string{ids(0, 500), ids(500, 1000)},
			want:     Result{Sent: 1000, Requests: 2},
		},
		{
			name:     "exactly 5 MiB with partition keys",
			records:  fiveMiB(),
			requests: [][]string{{"b0", "b1", "b2", "b3", "b4"}},
			want:     Result{Sent: 5, Requests: 1},
		},
		{
			name:     "one byte over 5 MiB",
			records:  fiveMiB(Record{PartitionKey: "k"}),
			requests: [][]string{{"b0", "b1", "b2", "b3", "b4"}, {""}},
			want:     Result{Sent: 6, Requests: 2},
		},
		{
			name:     "partition keys push data under 5 MiB over it",
			records:  keysTipIt,
			requests: [][]string{{"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"}, {"b9"}},
			want:     Result{Sent: 10, Requests: 2},
		},
		{
			name: "records of exactly 1 MiB are sent, one byte more is not",
			records: []Record{
				record("fits", "user-1", mib),
				record("over", "user-1", mib+1),
				record("small", "user-1", 0),
			},
			requests: [][]string{{"fits", "small"}},
			want:     Result{Sent: 2, Failed: 1, Requests: 1, FailureCodes: map[string]int{CodeRecordTooLarge: 1}},
		},
		{
			name: "partition key counts toward the record limit",
			records: []Record{
				{PartitionKey: "user-1", Data: []byte("over|" + strings.Repeat("x", mib-5))},
			},
			requests: nil,
			want:     Result{Failed: 1, FailureCodes: map[string]int{CodeRecordTooLarge: 1}},
		},
		{
			name: "partition keys of 1 to 256 characters",
			records: []Record{
				record("empty", "", 0),
				record("max", strings.Repeat("é", 256), 0),
				record("long", strings.Repeat("é", 257), 0),
			},
			requests: [][]string{{"max"}},
			want:     Result{Sent: 1, Failed: 2, Requests: 1, FailureCodes: map[string]int{CodeInvalidPartitionKey: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, nil)
			p, _ := newPublisher(t, fake, Options{MaxInFlight: 1})
			got := publish(t, t.Context(), p, tt.records)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.requests, fake.sent()); diff != "" {
				t.Errorf("requests mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPartialFailureResendsOnlyFailedEntries(t *testing.T) {
	// GIVEN a stream that fails r1 and r3 of the first request, and r3 again
	// in the second
	failures := map[int]map[string]string{
		1: {"r1": "ProvisionedThroughputExceededException", "r3": "InternalFailure"},
		2: {"r3": "ProvisionedThroughputExceededException"},
	}
	fake := newFake(t, func(_ context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
		codes := make([]string, len(ids))
		for i, id := range ids {
			codes[i] = failures[call][id]
		}
		return withCodes(codes), nil
	})
	p, clk := newPublisher(t, fake, Options{})

	// WHEN five records are published
	got := publish(t, t.Context(), p, small(5))

	// THEN each resend carries exactly the entries that failed
	wantRequests := [][]string{{"r0", "r1", "r2", "r3", "r4"}, {"r1", "r3"}, {"r3"}}
	if diff := cmp.Diff(wantRequests, fake.sent()); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Result{Sent: 5, Requests: 3, Retries: 3}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if n := len(clk.slept()); n != 2 {
		t.Errorf("slept %d times, want a backoff before each of 2 resends", n)
	}
}

func TestPartialFailureWithPermanentEntryError(t *testing.T) {
	fake := newFake(t, func(_ context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
		codes := make([]string, len(ids))
		if call == 1 {
			codes[0] = "KMSAccessDeniedException"
			codes[1] = "ProvisionedThroughputExceededException"
		}
		return withCodes(codes), nil
	})
	p, _ := newPublisher(t, fake, Options{})
	got := publish(t, t.Context(), p, small(3))
	if diff := cmp.Diff([][]string{{"r0", "r1", "r2"}, {"r1"}}, fake.sent()); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	want := Result{Sent: 2, Failed: 1, Requests: 2, Retries: 1, FailureCodes: map[string]int{"KMSAccessDeniedException": 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
}

// apiFailure is how the SDK reports an error answer: an OperationError
// around an HTTP response error around the API error.
func apiFailure(status int, err error) error {
	return &smithy.OperationError{ServiceID: "Kinesis", OperationName: "PutRecords", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err},
	}}
}

// networkFailure is how the SDK reports a request that got no answer.
func networkFailure() error {
	return &smithy.OperationError{ServiceID: "Kinesis", OperationName: "PutRecords", Err: &smithyhttp.RequestSendError{
		Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
	}}
}

// Transient failures, whole-request or per-entry: each is retried until it
// stops or MaxAttempts is reached.
var transientFailures = []struct {
	name string
	code string
	// fail answers a call that fails, for the records ids.
	fail func(ids []string) (*kinesis.PutRecordsOutput, error)
}{
	{"every entry throttled", "ProvisionedThroughputExceededException", func(ids []string) (*kinesis.PutRecordsOutput, error) {
		return withCodes(repeat("ProvisionedThroughputExceededException", len(ids))), nil
	}},
	{"every entry internal failure", "InternalFailure", func(ids []string) (*kinesis.PutRecordsOutput, error) {
		return withCodes(repeat("InternalFailure", len(ids))), nil
	}},
	{"request throttled", "ProvisionedThroughputExceededException", func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, apiFailure(400, &types.ProvisionedThroughputExceededException{Message: aws.String("Rate exceeded")})
	}},
	{"limit exceeded", "LimitExceededException", func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, apiFailure(400, &types.LimitExceededException{})
	}},
	{"KMS throttling", "KMSThrottlingException", func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, apiFailure(400, &types.KMSThrottlingException{})
	}},
	{"500 internal failure", "InternalFailureException", func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, apiFailure(500, &types.InternalFailureException{})
	}},
	{"503 service unavailable", "ServiceUnavailable", func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, apiFailure(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"})
	}},
	{"502 from a proxy, not JSON", CodeMalformedResponse, func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, apiFailure(502, &smithy.DeserializationError{Err: errors.New("invalid character '<'")})
	}},
	{"connection reset", CodeNetworkError, func([]string) (*kinesis.PutRecordsOutput, error) {
		return nil, networkFailure()
	}},
	{"answer with too few entries", CodeMalformedResponse, func(ids []string) (*kinesis.PutRecordsOutput, error) {
		return accepted(len(ids) - 1), nil
	}},
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestTransientFailuresAreRetriedThenSucceed(t *testing.T) {
	const maxAttempts = 5
	for _, tt := range transientFailures {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a stream that fails 4 times in a row, then accepts
			fake := newFake(t, func(_ context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
				if call < maxAttempts {
					return tt.fail(ids)
				}
				return accepted(len(ids)), nil
			})
			p, clk := newPublisher(t, fake, Options{MaxAttempts: maxAttempts, BaseBackoff: 100 * time.Millisecond, MaxBackoff: 250 * time.Millisecond})

			// WHEN 300 records are published
			got := publish(t, t.Context(), p, small(300))

			// THEN the fifth attempt delivers all, each resend carrying all 300
			if diff := cmp.Diff(Result{Sent: 300, Requests: 5, Retries: 4 * 300}, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
			for i, req := range fake.sent() {
				if diff := cmp.Diff(ids(0, 300), req); diff != "" {
					t.Errorf("request %d mismatch (-want +got):\n%s", i+1, diff)
				}
			}
			// AND it backed off before each resend, under a ceiling that
			// doubles from the base to the cap
			ceilings := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
			slept := clk.slept()
			if len(slept) != len(ceilings) {
				t.Fatalf("slept %v, want %d backoffs", slept, len(ceilings))
			}
			for i, d := range slept {
				if d < 0 || d > ceilings[i] {
					t.Errorf("backoff %d = %s, want within [0, %s]", i+1, d, ceilings[i])
				}
			}
		})
	}
}

func TestTransientFailuresBeyondMaxAttemptsFail(t *testing.T) {
	const maxAttempts = 3
	for _, tt := range transientFailures {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, func(_ context.Context, _ int, ids []string) (*kinesis.PutRecordsOutput, error) {
				return tt.fail(ids)
			})
			p, _ := newPublisher(t, fake, Options{MaxAttempts: maxAttempts})
			got := publish(t, t.Context(), p, small(700))
			// Two batches (500 + 200), each sent three times.
			want := Result{Failed: 700, Requests: 2 * maxAttempts, Retries: 2 * 700, FailureCodes: map[string]int{tt.code: 700}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPermanentFailuresAreNotRetried(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"stream not found", apiFailure(400, &types.ResourceNotFoundException{}), "ResourceNotFoundException"},
		{"access denied", apiFailure(400, &types.AccessDeniedException{}), "AccessDeniedException"},
		{"KMS access denied", apiFailure(400, &types.KMSAccessDeniedException{}), "KMSAccessDeniedException"},
		{"invalid argument", apiFailure(400, &types.InvalidArgumentException{}), "InvalidArgumentException"},
		{"validation", apiFailure(400, &smithy.GenericAPIError{Code: "ValidationException"}), "ValidationException"},
		{"403 from a proxy, not JSON", apiFailure(403, &smithy.DeserializationError{Err: errors.New("invalid character '<'")}), CodeMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, func(context.Context, int, []string) (*kinesis.PutRecordsOutput, error) {
				return nil, tt.err
			})
			p, clk := newPublisher(t, fake, Options{})
			got := publish(t, t.Context(), p, small(501))
			want := Result{Failed: 501, Requests: 2, FailureCodes: map[string]int{tt.code: 501}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
			}
			if slept := clk.slept(); len(slept) != 0 {
				t.Errorf("slept %v, want no backoff for a permanent failure", slept)
			}
		})
	}
}

func TestHungRequestTimesOutAndIsResent(t *testing.T) {
	const timeout = 20 * time.Millisecond
	fake := newFake(t, func(ctx context.Context, call int, ids []string) (*kinesis.PutRecordsOutput, error) {
		if call == 1 {
			deadline, ok := ctx.Deadline()
			if !ok || time.Until(deadline) > timeout {
				t.Errorf("request context deadline = %v (set %v), want within %s", deadline, ok, timeout)
			}
			<-ctx.Done()
			return nil, &smithy.OperationError{ServiceID: "Kinesis", OperationName: "PutRecords", Err: &smithy.CanceledError{Err: ctx.Err()}}
		}
		return accepted(len(ids)), nil
	})
	p, _ := newPublisher(t, fake, Options{RequestTimeout: timeout})
	got := publish(t, t.Context(), p, small(10))
	if diff := cmp.Diff(Result{Sent: 10, Requests: 2, Retries: 10}, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
}

func TestNoTimeLeftToBackOffFailsWithTheLastCode(t *testing.T) {
	// GIVEN a backoff of about an hour and a deadline in a minute
	fake := newFake(t, func(_ context.Context, _ int, ids []string) (*kinesis.PutRecordsOutput, error) {
		return withCodes(repeat("ProvisionedThroughputExceededException", len(ids))), nil
	})
	p, clk := newPublisher(t, fake, Options{BaseBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	// WHEN the stream throttles every record
	got := publish(t, ctx, p, small(4))

	// THEN Publish gives up at once, reporting the throttling, not the deadline
	want := Result{Failed: 4, Requests: 1, FailureCodes: map[string]int{"ProvisionedThroughputExceededException": 4}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}
	if slept := clk.slept(); len(slept) != 0 {
		t.Errorf("slept %v, want no sleep past the deadline", slept)
	}
}
