package sdkhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/chatstream/chatstream/internal/sdkhttp"
)

// The race that loses answers, played in the order that loses them, every
// time: the answer's headers arrive and the SDK closes the request body
// before net/http checks the body for left-over bytes, and the rest of the
// answer arrives only after net/http has acted on that check.
func TestAnswerSurvivesTheSDKClosingTheRequestBodyEarly(t *testing.T) {
	tests := []struct {
		name string
		wrap func(aws.HTTPClient) aws.HTTPClient
		// lost says the answer is lost: the SDK as it is, which PlainBodies
		// exists to fix. Should smithy-go fix it, this case fails and
		// PlainBodies can go.
		lost bool
	}{
		{name: "SDK client as built", wrap: func(c aws.HTTPClient) aws.HTTPClient { return c }, lost: true},
		{name: "with PlainBodies", wrap: sdkhttp.PlainBodies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			r := newRace(ctx)
			// GIVEN a Kinesis endpoint that sends the first half of its answer
			// at once and the rest once the client's write of the request has
			// ended, well or badly
			srv := httptest.NewServer(halfNowHalfLater(r.writeEnded))
			t.Cleanup(srv.Close)
			// AND a client whose check of the request body waits until the
			// SDK has closed the body, as a writer goroutine scheduled late
			// would
			client := kinesis.New(kinesis.Options{
				Region:       "us-east-1",
				Credentials:  credentials.NewStaticCredentialsProvider("AKIDSDKHTTP", "test-secret", ""),
				Retryer:      aws.NopRetryer{},
				BaseEndpoint: aws.String(srv.URL),
				HTTPClient:   tt.wrap(r.client()),
				APIOptions:   []func(*middleware.Stack) error{r.noteBodyClosed},
			})

			// WHEN a record is put
			out, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{
				StreamName: aws.String("s"),
				Records:    []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("record")}},
			})

			// THEN the answer arrives, or, without PlainBodies, the connection
			// closes under an answer of 200
			if !tt.lost {
				if err != nil || len(out.Records) != 1 || aws.ToString(out.Records[0].SequenceNumber) != "1" {
					t.Fatalf("PutRecords() = %+v, %v; want the record's sequence number 1", out, err)
				}
				return
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusOK || !errors.Is(err, net.ErrClosed) {
				t.Fatalf("PutRecords() error = %v; want a 200 answer lost to a closed connection (use of closed network connection)", err)
			}
		})
	}
}

// answer is a PutRecords answer for one record.
const answer = `{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"}]}`

// halfNowHalfLater reads a request, sends its answer's headers and first
// half, and the second half once ended is closed.
func halfNowHalfLater(ended <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		half := len(answer) / 2
		io.WriteString(w, answer[:half])
		http.NewResponseController(w).Flush()
		select {
		case <-ended:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, answer[half:])
	}
}

// race orders one request's steps on both sides of the SDK's transport.
type race struct {
	ctx context.Context
	// bodyClosed is closed once the SDK has had the answer's headers from
	// the HTTP client and closed the request body.
	bodyClosed     chan struct{}
	noteClosedOnce func()
	// writeEnded is closed once net/http has written the request in full,
	// or failed to and closed the connection.
	writeEnded chan struct{}
	endOnce    func()
}

func newRace(ctx context.Context) *race {
	r := &race{ctx: ctx, bodyClosed: make(chan struct{}), writeEnded: make(chan struct{})}
	r.noteClosedOnce = sync.OnceFunc(func() { close(r.bodyClosed) })
	r.endOnce = sync.OnceFunc(func() { close(r.writeEnded) })
	return r
}

// noteBodyClosed adds, innermost in the SDK's deserialize step, a
// middleware that notes when the HTTP client has returned: smithy-go's
// client handler closes the request body before it returns.
func (r *race) noteBodyClosed(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("NoteBodyClosed",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			r.noteClosedOnce()
			return out, md, err
		}), middleware.After)
}

// client is an HTTP client that makes net/http's check of a request body
// for left-over bytes wait until the SDK has closed the body, and notes
// when the request's write has ended.
func (r *race) client() aws.HTTPClient {
	dialer := &net.Dialer{}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return closeNotifier{Conn: conn, closed: r.endOnce}, nil
		},
	}
	return doFunc(func(req *http.Request) (*http.Response, error) {
		if req.ContentLength <= 0 {
			return nil, fmt.Errorf("request of ContentLength %d: want a body of known length", req.ContentLength)
		}
		trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				r.endOnce()
			}
		}}
		held := req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		held.Body = r.hold(req.Body, req.ContentLength)
		return transport.RoundTrip(held)
	})
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// closeNotifier calls closed once it is closed.
type closeNotifier struct {
	net.Conn
	closed func()
}

func (c closeNotifier) Close() error {
	err := c.Conn.Close()
	c.closed()
	return err
}

// heldBody passes its body through, except that a read once length bytes
// were read, which is net/http's check for left-over bytes, waits until
// the SDK has closed the body.
type heldBody struct {
	io.ReadCloser
	race   *race
	length int64
	read   int64 // only net/http's writer goroutine reads
}

// hold wraps body in a heldBody that has a WriteTo method when body has
// one, as net/http would see body itself.
func (r *race) hold(body io.ReadCloser, length int64) io.ReadCloser {
	b := &heldBody{ReadCloser: body, race: r, length: length}
	if _, ok := body.(io.WriterTo); ok {
		return heldWriterTo{b}
	}
	return b
}

func (b *heldBody) Read(p []byte) (int, error) {
	b.waitIfAllRead()
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	return n, err
}

func (b *heldBody) waitIfAllRead() {
	if b.read < b.length {
		return
	}
	select {
	case <-b.race.bodyClosed:
	case <-b.race.ctx.Done():
	}
}

type heldWriterTo struct {
	*heldBody
}

func (b heldWriterTo) WriteTo(w io.Writer) (int64, error) {
	b.waitIfAllRead()
	n, err := b.ReadCloser.(io.WriterTo).WriteTo(w)
	b.read += n
	return n, err
}

func TestPlainBodies(t *testing.T) {
	tests := []struct {
		name string
		body io.ReadCloser
	}{
		{name: "body with WriteTo", body: io.NopCloser(strings.NewReader("data"))},
		{name: "body without WriteTo", body: io.NopCloser(io.LimitReader(strings.NewReader("data"), 4))},
		{name: "no body", body: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != nil {
				req.ContentLength = 4
			}
			sentBody := req.Body
			var got *http.Request
			resp, err := sdkhttp.PlainBodies(doFunc(func(r *http.Request) (*http.Response, error) {
				got = r
				return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody}, nil
			})).Do(req)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("Do() = %v, %v; want the next client's answer", resp, err)
			}
			if req.Body != sentBody {
				t.Errorf("Do() changed the caller's request body to %T", req.Body)
			}
			if _, ok := got.Body.(io.WriterTo); ok {
				t.Errorf("the next client got a body of %T, with WriteTo; want it hidden", got.Body)
			}
			if tt.body == nil {
				if got.Body != nil {
					t.Errorf("the next client got body %T, want none", got.Body)
				}
				return
			}
			data, err := io.ReadAll(got.Body)
			if err != nil || string(data) != "data" || got.ContentLength != 4 || got.Method != http.MethodPost || got.URL.String() != req.URL.String() {
				t.Errorf("the next client got %s %s, ContentLength %d, body %q (%v); want the request as sent", got.Method, got.URL, got.ContentLength, data, err)
			}
		})
	}
}
