package localrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/chatstream/chatstream/lambda/produce"
	"github.com/google/go-cmp/cmp"
)

func TestParseInvocation(t *testing.T) {
	tests := []struct {
		name          string
		payload       string
		functionError string
		want          Result
		wantFuncErr   *FunctionError
		wantErr       string
	}{
		{
			name:    "full result",
			payload: `{"sent":500,"failed":0,"requests":1,"retries":0,"duration_ms":812,"generated":500}`,
			want:    Result{Sent: 500, Requests: 1, DurationMS: 812, Generated: 500},
		},
		{
			name:    "without generated",
			payload: `{"sent":3,"failed":1,"requests":2,"retries":1,"duration_ms":5}`,
			want:    Result{Sent: 3, Failed: 1, Requests: 2, Retries: 1, DurationMS: 5},
		},
		{
			name:        "emulator error body without header",
			payload:     `{"errorMessage":"2 of 500 records failed","errorType":"errorString"}`,
			wantFuncErr: &FunctionError{Type: "errorString", Message: "2 of 500 records failed"},
		},
		{
			name:          "Lambda error header with an error body",
			payload:       `{"errorMessage":"boom","errorType":"errorString"}`,
			functionError: "Unhandled",
			wantFuncErr:   &FunctionError{Type: "errorString", Message: "boom"},
		},
		{
			name:          "Lambda error header with any body",
			payload:       `"killed"`,
			functionError: "Unhandled",
			wantFuncErr:   &FunctionError{Type: "Unhandled", Message: `"killed"`},
		},
		{
			name:        "delivery error: the counts its message gives",
			payload:     `{"errorMessage":"sent 24 of 100 events to chatstream-local; 70 failed (RequestTimeout=70); 6 not generated before the deadline","errorType":"DeliveryError"}`,
			want:        Result{Sent: 24, Failed: 70, Generated: 94},
			wantFuncErr: &FunctionError{Type: "DeliveryError", Message: "sent 24 of 100 events to chatstream-local; 70 failed (RequestTimeout=70); 6 not generated before the deadline"},
		},
		{
			name:        "delivery error without failures",
			payload:     `{"errorMessage":"sent 40 of 50 events to s; 10 not generated before the deadline","errorType":"DeliveryError"}`,
			want:        Result{Sent: 40, Generated: 40},
			wantFuncErr: &FunctionError{Type: "DeliveryError", Message: "sent 40 of 50 events to s; 10 not generated before the deadline"},
		},
		{
			name:        "another error type with a similar message",
			payload:     `{"errorMessage":"sent 24 of 100 events to s","errorType":"errorString"}`,
			wantFuncErr: &FunctionError{Type: "errorString", Message: "sent 24 of 100 events to s"},
		},
		{
			name:    "null from a handler without result",
			payload: `null`,
			wantErr: "lacks one of sent",
		},
		{
			name:    "missing retries",
			payload: `{"sent":1,"failed":0,"requests":1,"duration_ms":5}`,
			wantErr: "lacks one of sent",
		},
		{
			name:    "not JSON",
			payload: `ok`,
			wantErr: `decode function result "ok"`,
		},
		{
			name:    "sent and failed do not add up to generated",
			payload: `{"sent":4,"failed":0,"requests":1,"retries":0,"duration_ms":5,"generated":5}`,
			want:    Result{Sent: 4, Requests: 1, DurationMS: 5, Generated: 5},
			wantErr: "sent + failed = 4, want generated = 5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvocation([]byte(tt.payload), tt.functionError)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseInvocation result mismatch (-want +got):\n%s", diff)
			}
			var fe *FunctionError
			switch {
			case tt.wantFuncErr != nil:
				if !errors.As(err, &fe) {
					t.Fatalf("ParseInvocation error = %v, want a *FunctionError", err)
				}
				if diff := cmp.Diff(tt.wantFuncErr, fe); diff != "" {
					t.Errorf("function error mismatch (-want +got):\n%s", diff)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.As(err, &fe) {
					t.Errorf("ParseInvocation error = %v, want a plain error containing %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("ParseInvocation error = %v, want nil", err)
			}
		})
	}
}

// fakeInvoker records the request and answers with a fixed response.
type fakeInvoker struct {
	out      *lambda.InvokeOutput
	err      error
	got      *lambda.InvokeInput
	deadline time.Time
}

func (f *fakeInvoker) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.got = in
	f.deadline, _ = ctx.Deadline()
	return f.out, f.err
}

func TestInvoke(t *testing.T) {
	api := &fakeInvoker{out: &lambda.InvokeOutput{
		StatusCode: 200,
		Payload:    []byte(`{"sent":2,"failed":0,"requests":1,"retries":0,"duration_ms":3}`),
	}}
	before := time.Now()
	inv, err := invoke(context.Background(), api, []byte(`{"count":2}`), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(api.got.FunctionName); got != "function" {
		t.Errorf("FunctionName = %q, want the emulator's fixed name %q", got, "function")
	}
	if got := string(api.got.Payload); got != `{"count":2}` {
		t.Errorf("Payload = %s, want the event as given", got)
	}
	if api.deadline.IsZero() || api.deadline.Before(before.Add(time.Minute)) || api.deadline.After(time.Now().Add(time.Minute)) {
		t.Errorf("invocation deadline = %v, want one minute from the call", api.deadline)
	}
	if diff := cmp.Diff(Result{Sent: 2, Requests: 1, DurationMS: 3}, inv.Result); diff != "" {
		t.Errorf("result mismatch (-want +got):\n%s", diff)
	}
}

func TestInvokeErrors(t *testing.T) {
	transport := errors.New("connection refused")
	_, err := invoke(context.Background(), &fakeInvoker{err: transport}, nil, time.Second)
	if !errors.Is(err, transport) || !strings.HasPrefix(err.Error(), "invoke function: ") {
		t.Errorf("transport failure: error = %v, want it wrapped with context", err)
	}

	body := []byte(`{"errorMessage":"3 of 10 records failed","errorType":"errorString"}`)
	inv, err := invoke(context.Background(), &fakeInvoker{out: &lambda.InvokeOutput{Payload: body, FunctionError: aws.String("Unhandled")}}, nil, time.Second)
	var fe *FunctionError
	if !errors.As(err, &fe) || fe.Message != "3 of 10 records failed" {
		t.Errorf("function error: error = %v, want *FunctionError with the message", err)
	}
	if string(inv.Payload) != string(body) {
		t.Errorf("function error: payload = %s, want the body kept for printing", inv.Payload)
	}
}

// TestDeliveryErrorContract reads the message of the producer's own
// DeliveryError, so that a change to its wording fails here and not in a
// read-back that expects 0 events.
func TestDeliveryErrorContract(t *testing.T) {
	for _, res := range []produce.Result{
		{Requested: 100, Generated: 94, Sent: 24, Failed: 70, FailureCodes: map[string]int{"RequestTimeout": 50, "DeadlineExceeded": 20}},
		{Requested: 20000, Generated: 12500, Sent: 12500},
		{Requested: 10, Generated: 10, Sent: 0, Failed: 10, FailureCodes: map[string]int{"AccessDeniedException": 10}},
	} {
		fe := &FunctionError{Type: "DeliveryError", Message: (&produce.DeliveryError{Stream: "chatstream-local", Result: res}).Error()}
		got, ok := deliveryResult(fe)
		want := Result{Sent: res.Sent, Failed: res.Failed, Generated: res.Generated}
		if !ok || got != want {
			t.Errorf("deliveryResult(%q) = %+v, %t; want %+v, true", fe.Message, got, ok, want)
		}
	}
}
