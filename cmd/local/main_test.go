package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/localwarehouse"
	"github.com/chatstream/chatstream/internal/pgquery"
	"github.com/chatstream/chatstream/internal/pgserver"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5/pgxpool"
)

// shared is the work folder of the tests that run make local end to end:
// one data directory for the local warehouse, made by initdb once per test
// binary (each run empties its schema), the built binaries, and the logs of
// the latest run. Set by TestMain, read-only afterwards.
var shared string

func TestMain(m *testing.M) {
	var err error
	if shared, err = os.MkdirTemp("", "chatstream-local-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := os.RemoveAll(shared); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

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
		{name: "every answer lost", args: []string{"run", "-lose-answers", "1"}, wantErr: `LOSE_ANSWERS="1" (-lose-answers): want a share from 0 to below 1, such as 0.3`},
		{name: "a share as a percentage", args: []string{"invoke", "-event", "events/manual.json", "-lose-answers", "30"}, wantErr: `LOSE_ANSWERS="30" (-lose-answers): want a share from 0 to below 1`},
		{name: "a negative share", args: []string{"run", "-lose-answers", "-0.1"}, wantErr: `LOSE_ANSWERS="-0.1" (-lose-answers): want a share`},
		{name: "a share that is no number", args: []string{"run", "-lose-answers", "NaN"}, wantErr: `LOSE_ANSWERS="NaN" (-lose-answers): want a share`},
		{name: "warehouse port out of range", args: []string{"run", "-warehouse-port", "65536"}, wantErr: `WAREHOUSE_PORT="65536" (-warehouse-port): want a port from 1 to 65535, or 0 for a free one`},
		{name: "dashboard on every interface", args: []string{"run", "-dashboard-addr", "0.0.0.0:8080"}, wantErr: `DASHBOARD_ADDR="0.0.0.0:8080" (-dashboard-addr): want 127.0.0.1:PORT, 0 for a free port`},
		{name: "dashboard without a port", args: []string{"run", "-dashboard-addr", "127.0.0.1"}, wantErr: `DASHBOARD_ADDR="127.0.0.1" (-dashboard-addr): want 127.0.0.1:PORT`},
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

// TestWarehouseInUse: a second make local while a make local TICKS=0
// keeps the warehouse up stops before starting anything.
func TestWarehouseInUse(t *testing.T) {
	// GIVEN a server on the warehouse's data directory, started elsewhere
	work := t.TempDir()
	root, err := localrun.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	binaries, err := pgserver.Binaries(root)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pgserver.Start(t.Context(), pgserver.Config{Binaries: binaries, Dir: localwarehouse.Dir(work)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})

	// WHEN make local starts
	code, stdout, stderr := runLocal(t, "run", "-workdir", work)

	// THEN it says why it cannot, and what to do, before anything starts
	if want := "another make local keeps the local warehouse on " + localwarehouse.Dir(work) + " up (TICKS=0?): stop it with Ctrl-C in its terminal first"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing started", stdout)
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

// TestRun is make local on a small scale: two ticks of a 200 ms window,
// a tenth of the records malformed on purpose, each tick loaded into the
// local warehouse, its analytics printed and the warehouse checked.
func TestRun(t *testing.T) {
	code, stdout, stderr := runLocal(t, "run", "-ticks", "2", "-interval", "200ms", "-events", "100", "-rate", "100", "-seed", "7", "-dirty-ratio", "0.1", "-workdir", shared)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0", code, stderr)
	}
	for _, want := range []string{
		`(?m)^kinesis-local   http://127\.0\.0\.1:\d+, stream chatstream-local \(on-demand\)$`,
		`(?m)^producer        http://127\.0\.0\.1:\d+/2015-03-31/functions/function/invocations$`,
		`(?m)^producer env    EVENTS_PER_INVOCATION=100 RATE=100 SEED=7 WINDOW_SECONDS=0\.2 DIRTY_RATIO=0\.1 PUT_RECORDS_TIMEOUT=60s$`,
		`(?m)^warehouse       PostgreSQL on 127\.0\.0\.1:\d+, database chatstream, schema chatstream emptied for this run \(data directory \S+ (made by initdb now|kept from an earlier run)`,
		`(?m)^psql            psql 'postgres://postgres@127\.0\.0\.1:\d+/chatstream\?sslmode=disable'$`,
		`(?m)^dashboard       http://127\.0\.0\.1:\d+/$`,
		`(?m)^schedule        2 ticks, every 200ms, payload events/scheduler\.json$`,
		`(?m)^tick 1/2 +sent \d+  failed 0  retries \d+  requests \d+  \d+ ms$`,
		`(?m)^tick 1/2 +loaded: \d+ records refreshed, \d+ events inserted, 0 duplicates, \d+ rejected, \d+ ms$`,
		`(?m)^tick 2/2 +sent \d+  failed 0  retries \d+  requests \d+  \d+ ms$`,
		`(?m)^tick 2/2 +loaded: \d+ records refreshed, \d+ events inserted, 0 duplicates, \d+ rejected, \d+ ms$`,
		`(?m)^world figures     \d+ events from `,
		`(?m)^  shard shares    \d \d+\.\d%(, \d \d+\.\d%)*$`,
		`(?m)^  event to stream median \d`,
		`(?m)^OK: the stream holds exactly the \d+ events the producer reported, each once, all valid( but the \d+ it malformed on purpose)?$`,
		`(?m)^analytics       every query in sql/queries, rendered for PostgreSQL, on the local warehouse$`,
		`(?m)^stopped the dashboard and the local warehouse \(its data directory \S+ stays\)$`,
		`(?m)^stopped kinesis-local and the Lambda emulator$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("output lacks a line matching %s", want)
		}
	}
	// Two windows of the world at 100 events/s: about 40 events, all read
	// back, the producer's count.
	read := regexp.MustCompile(`(?m)^records read      (\d+)$`).FindStringSubmatch(stdout)
	reported := regexp.MustCompile(`(?m)^producer reported (\d+) sent$`).FindStringSubmatch(stdout)
	if read == nil || reported == nil || read[1] != reported[1] {
		t.Fatalf("records read %v, producer reported %v; want the same", read, reported)
	}
	sent := atoi(t, reported[1])
	if sent < 10 || sent > 120 {
		t.Errorf("%d records read, want about 40", sent)
	}
	dirty := 0
	if m := regexp.MustCompile(`all valid but the (\d+) it malformed on purpose`).FindStringSubmatch(stdout); m != nil {
		dirty = atoi(t, m[1])
	}
	checkWarehouseLines(t, stdout, sent-dirty, dirty)
	// Every query is printed as a table under its name, and the events
	// the analytics count are the events the warehouse holds.
	tables := analyticsTables(t, stdout)
	if got := sumColumn(t, tables["events_per_minute"], "events"); got != sent-dirty {
		t.Errorf("events_per_minute counts %d events, want the %d well-formed ones sent", got, sent-dirty)
	}
	if got := sumColumn(t, tables["malformed_records"], "records"); got != dirty {
		t.Errorf("malformed_records counts %d records, want the %d malformed on purpose", got, dirty)
	}
}

// TestRunLosingAnswers is make local LOSE_ANSWERS=0.3: the fault proxy loses
// three in ten PutRecords answers after storing their records, the
// producer sends them again, the stream holds duplicates, and the
// warehouse holds each event once.
func TestRunLosingAnswers(t *testing.T) {
	code, stdout, stderr := runLocal(t, "run", "-ticks", "2", "-interval", "1s", "-rate", "200", "-seed", "7", "-dirty-ratio", "0.1", "-lose-answers", "0.3", "-workdir", shared)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0", code, stderr)
	}
	if want := `(?m)^fault proxy     http://127\.0\.0\.1:\d+, in front of kinesis-local: loses 30% of PutRecords answers after their records are stored \(seed 7\)$`; !regexp.MustCompile(want).MatchString(stdout) {
		t.Errorf("output lacks a line matching %s", want)
	}
	proxy := regexp.MustCompile(`(?m)^fault proxy     lost the answers of (\d+) of (\d+) PutRecords requests: (\d+) records stored without the producer knowing$`).FindStringSubmatch(stdout)
	duplicates := regexp.MustCompile(`(?m)^duplicates        (\d+) \(records stored again under a new sequence number: (\d+) distinct records\)$`).FindStringSubmatch(stdout)
	ok := regexp.MustCompile(`(?m)^OK: the stream holds every one of the (\d+) records the producer reported, none missing, all valid( but the (\d+) it malformed on purpose)?, and (\d+) duplicates: records whose answer was lost, sent again$`).FindStringSubmatch(stdout)
	if proxy == nil || duplicates == nil || ok == nil {
		t.Fatalf("the output lacks the proxy's count %v, the duplicates %v or the stream's OK line %v", proxy, duplicates, ok)
	}
	// Every record stored without the producer knowing was sent again and
	// stored again, once acknowledged: each is one duplicate.
	if atoi(t, proxy[1]) == 0 || duplicates[1] != proxy[3] || ok[4] != duplicates[1] || duplicates[2] != ok[1] {
		t.Errorf("the proxy lost %s answers of %s records, the stream holds %s duplicates of %s distinct records, the OK line says %s of %s; want some lost, and one duplicate per record stored unknowingly",
			proxy[1], proxy[3], duplicates[1], duplicates[2], ok[4], ok[1])
	}
	dirty := 0
	if ok[3] != "" {
		dirty = atoi(t, ok[3])
	}
	checkWarehouseLines(t, stdout, atoi(t, ok[1])-dirty, dirty)
	if got := sumColumn(t, analyticsTables(t, stdout)["events_per_minute"], "events"); got != atoi(t, ok[1])-dirty {
		t.Errorf("events_per_minute counts %d events, want each of the %d well-formed ones once", got, atoi(t, ok[1])-dirty)
	}
}

// checkWarehouseLines checks the lines that end make local: the warehouse
// holds the events, each once, and the rejected table the dirty records.
func checkWarehouseLines(t *testing.T, stdout string, events, dirty int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^OK: the warehouse holds exactly the (\d+) events the producer reported, each once$`).FindStringSubmatch(stdout)
	if m == nil || atoi(t, m[1]) != events {
		t.Errorf("warehouse line %v, want one with the %d well-formed events sent", m, events)
	}
	r := regexp.MustCompile(`(?m)^OK: its rejected table holds exactly the (\d+) records the producer malformed on purpose`).FindStringSubmatch(stdout)
	switch {
	case dirty == 0 && r != nil:
		t.Errorf("rejected line %q with no dirty record sent", r[0])
	case dirty > 0 && (r == nil || atoi(t, r[1]) != dirty):
		t.Errorf("rejected line %v, want one with the %d records malformed on purpose", r, dirty)
	}
}

// analyticsTables reads the tables make local prints after "analytics",
// each under "== name", by name: the header, then the rows, each split at
// runs of two or more blanks.
func analyticsTables(t *testing.T, stdout string) map[string][][]string {
	t.Helper()
	_, after, ok := strings.Cut(stdout, "\nanalytics ")
	if !ok {
		t.Fatal("no analytics in the output")
	}
	cells := regexp.MustCompile(`\s{2,}`)
	tables := map[string][][]string{}
	for _, block := range strings.Split(after, "\n== ")[1:] {
		lines := strings.Split(block, "\n")
		if len(lines) < 4 || !regexp.MustCompile(`^-+(  -+)*$`).MatchString(lines[2]) {
			t.Errorf("query %s is not printed as a table:\n%s", lines[0], block)
			continue
		}
		var rows [][]string
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "(") {
				break
			}
			rows = append(rows, cells.Split(strings.TrimSpace(l), -1))
		}
		tables[lines[0]] = append(rows[:1], rows[2:]...)
	}
	names, err := chatsql.Queries()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if _, ok := tables[name]; !ok {
			t.Errorf("the analytics lack query %s", name)
		}
	}
	return tables
}

// sumColumn adds up a column of a printed table.
func sumColumn(t *testing.T, table [][]string, column string) int {
	t.Helper()
	if len(table) == 0 {
		t.Fatal("no table")
	}
	i := slices.Index(table[0], column)
	if i < 0 {
		t.Fatalf("no column %s in %v", column, table[0])
	}
	sum := 0
	for _, row := range table[1:] {
		sum += atoi(t, row[i])
	}
	return sum
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
	burst := filepath.Join(t.TempDir(), "burst.json")
	if err := os.WriteFile(burst, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runLocal(t, "run", "-ticks", "1", "-event", burst, "-events", "2000", "-rate", "400", "-timeout", "2s", "-workdir", shared)

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

// TestRunUntilCtrlC is make local TICKS=0: it keeps producing, loading and
// serving the dashboard, whose page moves with each tick, while a second
// terminal finds the warehouse and queries it; the first Ctrl-C ends the
// run with the analytics and the check.
func TestRunUntilCtrlC(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	stop := make(chan struct{})
	lines := make(chan string, 1000)
	var out strings.Builder
	r, w := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		var stderr bytes.Buffer
		code := dispatch(ctx, stop, []string{"run", "-ticks", "0", "-interval", "1s", "-seed", "3", "-workdir", shared}, w, &stderr)
		w.CloseWithError(fmt.Errorf("exit %d: %s", code, stderr.String()))
		exited <- code
	}()
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	stopped := false
	defer func() {
		if !stopped {
			close(stop)
		}
		for l := range lines {
			out.WriteString(l + "\n")
		}
		t.Logf("local run -ticks 0:\n%s", out.String())
	}()
	// await reads lines until one matches pattern, and returns its groups.
	await := func(pattern string) []string {
		t.Helper()
		re := regexp.MustCompile(pattern)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the run ended before a line matching %s", pattern)
				}
				out.WriteString(l + "\n")
				if m := re.FindStringSubmatch(l); m != nil {
					return m
				}
			case <-ctx.Done():
				t.Fatalf("no line matching %s: %v", pattern, ctx.Err())
			}
		}
	}

	// GIVEN make local TICKS=0 under way, with its dashboard
	url := await(`^dashboard       (http://127\.0\.0\.1:\d+/)$`)[1]
	await(`^explore         while this runs: the dashboard, the psql line, or make query-local Q=<name> in another terminal; Ctrl-C ends the run$`)
	await(`^tick 2 +loaded: \d+ records refreshed`)

	// WHEN a second terminal looks for the warehouse, and queries it
	u, err := localwarehouse.Running(localwarehouse.Dir(shared))
	if err != nil {
		t.Fatalf("a second terminal finds no warehouse: %v", err)
	}
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	q, err := chatsql.Query("events_per_minute", chatsql.QueryOptions{Engine: chatsql.PostgreSQL, Schema: chatsql.DefaultSchema})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&pgquery.Runner{Pool: pool}).Run(ctx, q.Name, q.SQL, nil)
	if err != nil || len(res.Rows) == 0 {
		t.Errorf("events_per_minute from a second terminal = %v, %v; want the loaded events", res, err)
	}

	// THEN the dashboard shows the events, and more of them a tick later
	first := awaitPanel(ctx, t, url, 0)
	awaitPanel(ctx, t, url, first)

	// AND the first Ctrl-C ends the run with the analytics and the check
	close(stop)
	stopped = true
	await(`^OK: the warehouse holds exactly the \d+ events the producer reported, each once$`)
	await(`^stopped kinesis-local and the Lambda emulator$`)
	if code := <-exited; code != 0 {
		t.Errorf("exit %d after Ctrl-C, want 0", code)
	}
	if _, err := localwarehouse.Running(localwarehouse.Dir(shared)); err == nil {
		t.Error("the warehouse still runs after the run ended")
	}
}

// awaitPanel polls the dashboard at url until its events_per_minute panel
// draws more than above events, and returns how many it draws.
func awaitPanel(ctx context.Context, t *testing.T, url string, above int) int {
	t.Helper()
	for {
		var panel struct {
			State string  `json:"state"`
			Rows  [][]any `json:"rows"`
		}
		res, err := http.Get(url + "api/panels/events_per_minute")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(res.Body).Decode(&panel)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		events := 0
		for _, row := range panel.Rows {
			events += int(row[2].(float64))
		}
		if panel.State == "ok" && events > above {
			return events
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the dashboard's events_per_minute stayed %s with %d events, want more than %d: %v", panel.State, events, above, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
