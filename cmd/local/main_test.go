package main

import (
	"bytes"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runLocal runs the command as main would and returns its exit code and output.
func runLocal(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	t.Logf("local %s -> %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no command", args: nil, wantErr: "usage: local run|invoke|sam"},
		{name: "unknown command", args: []string{"deploy"}, wantErr: `unknown command "deploy"`},
		{name: "unknown flag", args: []string{"run", "-tick", "3"}, wantErr: "flag provided but not defined: -tick"},
		{name: "negative ticks", args: []string{"run", "-ticks", "-1"}, wantErr: "-ticks -1: want 0 (until Ctrl-C) or more"},
		{name: "zero interval", args: []string{"run", "-interval", "0s"}, wantErr: "-interval 0s: want a positive duration"},
		{name: "stray argument", args: []string{"run", "now"}, wantErr: `unexpected arguments ["now"]`},
		{name: "timeout too short for the interval", args: []string{"run", "-interval", "60s", "-timeout", "50s"}, wantErr: "-timeout 50s: a tick every 1m0s needs a function timeout of at least 59s"},
		{name: "invoke without event", args: []string{"invoke"}, wantErr: "no event file given: pass -event events/<file>.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runLocal(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.wantErr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing started", stdout)
			}
		})
	}
}

func TestMissingEventFile(t *testing.T) {
	code, stdout, stderr := runLocal(t, "invoke", "-event", "events/nope.json", "-workdir", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "FAIL: read event: open ") || !strings.Contains(stderr, "nope.json") {
		t.Errorf("exit %d, stderr %q; want 1 and the missing file named", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing started", stdout)
	}
}

func TestSAMWithoutSAM(t *testing.T) {
	// GIVEN a PATH without sam or docker
	t.Setenv("PATH", t.TempDir())
	work := t.TempDir()
	code, stdout, stderr := runLocal(t, "sam", "-workdir", work)
	// THEN it fails with a clear message, before building or starting
	// anything: no output, and nothing built or logged in the work folder
	if code != 1 || !strings.Contains(stderr, "sam local invoke needs the AWS SAM CLI (sam) on the PATH") {
		t.Errorf("exit %d, stderr %q; want 1 and the missing SAM CLI named", code, stderr)
	}
	left, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != "" || len(left) != 0 {
		t.Errorf("stdout %q, work folder holds %d entries; want nothing started", stdout, len(left))
	}
}

func TestKinesisPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	code, _, stderr := runLocal(t, "run", "-kinesis-port", port, "-workdir", t.TempDir())
	want := "kinesis-local: port " + port + " on 127.0.0.1 is already in use; choose another port"
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// TestRun is make local on a small scale: two ticks of a 200 ms window.
func TestRun(t *testing.T) {
	code, stdout, stderr := runLocal(t, "run", "-ticks", "2", "-interval", "200ms", "-events", "100", "-seed", "7", "-dirty-ratio", "0.1", "-workdir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0", code, stderr)
	}
	for _, want := range []string{
		`(?m)^kinesis-local   http://127\.0\.0\.1:\d+, stream chatstream-local \(on-demand\)$`,
		`(?m)^producer        http://127\.0\.0\.1:\d+/2015-03-31/functions/function/invocations$`,
		`(?m)^producer env    EVENTS_PER_INVOCATION=100 SEED=7 WINDOW_SECONDS=0\.2 DIRTY_RATIO=0\.1$`,
		`(?m)^schedule        2 ticks, every 200ms, payload events/scheduler\.json$`,
		`(?m)^tick 1/2 +sent \d+  failed 0  retries \d+  requests \d+  \d+ ms$`,
		`(?m)^tick 2/2 +sent \d+  failed 0  retries \d+  requests \d+  \d+ ms$`,
		`(?m)^world figures     \d+ events from `,
		`(?m)^  shard shares    \d \d+\.\d%(, \d \d+\.\d%)*$`,
		`(?m)^  event to stream median \d`,
		`(?m)^OK: the stream holds exactly the \d+ events the producer reported, each once, all valid( but the \d+ it malformed on purpose)?$`,
		`(?m)^stopped kinesis-local and the Lambda emulator$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("output lacks a line matching %s", want)
		}
	}
	// Two windows of the world at 50 events/s: about 20 events, all read
	// back, the producer's count.
	read := regexp.MustCompile(`(?m)^records read      (\d+)$`).FindStringSubmatch(stdout)
	reported := regexp.MustCompile(`(?m)^producer reported (\d+) sent$`).FindStringSubmatch(stdout)
	if read == nil || reported == nil || read[1] != reported[1] {
		t.Fatalf("records read %v, producer reported %v; want the same", read, reported)
	}
	if n, _ := strconv.Atoi(read[1]); n < 5 || n > 60 {
		t.Errorf("%d records read, want about 20", n)
	}
}

// TestInvoke is make invoke-local EVENT=events/manual.json: one invocation
// with the manual sample, its result JSON, and the read-back.
func TestInvoke(t *testing.T) {
	code, stdout, stderr := runLocal(t, "invoke", "-event", "events/manual.json", "-workdir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0", code, stderr)
	}
	for _, want := range []string{
		`(?m)^invoking with events/manual\.json$`,
		`(?m)^result          \{"run_id":"manual-example","requested":100,"generated":100,"sent":100,"failed":0,"dirty":0,"requests":\d+,"retries":\d+,"duration_ms":\d+\}$`,
		`(?m)^records read      100$`,
		`(?m)^unique event ids  100$`,
		`(?m)^producer reported 100 sent$`,
		`(?m)^OK: the stream holds exactly the 100 events the producer reported, each once, all valid$`,
		`(?m)^stopped kinesis-local and the Lambda emulator$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("output lacks a line matching %s", want)
		}
	}
}

// TestInvokeRefused is make invoke-local with a payload the producer refuses.
func TestInvokeRefused(t *testing.T) {
	work := t.TempDir()
	event := work + "/bad.json"
	if err := os.WriteFile(event, []byte(`{"count": 0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runLocal(t, "invoke", "-event", event, "-workdir", work)
	if code != 1 || !strings.Contains(stderr, "FAIL: function returned") {
		t.Errorf("exit %d, stderr %q; want 1 and the function error", code, stderr)
	}
	for _, want := range []string{`(?m)^result          \{"errorMessage":`, `(?m)^records read      0$`, `(?m)^stopped kinesis-local`} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("output lacks a line matching %s", want)
		}
	}
}
