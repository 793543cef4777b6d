package faultproxy

import "maps"

// Counts is what the proxy saw and did since it started. Entries are the
// records of PutRecords requests, counted once per time they were sent.
type Counts struct {
	// Requests counts PutRecords requests received.
	Requests int
	// Entries counts PutRecords entries received.
	Entries int
	// Throttled counts entries the proxy refused itself.
	Throttled int
	// ServerErrors counts requests answered with a 5xx without forwarding;
	// ServerErrorEntries counts the entries they carried.
	ServerErrors, ServerErrorEntries int
	// Delayed counts requests held until their client gave up.
	Delayed int
	// LateAnswers counts delayed requests whose client had gone when their
	// answer was ready.
	LateAnswers int
	// LostAnswers counts requests whose connection the proxy closed
	// without answering, after forwarding them.
	LostAnswers int
	// Forwarded counts entries forwarded upstream.
	Forwarded int
	// Accepted counts entries upstream stored (answered with a sequence
	// number).
	Accepted int
	// UpstreamRefused counts forwarded entries upstream did not store.
	UpstreamRefused int
	// Acknowledged counts stored entries whose answer reached the client.
	Acknowledged int
	// Unacknowledged counts stored entries whose answer never reached the
	// client: lost, or late after a delay. The client may resend each of
	// them, so they are where duplicates come from.
	Unacknowledged int
	// UpstreamFailures counts forwarded requests that got no usable
	// answer from upstream; the proxy then answers 502.
	UpstreamFailures int
	// PassedThrough counts requests of other operations, forwarded as
	// they were.
	PassedThrough int
}

// RecordStats is the history of one record, by its Options.RecordID.
type RecordStats struct {
	// Received counts the times the client sent it.
	Received int
	// Throttled counts the times the proxy refused it.
	Throttled int
	// ServerErrors counts the times it travelled in a request answered 5xx.
	ServerErrors int
	// Accepted counts the times upstream stored it: the number of copies in
	// the stream.
	Accepted int
	// Acknowledged counts the times the client learned it was stored: at
	// most once, unless the client sends stored records again.
	Acknowledged int
}

// ledger keeps Counts and the per-record history; the Proxy guards it.
type ledger struct {
	counts  Counts
	records map[string]*RecordStats
}

func (l *ledger) record(id string) *RecordStats {
	s, ok := l.records[id]
	if !ok {
		s = &RecordStats{}
		l.records[id] = s
	}
	return s
}

func (l *ledger) snapshot() map[string]RecordStats {
	out := make(map[string]RecordStats, len(l.records))
	for id, s := range maps.All(l.records) {
		out[id] = *s
	}
	return out
}
