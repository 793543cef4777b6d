package localrun

import (
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startEchoEmulator runs testdata/echofn under the emulator for the test.
func startEchoEmulator(t *testing.T, env map[string]string) *Emulator {
	t.Helper()
	ctx := testContext(t, 3*time.Minute)
	root, work := repoRoot(t), t.TempDir()
	rie, err := BuildEmulator(ctx, root, work)
	if err != nil {
		t.Fatal(err)
	}
	fn := filepath.Join(work, "echofn")
	if err := goBuild(ctx, root, "-tags", "lambda.norpc", "-o", fn, "./internal/localrun/testdata/echofn"); err != nil {
		t.Fatal(err)
	}
	em, err := StartEmulator(ctx, EmulatorConfig{Binary: rie, Bootstrap: fn, WorkDir: work, Env: env, FunctionTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := em.Stop(); err != nil {
			t.Error(err)
		}
		dumpLogOnFailure(t, em.Log)
	})
	return em
}

func TestEmulator(t *testing.T) {
	// A variable of the test process that must not reach the function.
	t.Setenv("CHATSTREAM_TEST_OUTER", "leak")
	em := startEchoEmulator(t, map[string]string{"STREAM_NAME": "events-local"})
	ctx := testContext(t, time.Minute)

	t.Run("function sees its own environment only", func(t *testing.T) {
		inv, err := em.Invoke(ctx, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Env map[string]string }
		if err := json.Unmarshal(inv.Payload, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"STREAM_NAME":                 "events-local",
			"AWS_LAMBDA_FUNCTION_TIMEOUT": "30",
			"AWS_LAMBDA_FUNCTION_NAME":    "chatstream-producer-local",
			"AWS_REGION":                  "us-east-1",
			"AWS_DEFAULT_REGION":          "us-east-1",
			"AWS_ACCESS_KEY_ID":           localAccessKey,
			"AWS_SECRET_ACCESS_KEY":       localSecretKey,
			"AWS_SESSION_TOKEN":           "local",
		}
		for k, v := range want {
			if got.Env[k] != v {
				t.Errorf("function env %s = %q, want %q", k, got.Env[k], v)
			}
		}
		if api := got.Env["AWS_LAMBDA_RUNTIME_API"]; !strings.HasPrefix(api, "127.0.0.1:") {
			t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want a 127.0.0.1 address", api)
		}
		for _, leaked := range []string{"CHATSTREAM_TEST_OUTER", "HOME", "AWS_PROFILE"} {
			if v, ok := got.Env[leaked]; ok {
				t.Errorf("function env has %s=%q from the calling process", leaked, v)
			}
		}
	})

	t.Run("function error", func(t *testing.T) {
		inv, err := em.Invoke(ctx, []byte(`{"fail":"3 of 10 records failed"}`))
		var fe *FunctionError
		if !errors.As(err, &fe) || fe.Message != "3 of 10 records failed" {
			t.Fatalf("Invoke(fail) error = %v, want *FunctionError with the function's message", err)
		}
		if inv.Result != (Result{}) {
			t.Errorf("Invoke(fail) result = %+v, want zero", inv.Result)
		}
	})

	t.Run("function that exits", func(t *testing.T) {
		// Runs last but one: the emulator restarts the function on the next call.
		_, err := em.Invoke(ctx, []byte(`{"exit":"invalid configuration: STREAM_NAME is required"}`))
		if err == nil || errors.As(err, new(*FunctionError)) {
			t.Fatalf("Invoke(exit) error = %v, want an emulator failure", err)
		}
		if !strings.Contains(err.Error(), "\n  invalid configuration: STREAM_NAME is required") {
			t.Errorf("Invoke(exit) error = %v, want the function's last words in it", err)
		}
	})

	t.Run("listens on loopback only", func(t *testing.T) {
		assertLoopbackOnly(t, "Lambda emulator", em.proc.pid())
	})

	t.Run("explicit port in use", func(t *testing.T) {
		_, portText, _ := net.SplitHostPort(strings.TrimPrefix(em.Endpoint, "http://"))
		_, err := StartEmulator(ctx, EmulatorConfig{Binary: "unused", Bootstrap: "unused", WorkDir: t.TempDir(), Port: atoi(t, portText)})
		var inUse *PortInUseError
		if !errors.As(err, &inUse) {
			t.Errorf("StartEmulator on the busy port: error = %v, want *PortInUseError", err)
		}
	})
}

func TestEmulatorStopEndsFunctionToo(t *testing.T) {
	em := startEchoEmulator(t, nil)
	ctx := testContext(t, time.Minute)
	// The function process exists only after the first invocation.
	if _, err := em.Invoke(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	pids := withDescendants(t, em.proc.pid())
	if len(pids) < 2 {
		t.Fatalf("emulator process tree = %v, want the emulator and the function", pids)
	}
	if err := em.Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for !gone(pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !gone(pid) {
			t.Errorf("pid %d still running after Stop", pid)
		}
	}
}

func TestStartEmulatorRejectsShortTimeout(t *testing.T) {
	_, err := StartEmulator(t.Context(), EmulatorConfig{FunctionTimeout: 500 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "function timeout 500ms is shorter than Lambda's minimum of 1s") {
		t.Errorf("StartEmulator(500ms timeout) error = %v, want it refused", err)
	}
}

// gone reports whether pid has exited (a zombie waiting to be reaped counts).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	return processState(pid) == "Z"
}
