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
	"github.com/chatstream/chatstream/lambda/ddl"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/go-cmp/cmp"
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

	t.Run("create", func(t *testing.T) {
		api.reset()
		api.throttle = 1 // the SDK retries it within the invocation
		event := createEvent(t, "request-create")
		var on struct{ PhysicalResourceId string }
		if fnErr := invoke(ctx, t, onEvent, event, &on); fnErr != "" {
			t.Fatalf("onEvent failed: %s", fnErr)
		}
		if on.PhysicalResourceId != "chatstream-staging/dev" {
			t.Fatalf("onEvent PhysicalResourceId = %q, want chatstream-staging/dev", on.PhysicalResourceId)
		}
		if got := api.calls(); got != 0 {
			t.Fatalf("onEvent made %d Data API calls, want 0", got)
		}
		// The framework hands isComplete the request merged with onEvent's answer.
		event["PhysicalResourceId"] = on.PhysicalResourceId
		var done struct {
			IsComplete bool
			Data       map[string]string
		}
		for poll := 1; !done.IsComplete; poll++ {
			if poll > 20 {
				t.Fatal("isComplete never returned true")
			}
			if fnErr := invoke(ctx, t, isComplete, event, &done); fnErr != "" {
				t.Fatalf("isComplete poll %d failed: %s", poll, fnErr)
			}
		}
		stmts, err := chatsql.Apply(chatsql.DefaultParams("chat-events-staging", "arn:aws:iam::123456789012:role/chatstream-staging-streaming"))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, s := range stmts {
			want = append(want, s.Name)
		}
		if diff := cmp.Diff(want, api.submittedNames()); diff != "" {
			t.Errorf("statements run (-want +got):\n%s", diff)
		}
		if done.Data["EventsView"] != `"chatstream".chat_events` {
			t.Errorf("Data = %v; want EventsView \"chatstream\".chat_events", done.Data)
		}
	})

	t.Run("failed statement fails the deploy with Redshift's message", func(t *testing.T) {
		api.reset()
		api.fail = map[string]string{"create_stream_view": "ERROR: Not authorized to get credentials of role arn:aws:iam::123456789012:role/chatstream-staging-streaming"}
		event := createEvent(t, "request-fail")
		event["PhysicalResourceId"] = "chatstream-staging/dev"
		var fnErr string
		for poll := 1; fnErr == ""; poll++ {
			if poll > 20 {
				t.Fatal("isComplete never failed")
			}
			var resp struct{ IsComplete bool }
			fnErr = invoke(ctx, t, isComplete, event, &resp)
			if resp.IsComplete {
				t.Fatal("isComplete = true; want the failed statement to fail the request")
			}
		}
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
	params := chatsql.DefaultParams("chat-events-staging", "arn:aws:iam::123456789012:role/chatstream-staging-streaming")
	props, err := ddl.ResourceProperties("chatstream-staging", "dev",
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:chatstream-staging-admin-AbCdEf", params, false)
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

// dataAPIServer speaks the Data API's JSON 1.1 protocol for ExecuteStatement
// and DescribeStatement. Statements finish at once unless listed in fail,
// and a ClientToken seen before returns its statement again.
type dataAPIServer struct {
	mu        sync.Mutex
	throttle  int               // ExecuteStatement calls still to refuse with ThrottlingException
	fail      map[string]string // statement name to Redshift's error message
	byToken   map[string]string // ClientToken to statement id
	names     map[string]string // statement id to name
	submitted []string
	requests  int
}

func newDataAPIServer() *dataAPIServer {
	s := &dataAPIServer{}
	s.reset()
	return s
}

func (s *dataAPIServer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.fail, s.submitted, s.requests = 0, nil, nil, 0
	s.byToken, s.names = map[string]string{}, map[string]string{}
}

func (s *dataAPIServer) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *dataAPIServer) submittedNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.submitted...)
}

func (s *dataAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	var in struct {
		Sql, ClientToken, StatementName, WorkgroupName, Database, SecretArn, Id string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		apiError(w, "SerializationException", err.Error())
		return
	}
	switch r.Header.Get("X-Amz-Target") {
	case "RedshiftData.ExecuteStatement":
		if s.throttle > 0 {
			s.throttle--
			apiError(w, "ThrottlingException", "Rate exceeded")
			return
		}
		if in.WorkgroupName != "chatstream-staging" || in.Database != "dev" || in.SecretArn == "" || in.ClientToken == "" {
			apiError(w, "ValidationException", fmt.Sprintf("unexpected target %+v", in))
			return
		}
		id, seen := s.byToken[in.ClientToken]
		if !seen {
			id = fmt.Sprintf("stmt-%d", len(s.byToken)+1)
			name := strings.TrimPrefix(in.StatementName, "chatstream-ddl:")
			s.byToken[in.ClientToken], s.names[id] = id, name
			s.submitted = append(s.submitted, name)
		}
		reply(w, map[string]any{"Id": id})
	case "RedshiftData.DescribeStatement":
		name, ok := s.names[in.Id]
		if !ok {
			apiError(w, "ResourceNotFoundException", "no statement "+in.Id)
			return
		}
		if msg, failed := s.fail[name]; failed {
			reply(w, map[string]any{"Id": in.Id, "Status": "FAILED", "Error": msg})
			return
		}
		reply(w, map[string]any{"Id": in.Id, "Status": "FINISHED"})
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
