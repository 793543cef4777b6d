package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/sdkhttp/sdkhttptest"
	"github.com/chatstream/chatstream/lambda/ddl"
	chatsql "github.com/chatstream/chatstream/sql"
)

// TestBinaryUnderRuntimeEmulator runs the real bootstrap under the Lambda
// Runtime Interface Emulator, once per Handler setting, against an HTTP fake
// of the Data API on 127.0.0.1: the runtime path, the _HANDLER switch, the
// JSON the Provider framework reads, and the SDK's wire format and error
// decoding, which the in-memory fake in package ddl cannot show.
func TestBinaryUnderRuntimeEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda and the emulator")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	root, err := localrun.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bootstrap := buildRunner(ctx, t, root, dir)
	rie, err := localrun.BuildEmulator(ctx, root, dir)
	if err != nil {
		t.Fatal(err)
	}
	api := newDataAPIServer()
	srv := httptest.NewServer(api) // listens on 127.0.0.1
	defer srv.Close()

	start := func(handler string) *lambda.Client {
		work := filepath.Join(dir, handler)
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		em, err := localrun.StartEmulator(ctx, localrun.EmulatorConfig{
			Binary:    rie,
			Bootstrap: bootstrap,
			WorkDir:   work,
			Env: map[string]string{
				"_HANDLER":                       handler,
				"AWS_LAMBDA_FUNCTION_NAME":       "chatstream-sqlrunner-local",
				"AWS_REGION":                     "eu-west-1",
				"AWS_ACCESS_KEY_ID":              "local",
				"AWS_SECRET_ACCESS_KEY":          "local",
				"AWS_ENDPOINT_URL_REDSHIFT_DATA": srv.URL,
			},
			FunctionTimeout: 60 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := em.Stop(); err != nil {
				t.Error(err)
			}
			if t.Failed() {
				if b, err := os.ReadFile(em.Log); err == nil {
					t.Logf("%s log:\n%s", handler, b)
				}
			}
		})
		return lambda.New(lambda.Options{
			Region:       "eu-west-1",
			BaseEndpoint: aws.String(em.Endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
			Retryer:      aws.NopRetryer{},
		})
	}
	onEvent := start(ddl.OnEventHandler)
	isComplete := start(ddl.IsCompleteHandler)

	// provide plays the Provider framework: onEvent, then isComplete with
	// onEvent's answer merged into the request, until it completes or fails.
	provide := func(t *testing.T, event map[string]any) (map[string]string, string) {
		t.Helper()
		var on map[string]any
		if fnErr := invoke(ctx, t, onEvent, event, &on); fnErr != "" {
			return nil, fnErr
		}
		if on["PhysicalResourceId"] != "chatstream-staging/dev" || on["StatementId"] == "" || on["SubmittedAt"] == nil {
			t.Fatalf("onEvent answered %v; want the PhysicalResourceId chatstream-staging/dev, a StatementId and SubmittedAt", on)
		}
		for k, v := range on {
			event[k] = v
		}
		for poll := 1; poll <= 20; poll++ {
			var done struct {
				IsComplete bool
				Data       map[string]string
			}
			if fnErr := invoke(ctx, t, isComplete, event, &done); fnErr != "" {
				return nil, fnErr
			}
			if done.IsComplete {
				return done.Data, ""
			}
		}
		t.Fatal("isComplete never returned true")
		return nil, ""
	}

	t.Run("create", func(t *testing.T) {
		api.reset()
		api.throttle = 1 // the SDK retries it within the invocation
		api.pending = 2  // the batch runs for two describes
		data, fnErr := provide(t, createEvent(t, "request-create"))
		if fnErr != "" {
			t.Fatalf("the request failed: %s", fnErr)
		}
		// One batch of the statement timeout and the 15 statements, followed by its id.
		if got := api.batches(); len(got) != 1 || len(got[0]) != 16 || !strings.HasSuffix(got[0][0], "SET statement_timeout TO 1680000") ||
			!strings.Contains(got[0][9], "CREATE MATERIALIZED VIEW") {
			t.Errorf("batches submitted = %q; want one of the statement timeout and 15 statements", got)
		}
		if got := api.describedIDs(); len(got) != 3 || got[0] != "batch-1" || got[2] != "batch-1" {
			t.Errorf("described %v; want batch-1 three times", got)
		}
		if data["EventsTable"] != `"chatstream".chat_events` {
			t.Errorf("Data = %v; want EventsTable \"chatstream\".chat_events", data)
		}
	})

	t.Run("failed statement fails the deploy with Redshift's message", func(t *testing.T) {
		api.reset()
		api.failAt = 10
		api.message = "ERROR: Not authorized to get credentials of role arn:aws:iam::123456789012:role/chatstream-staging-streaming"
		_, fnErr := provide(t, createEvent(t, "request-fail"))
		want := "statement 9 of 15 (create_stream_view) FAILED: ERROR: Not authorized to get credentials of role"
		if !strings.Contains(fnErr, want) {
			t.Errorf("function error = %s; want it to contain %q", fnErr, want)
		}
	})
}

// buildRunner compiles this command for the machine running the test, with
// the Lambda build's tags.
func buildRunner(ctx context.Context, t *testing.T, root, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, "./lambda/sqlrunner")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build sqlrunner: %v\n%s", err, b)
	}
	return out
}

func createEvent(t *testing.T, requestID string) map[string]any {
	t.Helper()
	params := chatsql.DefaultParams("chat-events-staging")
	props, err := ddl.ResourceProperties("chatstream-staging", "dev",
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatstream-staging-admin-AbCdEf", params, false, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	props["ServiceToken"] = "arn:aws:lambda:eu-west-1:123456789012:function:provider-onEvent"
	return map[string]any{
		"RequestType":        "Create",
		"RequestId":          requestID,
		"StackId":            "arn:aws:cloudformation:eu-west-1:123456789012:stack/chatstream-staging/guid",
		"LogicalResourceId":  "IngestionDdl",
		"ResourceType":       "Custom::IngestionDdl",
		"ResponseURL":        "https://example.invalid/response",
		"ResourceProperties": props,
	}
}

// invoke calls the function once and decodes its answer into out. It
// returns the function's error message, or "" when it succeeded.
func invoke(ctx context.Context, t *testing.T, fn *lambda.Client, event map[string]any, out any) string {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fn.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("function"), Payload: payload})
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	// The emulator does not always set FunctionError; the payload tells.
	var fnErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(resp.Payload, &fnErr) == nil && fnErr.ErrorMessage != "" {
		return fnErr.ErrorMessage
	}
	if resp.FunctionError != nil {
		return string(resp.Payload)
	}
	if err := json.Unmarshal(resp.Payload, out); err != nil {
		t.Fatalf("decode %s: %v", resp.Payload, err)
	}
	return ""
}

// dataAPIServer speaks the Data API's JSON 1.1 protocol for
// BatchExecuteStatement, DescribeStatement and CancelStatement. A batch is
// STARTED for pending describes, then FINISHED, or FAILED at its failAt-th
// statement with message.
type dataAPIServer struct {
	mu        sync.Mutex
	throttle  int // BatchExecuteStatement calls still to refuse with ThrottlingException
	pending   int // describes of a batch that still report it STARTED
	failAt    int // 1-based position of the statement that fails, 0 for none
	message   string
	submitted [][]string
	described []string
	describes map[string]int
}

func newDataAPIServer() *dataAPIServer {
	s := &dataAPIServer{}
	s.reset()
	return s
}

func (s *dataAPIServer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.pending, s.failAt, s.message, s.submitted, s.described = 0, 0, 0, "", nil, nil
	s.describes = map[string]int{}
}

func (s *dataAPIServer) batches() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.submitted...)
}

func (s *dataAPIServer) describedIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.described...)
}

func (s *dataAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var in struct {
		Sqls                                                               []string
		ClientToken, StatementName, WorkgroupName, Database, SecretArn, Id string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		apiError(w, "SerializationException", err.Error())
		return
	}
	switch r.Header.Get("X-Amz-Target") {
	case "RedshiftData.BatchExecuteStatement":
		if s.throttle > 0 {
			s.throttle--
			apiError(w, "ThrottlingException", "Rate exceeded")
			return
		}
		if in.WorkgroupName != "chatstream-staging" || in.Database != "dev" || in.SecretArn == "" || in.ClientToken == "" ||
			in.StatementName != "chatstream-ddl:IngestionDdl" {
			apiError(w, "ValidationException", fmt.Sprintf("unexpected request %+v", in))
			return
		}
		s.submitted = append(s.submitted, in.Sqls)
		reply(w, map[string]any{"Id": fmt.Sprintf("batch-%d", len(s.submitted)), "CreatedAt": 1795739521.5})
	case "RedshiftData.DescribeStatement":
		var n int
		if _, err := fmt.Sscanf(in.Id, "batch-%d", &n); err != nil || n < 1 || n > len(s.submitted) {
			apiError(w, "ResourceNotFoundException", "Query does not exist: "+in.Id)
			return
		}
		s.described = append(s.described, in.Id)
		s.describes[in.Id]++
		status := "FINISHED"
		switch {
		case s.describes[in.Id] <= s.pending:
			status = "STARTED"
		case s.failAt > 0:
			status = "FAILED"
		}
		var subs []map[string]any
		for i := range s.submitted[n-1] {
			sub := map[string]any{"Id": fmt.Sprintf("%s:%d", in.Id, i+1), "Status": "FINISHED"}
			if status == "FAILED" && i+1 == s.failAt {
				sub["Status"], sub["Error"] = "FAILED", s.message
			}
			subs = append(subs, sub)
		}
		out := map[string]any{"Id": in.Id, "Status": status, "SubStatements": subs}
		if status == "FAILED" {
			out["Error"] = s.message
		}
		reply(w, out)
	default:
		apiError(w, "UnknownOperationException", r.Header.Get("X-Amz-Target"))
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func TestDataAPIClientSendsPlainBodies(t *testing.T) {
	sdkhttptest.CheckDataAPIPlainBodies(t, dataAPIOptions)
}
