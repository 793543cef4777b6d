package loadcall

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/chatstream/chatstream/lambda/load"
	"github.com/google/go-cmp/cmp"
)

// fakeLambda answers every Invoke with out (or err) and records the input.
type fakeLambda struct {
	out *lambda.InvokeOutput
	err error
	in  []*lambda.InvokeInput
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.in = append(f.in, in)
	return f.out, f.err
}

func TestInvoke(t *testing.T) {
	ok := `{"load_id":"load-20261127T101500Z-0a1b2c3d","mode":"scheduled","refreshed":true,"streamed":1210,"landed":0,"moved":1210,"inserted":1200,"duplicates":10,"rejected":0,"duration_ms":5210}`
	tests := []struct {
		name    string
		api     *fakeLambda
		want    load.Result
		wantErr string
	}{
		{
			name: "a load's result",
			api:  &fakeLambda{out: &lambda.InvokeOutput{Payload: []byte(ok)}},
			want: load.Result{ID: "load-20261127T101500Z-0a1b2c3d", Mode: "scheduled", Refreshed: true, Streamed: 1210, Moved: 1210,
				Inserted: 1200, Duplicates: 10, DurationMS: 5210},
		},
		{
			name: "a load that stopped says where",
			api: &fakeLambda{out: &lambda.InvokeOutput{FunctionError: aws.String("Unhandled"),
				Payload: []byte(`{"errorType":"Error","errorMessage":"load load-x stopped at move: ... FAILED"}`)}},
			wantErr: "load by chatstream-staging-loader: function returned Error: load load-x stopped at move",
		},
		{
			name:    "Lambda refuses",
			api:     &fakeLambda{err: errors.New("TooManyRequestsException")},
			wantErr: "invoke chatstream-staging-loader: TooManyRequestsException",
		},
		{
			name:    "not a load's result",
			api:     &fakeLambda{out: &lambda.InvokeOutput{Payload: []byte(`{"sent":10}`)}},
			wantErr: `decode the result of chatstream-staging-loader, "{\"sent\":10}"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Invoke(t.Context(), tt.api, "chatstream-staging-loader")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Invoke = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Invoke (-want +got):\n%s", diff)
			}
			// THEN it invoked the function synchronously with what the schedule sends
			in := tt.api.in[0]
			if aws.ToString(in.FunctionName) != "chatstream-staging-loader" || in.InvocationType != types.InvocationTypeRequestResponse || string(in.Payload) != "{}" {
				t.Errorf("Invoke input = %s %s %s, want the loader, RequestResponse, {}", aws.ToString(in.FunctionName), in.InvocationType, in.Payload)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	got := Summary(load.Result{ID: "load-1", Mode: "scheduled", Refreshed: true, Streamed: 1200, Landed: 10, Moved: 1210, Inserted: 1190, Duplicates: 15, Rejected: 5, DurationMS: 4200})
	want := "load load-1 (scheduled mode): refreshed the streaming view, moved 1210 rows (1200 from the view, 10 left in the landing table), inserted 1190 events, skipped 15 duplicates, rejected 5, in 4200 ms"
	if got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}
