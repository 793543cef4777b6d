package faultproxy

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/chatstream/chatstream/internal/fakekinesis"
)

// The Kinesis error codes the proxy injects.
const (
	// CodeThrottled fails an entry, as a shard over its write limit does.
	CodeThrottled = "ProvisionedThroughputExceededException"
	// CodeInternalFailure answers a request with HTTP 500.
	CodeInternalFailure = "InternalFailure"
	// CodeServiceUnavailable answers a request with HTTP 503.
	CodeServiceUnavailable = "ServiceUnavailable"
)

// requestFault is the fate drawn for one PutRecords request.
type requestFault int

const (
	noFault requestFault = iota
	serverError
	delayed
	lostAnswer
)

// decide draws the fate of the next request and, for a server error, its
// code. Every request takes the same two draws, whatever its fate, so the
// n-th request's fate depends only on the seed.
func (p *Proxy) decide() (requestFault, string) {
	p.randMu.Lock()
	u := p.requestRand.Float64()
	unavailable := p.requestRand.IntN(2) == 1
	p.randMu.Unlock()

	f := p.faults
	switch {
	case u < f.ServerError:
		if unavailable {
			return serverError, CodeServiceUnavailable
		}
		return serverError, CodeInternalFailure
	case u < f.ServerError+f.Delay:
		return delayed, ""
	case u < f.ServerError+f.Delay+f.LoseAnswer:
		return lostAnswer, ""
	}
	return noFault, ""
}

// throttles draws, for each of n entries, whether the proxy refuses it.
func (p *Proxy) throttles(n int) []bool {
	p.randMu.Lock()
	defer p.randMu.Unlock()
	out := make([]bool, n)
	for i := range out {
		out[i] = p.entryRand.Float64() < p.faults.Throttle
	}
	return out
}

// putRecordsEntry is the part of a request entry the proxy reads.
type putRecordsEntry struct {
	Data []byte `json:"Data"`
}

// putRecordsResult is the part of an answer entry the proxy reads.
type putRecordsResult struct {
	SequenceNumber string `json:"SequenceNumber"`
	ErrorCode      string `json:"ErrorCode"`
}

// putRecords disturbs one PutRecords request as the faults say. Entries
// and the request's other members travel as raw JSON, so that whatever the
// SDK sends (StreamName, StreamARN, fields added later) reaches upstream
// unchanged.
func (p *Proxy) putRecords(w http.ResponseWriter, r *http.Request, body []byte) {
	var req map[string]json.RawMessage
	var entries []json.RawMessage
	if json.Unmarshal(body, &req) != nil || json.Unmarshal(req["Records"], &entries) != nil {
		// Not ours to judge: upstream answers it as Kinesis would.
		p.passThrough(w, r, body)
		return
	}
	ids := make([]string, len(entries))
	for i, raw := range entries {
		var e putRecordsEntry
		if json.Unmarshal(raw, &e) != nil {
			p.passThrough(w, r, body)
			return
		}
		ids[i] = p.recordID(e.Data)
	}

	fault, code := p.decide()
	p.note(func(l *ledger) {
		l.counts.Requests++
		l.counts.Entries += len(ids)
		for _, id := range ids {
			l.record(id).Received++
		}
	})
	if fault == serverError {
		p.note(func(l *ledger) {
			l.counts.ServerErrors++
			l.counts.ServerErrorEntries += len(ids)
			for _, id := range ids {
				l.record(id).ServerErrors++
			}
		})
		fakekinesis.WriteError(w, fakekinesis.StatusFor(code), code, "injected by the fault proxy")
		return
	}

	results := make([]json.RawMessage, len(entries))
	var forwardAt []int
	var forward []json.RawMessage
	for i, throttled := range p.throttles(len(entries)) {
		if !throttled {
			forwardAt = append(forwardAt, i)
			forward = append(forward, entries[i])
			continue
		}
		results[i] = json.RawMessage(throttledResult)
	}
	p.note(func(l *ledger) {
		l.counts.Throttled += len(entries) - len(forward)
		for i, id := range ids {
			if results[i] != nil {
				l.record(id).Throttled++
			}
		}
	})

	if fault == delayed && !p.holdUntilClientGone(w, r) {
		return
	}

	answer := map[string]json.RawMessage{}
	accepted := make([]bool, len(entries))
	if len(forward) > 0 {
		up, ok := p.forwardEntries(w, r, req, forward, fault)
		if !ok {
			return
		}
		answer = up.answer
		for j, i := range forwardAt {
			results[i] = up.results[j]
			accepted[i] = up.accepted[j]
		}
	}
	var stored []string
	for i, ok := range accepted {
		if ok {
			stored = append(stored, ids[i])
		}
	}
	p.note(func(l *ledger) {
		l.counts.Accepted += len(stored)
		l.counts.UpstreamRefused += len(forward) - len(stored)
		for _, id := range stored {
			l.record(id).Accepted++
		}
	})

	answer["Records"], _ = json.Marshal(results)
	answer["FailedRecordCount"] = json.RawMessage(strconv.Itoa(len(entries) - len(stored)))
	data, _ := json.Marshal(answer)
	p.deliver(w, r, fault, data, stored)
}

// throttledResult is the answer entry of a throttled record, as Kinesis
// words it.
const throttledResult = `{"ErrorCode":"` + CodeThrottled + `","ErrorMessage":"Rate exceeded for shard (injected by the fault proxy)"}`

// holdUntilClientGone holds a delayed request until its client hangs up,
// and reports whether to forward it: not when Close ended the hold, which
// then closes the connection without an answer.
func (p *Proxy) holdUntilClientGone(w http.ResponseWriter, r *http.Request) bool {
	p.note(func(l *ledger) { l.counts.Delayed++ })
	select {
	case <-r.Context().Done():
	case <-p.closing:
		fakekinesis.HangUp(w)
		return false
	}
	// Close cancels every request's context too; only a client that hung
	// up of its own accord gets its request forwarded.
	select {
	case <-p.closing:
		return false
	default:
		return true
	}
}

// forwarded is upstream's answer to the forwarded entries.
type forwarded struct {
	answer   map[string]json.RawMessage // the answer's members
	results  []json.RawMessage          // one per forwarded entry, in order
	accepted []bool                     // whether upstream stored each
}

// forwardEntries sends the request with only the forwarded entries. When
// upstream's answer cannot be merged, it answers the client itself and
// returns false.
func (p *Proxy) forwardEntries(w http.ResponseWriter, r *http.Request, req map[string]json.RawMessage, entries []json.RawMessage, fault requestFault) (forwarded, bool) {
	out := make(map[string]json.RawMessage, len(req))
	for k, v := range req {
		out[k] = v
	}
	out["Records"], _ = json.Marshal(entries)
	body, _ := json.Marshal(out)
	p.note(func(l *ledger) { l.counts.Forwarded += len(entries) })

	resp, err := p.forward(r, body)
	if err != nil {
		p.note(func(l *ledger) { l.counts.UpstreamFailures++ })
		fakekinesis.WriteError(w, http.StatusBadGateway, CodeInternalFailure, err.Error())
		return forwarded{}, false
	}
	if resp.status != http.StatusOK {
		// Upstream refused the request as a whole: nothing was stored.
		p.note(func(l *ledger) { l.counts.UpstreamRefused += len(entries) })
		if fault == lostAnswer {
			p.note(func(l *ledger) { l.counts.LostAnswers++ })
			fakekinesis.HangUp(w)
			return forwarded{}, false
		}
		resp.write(w)
		return forwarded{}, false
	}
	var up forwarded
	if json.Unmarshal(resp.body, &up.answer) != nil || json.Unmarshal(up.answer["Records"], &up.results) != nil || len(up.results) != len(entries) {
		p.note(func(l *ledger) { l.counts.UpstreamFailures++ })
		fakekinesis.WriteError(w, http.StatusBadGateway, CodeInternalFailure, "upstream's PutRecords answer does not account for each entry: "+string(resp.body))
		return forwarded{}, false
	}
	up.accepted = make([]bool, len(entries))
	for j, raw := range up.results {
		var res putRecordsResult
		if json.Unmarshal(raw, &res) == nil && res.ErrorCode == "" && res.SequenceNumber != "" {
			up.accepted[j] = true
		}
	}
	return up, true
}

// deliver answers the client, unless the fault is a lost answer or the
// client has gone, and records whether the stored entries were
// acknowledged.
func (p *Proxy) deliver(w http.ResponseWriter, r *http.Request, fault requestFault, answer []byte, stored []string) {
	unacknowledged := func(update func(*Counts)) {
		p.note(func(l *ledger) {
			update(&l.counts)
			l.counts.Unacknowledged += len(stored)
		})
	}
	switch {
	case fault == lostAnswer:
		fakekinesis.HangUp(w)
		unacknowledged(func(c *Counts) { c.LostAnswers++ })
		return
	case r.Context().Err() != nil:
		unacknowledged(func(c *Counts) {
			if fault == delayed {
				c.LateAnswers++
			}
		})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(answer)
	if err == nil {
		err = http.NewResponseController(w).Flush()
	}
	if err != nil {
		unacknowledged(func(*Counts) {})
		return
	}
	p.note(func(l *ledger) {
		l.counts.Acknowledged += len(stored)
		for _, id := range stored {
			l.record(id).Acknowledged++
		}
	})
}

// passThrough forwards a request unchanged and copies the answer back.
func (p *Proxy) passThrough(w http.ResponseWriter, r *http.Request, body []byte) {
	p.note(func(l *ledger) { l.counts.PassedThrough++ })
	resp, err := p.forward(r, body)
	if err != nil {
		p.note(func(l *ledger) { l.counts.UpstreamFailures++ })
		fakekinesis.WriteError(w, http.StatusBadGateway, CodeInternalFailure, err.Error())
		return
	}
	resp.write(w)
}
