package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// PlainBodies returns an HTTP client for an AWS SDK client that passes each
// request to next with its body reduced to an io.ReadCloser: any WriteTo
// method of the body is hidden. Install it last, in the client's options
// (o.HTTPClient = PlainBodies(o.HTTPClient)), so that the SDK has already
// set up its own client.
//
// Without it, the SDK can lose an answer that has arrived, which for a
// PutRecords that Kinesis stored means the records are sent and stored again.
// smithy-go, the SDK's transport layer, wraps a request body in a reader
// whose WriteTo returns io.EOF once the body is closed, and it closes the
// body as soon as Do returns the response headers. net/http returns the
// headers as soon as they arrive, which can be before its writer goroutine
// has finished with the request: after copying Content-Length bytes it reads
// the body once more to check that nothing is left over, and io.Copy hands
// that check to WriteTo. When the answer wins that race, the check fails
// with io.EOF, net/http takes it for a failed request write and closes the
// connection while the SDK is still reading the answer: "StatusCode: 200,
// deserialization failed, ... use of closed network connection". Read on the
// closed body also returns io.EOF, but io.Copy takes that for the end of the
// body, so with WriteTo hidden the check passes and the answer is read.
func PlainBodies(next aws.HTTPClient) aws.HTTPClient {
	return plainBodies{next: next}
}

type plainBodies struct {
	next aws.HTTPClient
}

// Do sends req through the next client, with a plain body.
func (c plainBodies) Do(req *http.Request) (*http.Response, error) {
	if _, ok := req.Body.(io.WriterTo); !ok {
		return c.next.Do(req)
	}
	// A shallow copy, as Request.WithContext makes: the caller's request
	// stays as it was.
	plain := *req
	plain.Body = readCloser{req.Body}
	return c.next.Do(&plain)
}

// readCloser has only the Read and Close methods of the body it holds.
type readCloser struct {
	io.ReadCloser
}
