package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
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

// TestUsageErrors: every value is checked before anything starts, and the
// message names the make variable and the flag, and says what a good value
// looks like. make local EVENTS=abc used to start the servers and fail with
// an SDK 502; INTERVAL=5 printed a parse error and the whole usage.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	payload := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no command", args: nil, wantErr: "usage: local run|invoke|sam"},
		{name: "unknown command", args: []string{"deploy"}, wantErr: `unknown command "deploy"`},
		{name: "unknown flag", args: []string{"run", "-tick", "3"}, wantErr: "flag provided but not defined: -tick (local run -h lists the flags)"},
		{name: "stray argument", args: []string{"run", "now"}, wantErr: `unexpected arguments ["now"]`},
		{name: "timeout too short for the interval", args: []string{"run", "-interval", "60s", "-timeout", "50s"}, wantErr: `-timeout "50s": a tick every 1m0s needs a function timeout of at least 59s`},
		{name: "invoke without event", args: []string{"invoke"}, wantErr: "no event file given: pass -event events/<file>.json"},
		{name: "events not a number", args: []string{"run", "-events", "abc"}, wantErr: `EVENTS="abc" (-events): "abc" is not a number in plain decimal digits, such as 500`},
		{name: "events zero", args: []string{"run", "-events", "0"}, wantErr: `EVENTS="0" (-events): 0 is out of range: want 1 to 1000000`},
		{name: "interval without unit", args: []string{"run", "-interval", "5"}, wantErr: `INTERVAL="5" (-interval): want a positive duration with its unit, such as 5s or 1m`},
		{name: "zero interval", args: []string{"run", "-interval", "0s"}, wantErr: `INTERVAL="0s" (-interval): want a positive duration`},
		{name: "interval longer than a window may be", args: []string{"run", "-interval", "20m"}, wantErr: `INTERVAL="20m" (-interval): 1200 is out of range`},
		{name: "ticks not a number", args: []string{"run", "-ticks", "three"}, wantErr: `TICKS="three" (-ticks): want a whole number of ticks, such as 3, or 0 to run until Ctrl-C`},
		{name: "negative ticks", args: []string{"run", "-ticks", "-1"}, wantErr: `TICKS="-1" (-ticks): want a whole number`},
		{name: "rate not a number", args: []string{"run", "-rate", "fast"}, wantErr: `RATE="fast" (-rate): "fast" is not a number in plain decimal, such as 12.5`},
		{name: "users zero", args: []string{"run", "-users", "0"}, wantErr: `USERS="0" (-users): 0 is out of range`},
		{name: "seed negative", args: []string{"run", "-seed", "-4"}, wantErr: `SEED="-4" (-seed): want a whole number from 0`},
		{name: "rhythm misspelt", args: []string{"run", "-rhythm", "of"}, wantErr: `RHYTHM="of" (-rhythm): "of" is not key=value`},
		{name: "dirty ratio a percentage", args: []string{"run", "-dirty-ratio", "10"}, wantErr: `DIRTY_RATIO="10" (-dirty-ratio): 10 is out of range: want 0 to 1`},
		{name: "port out of range", args: []string{"run", "-kinesis-port", "70000"}, wantErr: `KINESIS_PORT="70000" (-kinesis-port): want a port from 1 to 65535, or 0 for a free one`},
		{name: "port not a number", args: []string{"invoke", "-event", "events/manual.json", "-lambda-port", "http"}, wantErr: `LAMBDA_PORT="http" (-lambda-port): want a port`},
		{name: "timeout beyond Lambda's", args: []string{"run", "-timeout", "20m"}, wantErr: `-timeout "20m": want a duration from 1s to 15m, Lambda's range, such as 59s`},
		{name: "stream name", args: []string{"run", "-stream", "a b"}, wantErr: `-stream "a b": `},
		// The world sends a window's events as they happen: RATE and
		// INTERVAL make a tick.
		{name: "a world faster than kinesis-local keeps up with", args: []string{"run", "-rate", "500", "-interval", "60s"},
			wantErr: `INTERVAL="60s" (-interval), RATE="500" (-rate): a window of 1m0s at 500 events/s holds about 30000 events, sent as they happen, faster than kinesis-local keeps up at that size (it slows down as its stream grows): locally, a 1m0s window takes at most 129 events/s`},
		{name: "a world without a rate", args: []string{"run", "-rate", "0"},
			wantErr: `RATE="0" (-rate): a scheduled invocation needs a rate above 0`},
		// A manual payload is a burst: its count, or EVENTS, at its rate, or RATE.
		{name: "events beyond the local limit", args: []string{"invoke", "-event", payload("burst.json", `{}`), "-events", "1000000"},
			wantErr: `EVENTS="1000000" (-events): 1000000 events in one invocation are more than the local limit of 30000: kinesis-local slows down as its stream grows`},
		{name: "payload count beyond the local limit", args: []string{"invoke", "-event", payload("million.json", `{"count":1000000}`)},
			wantErr: `million.json (count): 1000000 events in one invocation are more than the local limit of 30000`},
		{name: "unpaced beyond what kinesis-local takes", args: []string{"invoke", "-event", payload("burst.json", `{}`), "-events", "20000", "-rate", "0"},
			wantErr: `RATE="0" (-rate): 20000 events unpaced (rate 0) are more than kinesis-local takes at that size: give a rate of at most 250 events/s`},
		{name: "payload rate above the local pace", args: []string{"invoke", "-event", payload("fast.json", `{"count":20000,"rate":1000}`)},
			wantErr: `fast.json (rate): 20000 events at 1000 events/s are more than kinesis-local takes`},
		{name: "slower than Lambda's longest timeout", args: []string{"run", "-event", payload("burst.json", `{}`), "-events", "2000", "-rate", "1"},
			wantErr: `RATE="1" (-rate): 2000 events at 1 events/s take 33m20s, longer than Lambda's maximum function timeout of 15m0s`},
		// A refused payload used to print an all-zero table and its error twice.
		{name: "payload the producer refuses", args: []string{"invoke", "-event", payload("bad.json", `{"count": 0}`)},
			wantErr: `bad.json: the producer would refuse it: manual payload: count 0 is out of range: want 1 to 1000000`},
		{name: "payload with a key twice", args: []string{"invoke", "-event", payload("twice.json", `{"count":10,"count":20}`)},
			wantErr: `twice.json: the producer would refuse it: payload: field "count" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			args := tt.args
			if len(args) > 0 {
				args = append([]string{args[0], "-workdir", work}, args[1:]...)
			}
			code, stdout, stderr := runLocal(t, args...)
			if code != 2 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.wantErr)
			}
			if n := strings.Count(stderr, "\n"); n != 1 {
				t.Errorf("stderr has %d lines, want the one message, without the usage", n)
			}
			if left, _ := os.ReadDir(work); stdout != "" || len(left) != 0 {
				t.Errorf("stdout %q, %d entries in the work folder; want nothing started", stdout, len(left))
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
		`(?m)^producer env    EVENTS_PER_INVOCATION=100 SEED=7 WINDOW_SECONDS=0\.2 DIRTY_RATIO=0\.1 PUT_RECORDS_TIMEOUT=60s$`,
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

// TestRunAfterDeliveryError: a tick that ends in a DeliveryError has sent
// some events, which the read-back must expect; it used to print "producer
// reported 0 sent".
func TestRunAfterDeliveryError(t *testing.T) {
	// GIVEN a function timeout far shorter than sending the events takes, so
	// that the producer stops at its deadline with part of them sent
	work := t.TempDir()
	burst := filepath.Join(work, "burst.json")
	if err := os.WriteFile(burst, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runLocal(t, "run", "-ticks", "1", "-event", burst, "-events", "2000", "-rate", "400", "-timeout", "2s", "-workdir", work)

	// THEN the run fails with the DeliveryError, and the read-back expects
	// what it says was sent
	m := regexp.MustCompile(`FAIL: tick 1: function returned DeliveryError: sent (\d+) of 2000 events to chatstream-local`).FindStringSubmatch(stderr)
	if code != 1 || m == nil {
		t.Fatalf("exit %d, stderr %q; want 1 and the DeliveryError", code, stderr)
	}
	sent := atoi(t, m[1])
	if sent == 0 {
		t.Fatalf("the producer sent nothing before its deadline; the test needs some events sent")
	}
	for _, want := range []string{
		`(?m)^note            the function timeout of 2s is shorter than the 5s that 2000 events take at 400 events/s: expect a DeliveryError`,
		`(?m)^tick 1/1    error: function returned DeliveryError: sent ` + m[1] + ` of 2000 events`,
		`(?m)^producer reported ` + m[1] + ` sent$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("output lacks a line matching %s", want)
		}
	}
	// A request cut off at the deadline may have been stored all the same.
	if read := atoi(t, regexp.MustCompile(`(?m)^records read +(\d+)$`).FindStringSubmatch(stdout)[1]); read < sent {
		t.Errorf("read %d records, fewer than the %d the producer reported sent", read, sent)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
