package faultproxy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/chatstream/chatstream/internal/fakekinesis"
	"github.com/chatstream/chatstream/internal/faultproxy"
	"github.com/chatstream/chatstream/internal/sdkhttp"
)

const testStream = "fault-test"

// startUpstream runs an in-process Kinesis for the test.
func startUpstream(t *testing.T) *fakekinesis.Server {
	t.Helper()
	srv, err := fakekinesis.New(fakekinesis.Options{Streams: []string{testStream}})
	if err != nil {
		t.Fatalf("fakekinesis.New() error = %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// startProxy runs a proxy in front of upstream for the test and checks
// that it closes cleanly.
func startProxy(t *testing.T, upstream string, faults faultproxy.Faults, seed uint64) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(faultproxy.Options{Upstream: upstream, Faults: faults, Rand: rand.New(rand.NewPCG(seed, 0))})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close() error = %v", err)
		}
	})
	return p
}

// proxyClient is an SDK client for the proxy, set up as the producer sets
// up its own: no SDK retries, plain request bodies. timeout bounds each
// call; 0 leaves them unbounded.
func proxyClient(p *faultproxy.Proxy, timeout time.Duration) *kinesis.Client {
	return kinesis.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAULTPROXY", "test-secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Timeout: timeout},
		BaseEndpoint: aws.String(p.URL),
	}, func(o *kinesis.Options) { o.HTTPClient = sdkhttp.PlainBodies(o.HTTPClient) })
}

// entries are n records with data "<prefix>-<i>" and partition key i.
func entries(prefix string, n int) []types.PutRecordsRequestEntry {
	out := make([]types.PutRecordsRequestEntry, n)
	for i := range out {
		out[i] = types.PutRecordsRequestEntry{
			PartitionKey: aws.String(fmt.Sprint(i)),
			Data:         fmt.Appendf(nil, "%s-%d", prefix, i),
		}
	}
	return out
}

func putRecords(ctx context.Context, c *kinesis.Client, es []types.PutRecordsRequestEntry) (*kinesis.PutRecordsOutput, error) {
	return c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(testStream), Records: es})
}

// stored counts the copies upstream holds of each record's data.
func stored(srv *fakekinesis.Server) map[string]int {
	out := map[string]int{}
	for _, r := range srv.Records(testStream) {
		out[string(r.Data)]++
	}
	return out
}

// settled returns the proxy's counts once it has finished every request:
// it notes an acknowledgement only after the client has its answer.
func settled(t *testing.T, p *faultproxy.Proxy) faultproxy.Counts {
	t.Helper()
	if err := p.Idle(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p.Counts()
}

// waitForCounts polls the proxy's counts until done says yes, for at most
// 30 seconds: long enough for any loaded machine, short enough that a
// broken proxy fails the test rather than hanging it.
func waitForCounts(t *testing.T, p *faultproxy.Proxy, what string, done func(faultproxy.Counts) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !done(p.Counts()) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s; counts %+v", what, p.Counts())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
