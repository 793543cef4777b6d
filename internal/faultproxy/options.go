package faultproxy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"time"
)

// Faults says how much of the traffic the proxy disturbs. Shares run from
// 0 (never) to 1 (always). Only PutRecords requests are disturbed; every
// other operation passes through untouched.
type Faults struct {
	// Throttle is the share of PutRecords entries the proxy refuses itself
	// with ProvisionedThroughputExceededException, inside an otherwise
	// normal answer, as a hot shard does: only the other entries are
	// forwarded, and the answer keeps the request's entry order and counts
	// the refused entries in FailedRecordCount.
	Throttle float64
	// ServerError is the share of PutRecords requests answered with HTTP 500
	// InternalFailure or 503 ServiceUnavailable (drawn, half each) without
	// forwarding anything.
	ServerError float64
	// Delay is the share of PutRecords requests held until their client
	// gives up on them (its request timeout closes the connection), and then
	// forwarded, as a network that held a packet would deliver it: the
	// records are stored although the client saw a timeout, and its resend
	// stores them again. The hold follows the client rather than a clock, so
	// that however slow the machine, a delayed request is late and nothing
	// else is. A client without a request timeout is held until Close.
	Delay float64
	// LoseAnswer is the share of PutRecords requests that are forwarded and
	// stored, after which the proxy closes the connection without
	// answering: the client cannot tell whether anything was stored.
	LoseAnswer float64
}

// Options configures a Proxy.
type Options struct {
	// Upstream is the base URL of the Kinesis endpoint to forward to, such as
	// "http://127.0.0.1:4568". It must be a loopback address: the proxy
	// exists for tests and sends nothing anywhere else.
	Upstream string
	// Faults says what to inject; the zero value injects nothing.
	Faults Faults
	// Rand draws every fault decision, so that a seed reproduces a run: the
	// n-th request (in arrival order) always meets the same fate. Required.
	Rand *rand.Rand
	// RecordID names a record in Records, from its data; nil uses the data
	// itself. A chat event's id is the natural choice.
	RecordID func(data []byte) string
	// UpstreamTimeout bounds one forwarded request; 0 means 30 s.
	UpstreamTimeout time.Duration
}

// defaultUpstreamTimeout is generous: kinesis-local can take seconds to
// store a large batch on a busy machine, and a proxy that gave up first
// would invent faults of its own.
const defaultUpstreamTimeout = 30 * time.Second

// validate reports the first option that is out of range, naming it and
// its value.
func (o Options) validate() (*url.URL, error) {
	if o.Rand == nil {
		return nil, fmt.Errorf("faultproxy: Options.Rand is required, so that fault decisions can be reproduced")
	}
	upstream, err := loopbackURL(o.Upstream)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: Options.Upstream %q: %w", o.Upstream, err)
	}
	if o.UpstreamTimeout < 0 {
		return nil, fmt.Errorf("faultproxy: Options.UpstreamTimeout %s is negative", o.UpstreamTimeout)
	}
	f := o.Faults
	shares := []struct {
		name  string
		value float64
	}{
		{"Throttle", f.Throttle},
		{"ServerError", f.ServerError},
		{"Delay", f.Delay},
		{"LoseAnswer", f.LoseAnswer},
	}
	for _, s := range shares {
		if math.IsNaN(s.value) || s.value < 0 || s.value > 1 {
			return nil, fmt.Errorf("faultproxy: Faults.%s %v is not a share from 0 to 1", s.name, s.value)
		}
	}
	if sum := f.ServerError + f.Delay + f.LoseAnswer; sum > 1 {
		return nil, fmt.Errorf("faultproxy: Faults.ServerError + Delay + LoseAnswer = %v exceeds 1: a request meets at most one of them", sum)
	}
	return upstream, nil
}

// loopbackURL parses s as an http URL of a port on a loopback address.
func loopbackURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("want an http:// URL, not scheme %q", u.Scheme)
	}
	if u.Port() == "" {
		return nil, fmt.Errorf("no port")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("want only scheme, host and port")
	}
	host := u.Hostname()
	if host == "localhost" {
		return u, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("host %q is not a loopback address", host)
	}
	return u, nil
}
