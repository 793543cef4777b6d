package fakekinesis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// targetPrefix precedes the operation name in the X-Amz-Target header.
const targetPrefix = "Kinesis_20131202."

// DefaultShards is the shard count of a new on-demand stream.
const DefaultShards = 4

// Options configures a Server.
type Options struct {
	// Streams lists the streams that exist; a request for any other stream
	// answers ResourceNotFoundException.
	Streams []string
	// Shards is the number of shards of each stream; 0 means DefaultShards.
	Shards int
	// Latency is added to every request before it is answered, as the
	// network and service would.
	Latency time.Duration
	// Fault, when set, is asked how to answer each request before the
	// server acts on it. It is called from many goroutines at once.
	Fault func(Call) Fault
	// Discard counts accepted records and then drops them and the call log,
	// keeping memory flat in benchmarks. Records and Calls then return
	// nothing and GetRecords finds no records.
	Discard bool
	// Now is the clock for arrival timestamps; nil means time.Now.
	Now func() time.Time
}

// Call is one request as the server received it.
type Call struct {
	// Seq numbers requests in the order they arrived, from 1.
	Seq int
	// Op is the operation, such as "PutRecords".
	Op string
	// Stream is the stream the request names, from its name or its ARN.
	Stream string
	// Records are the entries of a PutRecords or PutRecord request, in
	// request order; ShardID and SequenceNumber are empty.
	Records []Record
}

// Record is a Kinesis record as the server received or stored it.
type Record struct {
	PartitionKey    string
	Data            []byte
	ExplicitHashKey string
	// ShardID and SequenceNumber are set once the record is stored.
	ShardID        string
	SequenceNumber string
	Arrival        time.Time
}

// Stats counts what the server has seen since it started.
type Stats struct {
	// Requests counts every request, faulted ones included.
	Requests int
	// Records counts records stored, over all streams.
	Records int
}

// Server is a running fake Kinesis endpoint. Close it when done.
type Server struct {
	// URL is the endpoint, "http://127.0.0.1:port", for the SDK's
	// BaseEndpoint.
	URL string

	opts    Options
	httpSrv *httptest.Server
	// closing ends requests held by Latency or a Hang fault, so that Close
	// does not wait for them.
	closing   chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	seq     int
	stored  int
	calls   []Call
	streams map[string]*stream
}

// New starts a Server listening on a free port of 127.0.0.1. It fails only
// when no port can be had or an option is invalid.
func New(opts Options) (*Server, error) {
	if opts.Shards < 0 {
		return nil, fmt.Errorf("fakekinesis: Options.Shards %d is negative", opts.Shards)
	}
	if opts.Shards == 0 {
		opts.Shards = DefaultShards
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:    opts,
		closing: make(chan struct{}),
		streams: make(map[string]*stream, len(opts.Streams)),
	}
	for _, name := range opts.Streams {
		if name == "" {
			return nil, fmt.Errorf("fakekinesis: empty stream name in Options.Streams")
		}
		s.streams[name] = newStream(name, opts.Shards)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	s.httpSrv = httptest.NewUnstartedServer(s)
	s.httpSrv.Listener.Close()
	s.httpSrv.Listener = ln
	s.httpSrv.Start()
	s.URL = s.httpSrv.URL
	return s, nil
}

// Close ends held requests, stops the server and waits for its handlers.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.httpSrv.Close()
	})
}

// Calls returns every request received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Records returns the records stored in a stream, in the order they were
// stored, or nil for an unknown stream.
func (s *Server) Records(streamName string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.streams[streamName]
	if !ok {
		return nil
	}
	return append([]Record(nil), st.log...)
}

// Stats returns the request and record counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Requests: s.seq, Records: s.stored}
}

// ServeHTTP answers one Kinesis JSON 1.1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method != http.MethodPost || !ok {
		writeError(w, &apiError{Code: "UnknownOperationException", Message: "expected POST with X-Amz-Target " + targetPrefix + "<operation>"})
		return
	}
	req, ok := newRequest(op)
	if !ok {
		writeError(w, &apiError{Code: "UnknownOperationException", Message: "operation " + op + " is not supported by the fake"})
		return
	}
	if err := json.Unmarshal(body, req); err != nil {
		writeError(w, &apiError{Code: "SerializationException", Message: fmt.Sprintf("decode %s request: %v", op, err)})
		return
	}

	call := Call{Op: op, Stream: req.stream(), Records: req.records()}
	s.mu.Lock()
	s.seq++
	call.Seq = s.seq
	if !s.opts.Discard {
		s.calls = append(s.calls, call)
	}
	s.mu.Unlock()

	var fault Fault
	if s.opts.Fault != nil {
		fault = s.opts.Fault(call)
	}
	if !s.hold(r.Context(), s.opts.Latency+fault.Delay) {
		HangUp(w)
		return
	}
	switch {
	case fault.Hang:
		s.hold(r.Context(), -1)
		HangUp(w)
		return
	case fault.Drop:
		HangUp(w)
		return
	case fault.Code != "":
		writeError(w, &apiError{Status: fault.Status, Code: fault.Code, Message: fault.Message})
		return
	}

	resp, aerr := req.serve(s, fault)
	if fault.LoseAnswer {
		HangUp(w)
		return
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// hold waits d (forever when negative) and reports whether the request is
// still wanted: false when the client gave up or the server is closing, and
// the request must then end without an answer.
func (s *Server) hold(ctx context.Context, d time.Duration) bool {
	if d == 0 {
		return true
	}
	var expired <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-expired:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// HangUp closes the client's connection without an answer, as a failing
// network or a crashed front end would. It must be the handler's last act:
// on a connection that cannot be hijacked it aborts the handler.
func HangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not HTTP/1: aborting the handler is the server's own way to cut
		// the connection.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// apiError is a Kinesis error answer.
type apiError struct {
	Status  int
	Code    string
	Message string
}

// writeError answers with e.
func writeError(w http.ResponseWriter, e *apiError) {
	WriteError(w, e.Status, e.Code, e.Message)
}

// WriteError answers with a Kinesis JSON 1.1 error, which the SDK reads from
// the X-Amzn-ErrorType header and the body's __type. A status of 0 means
// StatusFor(code).
func WriteError(w http.ResponseWriter, status int, code, message string) {
	if status == 0 {
		status = StatusFor(code)
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, map[string]string{"__type": code, "message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"__type":"InternalFailure","message":"fake could not encode its answer"}`)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
