package faultproxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/chatstream/chatstream/internal/faultproxy"
)

func TestStartRefusesBadOptions(t *testing.T) {
	seeded := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name    string
		opts    faultproxy.Options
		wantErr string
	}{
		{name: "no rand", opts: faultproxy.Options{Upstream: "http://127.0.0.1:4568"}, wantErr: "Options.Rand is required"},
		{name: "no upstream", opts: faultproxy.Options{Rand: seeded}, wantErr: `Options.Upstream "": want an http:// URL`},
		{name: "https upstream", opts: faultproxy.Options{Rand: seeded, Upstream: "https://127.0.0.1:4567"}, wantErr: `not scheme "https"`},
		{name: "upstream without port", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1"}, wantErr: "no port"},
		{name: "upstream elsewhere", opts: faultproxy.Options{Rand: seeded, Upstream: "http://10.1.2.3:4568"}, wantErr: `host "10.1.2.3" is not a loopback address`},
		{name: "upstream by name", opts: faultproxy.Options{Rand: seeded, Upstream: "http://kinesis.us-east-1.amazonaws.com:80"}, wantErr: "is not a loopback address"},
		{name: "upstream with path", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1:4568/kinesis"}, wantErr: "want only scheme, host and port"},
		{name: "negative share", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1:1", Faults: faultproxy.Faults{Throttle: -0.1}}, wantErr: "Faults.Throttle -0.1 is not a share from 0 to 1"},
		{name: "share above 1", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1:1", Faults: faultproxy.Faults{LoseAnswer: 1.5}}, wantErr: "Faults.LoseAnswer 1.5 is not a share"},
		{name: "NaN share", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1:1", Faults: faultproxy.Faults{ServerError: math.NaN()}}, wantErr: "Faults.ServerError NaN"},
		{name: "request faults above 1", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1:1", Faults: faultproxy.Faults{ServerError: 0.6, LoseAnswer: 0.6}}, wantErr: "ServerError + Delay + LoseAnswer = 1.2 exceeds 1"},
		{name: "negative upstream timeout", opts: faultproxy.Options{Rand: seeded, Upstream: "http://127.0.0.1:1", UpstreamTimeout: -1}, wantErr: "UpstreamTimeout -1ns is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := faultproxy.Start(tt.opts)
			if err == nil {
				p.Close()
				t.Fatalf("Start(%+v) = nil error, want one containing %q", tt.opts, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Start() error = %q, want one containing %q", err, tt.wantErr)
			}
		})
	}
	for _, upstream := range []string{"http://127.0.0.1:4568", "http://localhost:4568", "http://[::1]:4568/"} {
		p, err := faultproxy.Start(faultproxy.Options{Rand: seeded, Upstream: upstream})
		if err != nil {
			t.Errorf("Start(Upstream %q) error = %v, want a proxy", upstream, err)
			continue
		}
		if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
			t.Errorf("proxy URL %q, want one on 127.0.0.1", p.URL)
		}
		p.Close()
	}
}

func TestNoFaultsForwardsEverything(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{}, 1)
	c := proxyClient(p, 5*time.Second)

	out, err := putRecords(t.Context(), c, entries("r", 20))
	if err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != 20 {
		t.Errorf("PutRecords() = %d failed of %d, want 0 of 20", aws.ToInt32(out.FailedRecordCount), len(out.Records))
	}
	// Other operations pass through untouched.
	shards, err := c.ListShards(t.Context(), &kinesis.ListShardsInput{StreamName: aws.String(testStream)})
	if err != nil || len(shards.Shards) == 0 {
		t.Errorf("ListShards() through the proxy = %v, %v; want the upstream's shards", shards, err)
	}
	want := faultproxy.Counts{Requests: 1, Entries: 20, Forwarded: 20, Accepted: 20, Acknowledged: 20, PassedThrough: 1}
	if diff := cmp.Diff(want, settled(t, p)); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
	if n := len(up.Records(testStream)); n != 20 {
		t.Errorf("upstream stored %d records, want 20", n)
	}
}

func TestThrottleFailsEntriesInsideTheAnswer(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{Throttle: 0.4}, 7)
	c := proxyClient(p, 5*time.Second)
	es := entries("r", 200)

	out, err := putRecords(t.Context(), c, es)
	if err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	if len(out.Records) != len(es) {
		t.Fatalf("PutRecords() answered %d entries, want %d", len(out.Records), len(es))
	}
	// Each answer entry speaks for the request entry at its index: a
	// sequence number is the one upstream gave that very record.
	seqOf := map[string]string{}
	for _, r := range up.Records(testStream) {
		seqOf[string(r.Data)] = r.SequenceNumber
	}
	var throttled int
	for i, r := range out.Records {
		data := string(es[i].Data)
		switch code := aws.ToString(r.ErrorCode); code {
		case "":
			if got := aws.ToString(r.SequenceNumber); got == "" || got != seqOf[data] {
				t.Errorf("entry %d (%s): sequence number %q, upstream stored it as %q", i, data, got, seqOf[data])
			}
		case faultproxy.CodeThrottled:
			throttled++
			if _, ok := seqOf[data]; ok {
				t.Errorf("entry %d (%s) was throttled but upstream stored it", i, data)
			}
		default:
			t.Errorf("entry %d: error code %q, want none or %s", i, code, faultproxy.CodeThrottled)
		}
	}
	if got := int(aws.ToInt32(out.FailedRecordCount)); got != throttled {
		t.Errorf("FailedRecordCount = %d, but %d entries carry an error code", got, throttled)
	}
	// 40% of 200: far from none and from all for any seed worth the name.
	if throttled < 40 || throttled > 120 {
		t.Errorf("%d of 200 entries throttled, want about 80", throttled)
	}
	want := faultproxy.Counts{Requests: 1, Entries: 200, Throttled: throttled, Forwarded: 200 - throttled, Accepted: 200 - throttled, Acknowledged: 200 - throttled}
	if diff := cmp.Diff(want, settled(t, p)); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
}

func TestThrottleAll(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{Throttle: 1}, 1)
	out, err := putRecords(t.Context(), proxyClient(p, 5*time.Second), entries("r", 10))
	if err != nil {
		t.Fatalf("PutRecords() error = %v", err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 10 {
		t.Errorf("FailedRecordCount = %d, want 10", aws.ToInt32(out.FailedRecordCount))
	}
	if n := up.Stats().Requests; n != 0 {
		t.Errorf("upstream saw %d requests, want none: nothing was left to forward", n)
	}
}

func TestServerErrorsForwardNothing(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{ServerError: 1}, 3)
	c := proxyClient(p, 5*time.Second)

	codes := map[string]int{}
	for range 12 {
		_, err := putRecords(t.Context(), c, entries("r", 5))
		var apiErr smithy.APIError
		var status interface{ HTTPStatusCode() int }
		if !errors.As(err, &apiErr) || !errors.As(err, &status) {
			t.Fatalf("PutRecords() error = %v, want an API error with an HTTP status", err)
		}
		wantStatus := map[string]int{faultproxy.CodeInternalFailure: 500, faultproxy.CodeServiceUnavailable: 503}[apiErr.ErrorCode()]
		if wantStatus == 0 || status.HTTPStatusCode() != wantStatus {
			t.Errorf("error code %q with status %d, want InternalFailure/500 or ServiceUnavailable/503", apiErr.ErrorCode(), status.HTTPStatusCode())
		}
		codes[apiErr.ErrorCode()]++
	}
	if len(codes) != 2 {
		t.Errorf("error codes %v, want both kinds over 12 requests", codes)
	}
	if n := len(up.Records(testStream)); n != 0 {
		t.Errorf("upstream stored %d records, want none", n)
	}
	want := faultproxy.Counts{Requests: 12, Entries: 60, ServerErrors: 12, ServerErrorEntries: 60}
	if diff := cmp.Diff(want, settled(t, p)); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
}

func TestDelayedRequestIsStoredAfterTheClientGivesUp(t *testing.T) {
	up := startUpstream(t)
	// Held until the client gives up, however long that takes, and no
	// longer: the client's own cancellation ends the hold.
	p := startProxy(t, up.URL, faultproxy.Faults{Delay: 1}, 1)
	c := proxyClient(p, 0)

	ctx, giveUp := context.WithCancel(t.Context())
	defer giveUp()
	done := make(chan error, 1)
	go func() {
		_, err := putRecords(ctx, c, entries("r", 8))
		done <- err
	}()
	waitForCounts(t, p, "the request held", func(c faultproxy.Counts) bool { return c.Delayed == 1 })
	if n := len(up.Records(testStream)); n != 0 {
		t.Fatalf("upstream stored %d records while the request was held, want none yet", n)
	}
	giveUp()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("PutRecords() error = %v, want the client's own cancellation", err)
	}
	if err := p.Idle(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The client gave up, yet the records arrived: a resend would store
	// them twice.
	if n := len(up.Records(testStream)); n != 8 {
		t.Errorf("upstream stored %d records after the delay, want 8", n)
	}
	want := faultproxy.Counts{Requests: 1, Entries: 8, Delayed: 1, LateAnswers: 1, Forwarded: 8, Accepted: 8, Unacknowledged: 8}
	if diff := cmp.Diff(want, settled(t, p)); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
	for id, s := range p.Records() {
		if s != (faultproxy.RecordStats{Received: 1, Accepted: 1}) {
			t.Errorf("record %s: %+v, want received and stored once, never acknowledged", id, s)
		}
	}
}

func TestLostAnswerAfterStoring(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{LoseAnswer: 1}, 1)
	_, err := putRecords(t.Context(), proxyClient(p, 5*time.Second), entries("r", 6))
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("PutRecords() error = %v, want a connection error without an answer", err)
	}
	if n := len(up.Records(testStream)); n != 6 {
		t.Errorf("upstream stored %d records, want all 6: the answer, not the request, was lost", n)
	}
	want := faultproxy.Counts{Requests: 1, Entries: 6, LostAnswers: 1, Forwarded: 6, Accepted: 6, Unacknowledged: 6}
	if diff := cmp.Diff(want, settled(t, p)); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
}

func TestMalformedRequestPassesThrough(t *testing.T) {
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{ServerError: 1}, 1)
	send := func(endpoint string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint+"/", strings.NewReader(`{"Records": "not a list"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(bytes.TrimSpace(body))
	}
	directStatus, directBody := send(up.URL)
	status, body := send(p.URL)
	if status != directStatus || body != directBody {
		t.Errorf("through the proxy: %d %s; directly: %d %s; want the same answer", status, body, directStatus, directBody)
	}
	if c := settled(t, p); c.PassedThrough != 1 || c.ServerErrors != 0 {
		t.Errorf("Counts() = %+v, want the request passed through, not faulted", c)
	}
}

// fates sends requests one at a time and describes what became of each.
func fates(t *testing.T, seed uint64) []string {
	t.Helper()
	up := startUpstream(t)
	p := startProxy(t, up.URL, faultproxy.Faults{Throttle: 0.3, ServerError: 0.3, LoseAnswer: 0.2}, seed)
	c := proxyClient(p, 5*time.Second)
	var out []string
	for range 20 {
		res, err := putRecords(t.Context(), c, entries("r", 10))
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &apiErr):
			out = append(out, apiErr.ErrorCode())
		case err != nil:
			out = append(out, "lost")
		default:
			var pattern []byte
			for _, r := range res.Records {
				pattern = append(pattern, "ot"[min(1, len(aws.ToString(r.ErrorCode)))])
			}
			out = append(out, string(pattern))
		}
	}
	return out
}

func TestSameSeedSameFates(t *testing.T) {
	first, again, other := fates(t, 11), fates(t, 11), fates(t, 12)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("two runs with seed 11 differ (-first +second):\n%s", diff)
	}
	if cmp.Equal(first, other) {
		t.Errorf("seeds 11 and 12 gave the same fates %v, want the seed to matter", first)
	}
	kinds := map[string]bool{}
	for _, f := range first {
		switch {
		case f == "lost", f == faultproxy.CodeInternalFailure, f == faultproxy.CodeServiceUnavailable:
			kinds[f] = true
		case strings.Contains(f, "t"):
			kinds["throttled entries"] = true
		}
	}
	if len(kinds) < 3 {
		t.Errorf("fates %v show only %v, want every kind of fault", first, kinds)
	}
}

func TestCloseDropsHeldRequests(t *testing.T) {
	up := startUpstream(t)
	p, err := faultproxy.Start(faultproxy.Options{Upstream: up.URL, Faults: faultproxy.Faults{Delay: 1}, Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		// A client that never gives up: only Close can end the hold.
		_, err := putRecords(t.Context(), proxyClient(p, 0), entries("r", 4))
		done <- err
	}()
	waitForCounts(t, p, "the request held", func(c faultproxy.Counts) bool { return c.Delayed == 1 })
	// Close reports a handler it could not end within its bound, so a nil
	// error means the endless hold was cut short.
	if err := p.Close(); err != nil {
		t.Errorf("Close() with a request held until its client gives up, which it never does: error = %v, want the request dropped", err)
	}
	if err := <-done; err == nil {
		t.Error("PutRecords() through a closed proxy succeeded, want an error")
	}
	if n := len(up.Records(testStream)); n != 0 {
		t.Errorf("upstream stored %d records of a dropped request, want none", n)
	}
}
