package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// runAsProducer asks the test binary to be the producer: TestMain then
// runs main instead of the tests.
const runAsProducer = "CHATSTREAM_TEST_RUN_PRODUCER"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProducer) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// startProducer runs main in a process of its own with exactly env (and
// JSON logs, as the stack configures), and returns its output and exit code.
func startProducer(t *testing.T, env map[string]string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	// HOME keeps this machine's AWS profile out of the SDK's reach.
	cmd.Env = []string{runAsProducer + "=1", "AWS_LAMBDA_LOG_FORMAT=JSON", "HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		return string(out), exit.ExitCode()
	}
	t.Fatalf("run the producer: %v; output:\n%s", err, out)
	return "", 0
}

// A bad environment stops the producer at start-up, before it asks the
// runtime for an invocation, with one log line naming the variable and its
// value.
func TestBadEnvironmentStopsStartUp(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "nothing set", env: nil, wantErr: `STREAM_NAME="": required`},
		{name: "stream name with a space", env: map[string]string{"STREAM_NAME": "chat events"}, wantErr: `STREAM_NAME="chat events": character ' ' at byte 4`},
		{name: "count zero", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": "0"}, wantErr: `EVENTS_PER_INVOCATION="0": 0 is out of range: want 1 to 1000000`},
		{name: "count empty", env: map[string]string{"STREAM_NAME": "s", "EVENTS_PER_INVOCATION": ""}, wantErr: `EVENTS_PER_INVOCATION="": set but empty`},
		{name: "rate negative", env: map[string]string{"STREAM_NAME": "s", "RATE": "-2"}, wantErr: `RATE="-2": -2 is negative`},
		{name: "users not a number", env: map[string]string{"STREAM_NAME": "s", "USERS": "lots"}, wantErr: `USERS="lots": "lots" is not a number`},
		{name: "seed out of range", env: map[string]string{"STREAM_NAME": "s", "SEED": "18446744073709551616"}, wantErr: `SEED="18446744073709551616": want a whole number`},
		{name: "window as a duration", env: map[string]string{"STREAM_NAME": "s", "WINDOW_SECONDS": "1m"}, wantErr: `WINDOW_SECONDS="1m": "1m" is not a number in plain decimal`},
		{name: "rhythm misspelt", env: map[string]string{"STREAM_NAME": "s", "RHYTHM": "of"}, wantErr: `RHYTHM="of": "of" is not key=value`},
		{name: "dirty ratio a percentage", env: map[string]string{"STREAM_NAME": "s", "DIRTY_RATIO": "10"}, wantErr: `DIRTY_RATIO="10": 10 is out of range: want 0 to 1`},
		{name: "a rate one key cannot take", env: map[string]string{"STREAM_NAME": "s", "RATE": "100000"}, wantErr: `the busiest user would send 2571 events/s to one partition key`},
		{name: "request timeout without unit", env: map[string]string{"STREAM_NAME": "s", "PUT_RECORDS_TIMEOUT": "30"}, wantErr: `PUT_RECORDS_TIMEOUT="30": want a duration from 1s to 1m0s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, code := startProducer(t, tt.env)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			var line struct {
				Level   string `json:"level"`
				Message string `json:"message"`
				Error   string `json:"error"`
			}
			if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &line) != nil {
				t.Fatalf("output:\n%s\nwant exactly one JSON log line", out)
			}
			if line.Level != "ERROR" || line.Message != "invalid configuration" || !strings.Contains(line.Error, tt.wantErr) {
				t.Errorf("logged %s, want an ERROR %q whose error contains %q", lines[0], "invalid configuration", tt.wantErr)
			}
		})
	}
}

// The control for the test above: a good environment passes start-up and
// reaches the Lambda runtime client, which, outside Lambda, finds no
// runtime API to ask for invocations.
func TestGoodEnvironmentReachesTheRuntime(t *testing.T) {
	out, code := startProducer(t, map[string]string{
		"STREAM_NAME": "chat-events", "EVENTS_PER_INVOCATION": "10", "RATE": "5", "USERS": "20", "SEED": "1", "PUT_RECORDS_TIMEOUT": "30s", "AWS_REGION": "us-east-1",
		"WINDOW_SECONDS": "60", "RHYTHM": "peak=20,trough=0.3", "DIRTY_RATIO": "0.01",
	})
	if code == 0 || strings.Contains(out, "invalid configuration") || !strings.Contains(out, "AWS_LAMBDA_RUNTIME_API") {
		t.Errorf("exit code %d, output:\n%s\nwant a failure to find the runtime API, not a configuration error", code, out)
	}
}

// The producer's Kinesis client makes one attempt per call, leaving the
// retries to publish, and hands the HTTP client request bodies without
// WriteTo, so that an answer that has arrived is not lost (see
// sdkhttp.PlainBodies).
func TestKinesisClientSettings(t *testing.T) {
	// GIVEN an HTTP client that answers every request 500 InternalFailure
	var bodies []io.ReadCloser
	httpClient := doFunc(func(req *http.Request) (*http.Response, error) {
		bodies = append(bodies, req.Body)
		return &http.Response{
			StatusCode: http.StatusInternalServerError,
			Header:     http.Header{"X-Amzn-Errortype": {"InternalFailure"}, "Content-Type": {"application/x-amz-json-1.1"}},
			Body:       io.NopCloser(strings.NewReader(`{"__type":"InternalFailure","message":"injected"}`)),
		}, nil
	})
	client := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDPRODUCER", "test-secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   httpClient,
	}, kinesisOptions)

	// WHEN the producer's client puts a record
	_, err := client.PutRecords(t.Context(), &kinesis.PutRecordsInput{
		StreamName: aws.String("chat-events"),
		Records:    []types.PutRecordsRequestEntry{{PartitionKey: aws.String("1"), Data: []byte("{}")}},
	})

	// THEN it made one attempt, with a body that has no WriteTo
	if err == nil || !strings.Contains(err.Error(), "InternalFailure") {
		t.Errorf("PutRecords() error = %v, want the InternalFailure answer", err)
	}
	if len(bodies) != 1 {
		t.Fatalf("the HTTP client got %d requests, want 1: no SDK retries", len(bodies))
	}
	if _, ok := bodies[0].(io.WriterTo); ok {
		t.Errorf("the HTTP client got a request body of %T, with WriteTo; want a plain reader", bodies[0])
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }
