package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// upstreamResponse is an answer from upstream, read in full.
type upstreamResponse struct {
	status int
	header http.Header
	body   []byte
}

// skippedHeader reports whether a header stays on its own hop: it
// describes one connection or one encoding of the body, which the proxy
// re-encodes. name is in canonical form.
func skippedHeader(name string) bool {
	switch name {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
		"Transfer-Encoding", "Upgrade", "Content-Length", "Content-Encoding",
		"Accept-Encoding", "Host":
		return true
	}
	return false
}

// forward sends body to upstream with r's method, path and headers. It is
// not cancelled when the client goes away: once a request has reached the
// service, the service finishes it whoever is still listening. Only Close
// or the upstream timeout cut it short.
//
// The Authorization header travels unchanged, though the body may have
// changed: kinesis-local, like the other local emulators, does not check
// signatures.
func (p *Proxy) forward(r *http.Request, body []byte) (upstreamResponse, error) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	go func() {
		select {
		case <-p.closing:
			cancel()
		case <-ctx.Done():
		}
	}()

	target := p.upstream.JoinPath(r.URL.Path)
	target.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, r.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		return upstreamResponse{}, fmt.Errorf("forward to %s: %w", p.upstream, err)
	}
	for name, values := range r.Header {
		if !skippedHeader(http.CanonicalHeaderKey(name)) {
			req.Header[name] = values
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return upstreamResponse{}, fmt.Errorf("forward to %s: %w", p.upstream, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return upstreamResponse{}, fmt.Errorf("read answer of %s: %w", p.upstream, err)
	}
	return upstreamResponse{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// write copies the answer to the client.
func (u upstreamResponse) write(w http.ResponseWriter) {
	for name, values := range u.header {
		if !skippedHeader(http.CanonicalHeaderKey(name)) {
			w.Header()[name] = values
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(u.body)))
	w.WriteHeader(u.status)
	w.Write(u.body)
}
