package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// putRecordsTarget is the X-Amz-Target of the one operation the proxy
// disturbs.
const putRecordsTarget = "Kinesis_20131202.PutRecords"

// maxBody bounds a request body: PutRecords carries at most 5 MiB of data,
// which base64 and JSON inflate by about a third.
const maxBody = 8 << 20

// Proxy is a running fault-injecting Kinesis proxy. Close it when done.
type Proxy struct {
	// URL is the proxy's endpoint, "http://127.0.0.1:port", for
	// AWS_ENDPOINT_URL_KINESIS or the SDK's BaseEndpoint.
	URL string

	upstream *url.URL
	faults   Faults
	recordID func([]byte) string
	client   *http.Client
	server   *http.Server

	// closing is closed by Close; it ends delays and upstream requests.
	closing   chan struct{}
	closeOnce sync.Once

	// Two generators, so that the n-th request's fate does not depend on
	// how many entries the requests before it carried.
	randMu      sync.Mutex
	requestRand *rand.Rand
	entryRand   *rand.Rand

	mu       sync.Mutex
	ledger   ledger
	inFlight int
	idle     chan struct{} // closed while inFlight is 0
}

// Start starts a Proxy listening on a free port of 127.0.0.1. It fails
// when an option is out of range or no port can be had.
func Start(opts Options) (*Proxy, error) {
	upstream, err := opts.validate()
	if err != nil {
		return nil, err
	}
	timeout := opts.UpstreamTimeout
	if timeout == 0 {
		timeout = defaultUpstreamTimeout
	}
	recordID := opts.RecordID
	if recordID == nil {
		recordID = func(data []byte) string { return string(data) }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen on 127.0.0.1: %w", err)
	}
	requestSeed := [2]uint64{opts.Rand.Uint64(), opts.Rand.Uint64()}
	entrySeed := [2]uint64{opts.Rand.Uint64(), opts.Rand.Uint64()}
	p := &Proxy{
		URL:         "http://" + ln.Addr().String(),
		upstream:    upstream,
		faults:      opts.Faults,
		recordID:    recordID,
		client:      &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		closing:     make(chan struct{}),
		requestRand: rand.New(rand.NewPCG(requestSeed[0], requestSeed[1])),
		entryRand:   rand.New(rand.NewPCG(entrySeed[0], entrySeed[1])),
		ledger:      ledger{records: map[string]*RecordStats{}},
		idle:        make(chan struct{}),
	}
	close(p.idle)
	p.server = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.server.Serve(ln)
	return p, nil
}

// ServeHTTP handles one request: PutRecords meets the faults, anything else
// is forwarded unchanged.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.begin()
	defer p.end()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, fmt.Sprintf("read request: %v", err), http.StatusBadRequest)
		return
	}
	if r.Header.Get("X-Amz-Target") == putRecordsTarget {
		p.putRecords(w, r, body)
		return
	}
	p.passThrough(w, r, body)
}

// Counts returns what the proxy has seen and done so far. A request's
// acknowledgement is noted after its client has the answer: wait for Idle
// before reading final numbers.
func (p *Proxy) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ledger.counts
}

// Records returns the history of every record the proxy received, by
// Options.RecordID.
func (p *Proxy) Records() map[string]RecordStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ledger.snapshot()
}

// Idle waits until no request is being handled, or ctx is done. A delayed
// request may be forwarded after its client returned: wait for Idle before
// reading the stream back.
func (p *Proxy) Idle(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the fault proxy to finish its requests: %w", ctx.Err())
	}
}

// Close stops the proxy: held requests are dropped unforwarded, open
// connections are closed, and Close returns once every handler has ended.
// A handler still running after the upstream timeout and a second is
// reported as an error rather than waited for: every handler's wait ends
// on closing and every upstream request on that timeout, so only a bug
// can keep one running, and a test's cleanup must not hang on it.
func (p *Proxy) Close() error {
	// closing first: closing the connections also ends held requests, and
	// they must know that Close, not their client, ended the wait, or they
	// would be forwarded.
	p.closeOnce.Do(func() { close(p.closing) })
	err := p.server.Close()
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	limit := p.client.Timeout + time.Second
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
		p.mu.Lock()
		inFlight := p.inFlight
		p.mu.Unlock()
		err = errors.Join(err, fmt.Errorf("close the fault proxy: %d requests still being handled after %s", inFlight, limit))
	}
	p.client.CloseIdleConnections()
	return err
}

func (p *Proxy) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inFlight == 0 {
		p.idle = make(chan struct{})
	}
	p.inFlight++
}

func (p *Proxy) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	if p.inFlight == 0 {
		close(p.idle)
	}
}

// note updates the counters and the records' histories under the lock.
func (p *Proxy) note(update func(*ledger)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	update(&p.ledger)
}
