package localrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// faultProxy stands between the producer and kinesis-local and fails, in
// every PutRecords request, the entries that fail(partitionKey) selects, the
// way Kinesis reports a throttled record. The other entries go through.
type faultProxy struct {
	upstream string
	fail     func(partitionKey string) bool

	mu       sync.Mutex
	failedID map[string]int // event id -> times refused
}

// startFaultProxy serves on 127.0.0.1 until the test ends.
func startFaultProxy(t *testing.T, upstream string, fail func(string) bool) (*faultProxy, string) {
	t.Helper()
	p := &faultProxy{upstream: upstream, fail: fail, failedID: map[string]int{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

// refused returns how often each refused event id was refused.
func (p *faultProxy) refused() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.failedID))
	for id, n := range p.failedID {
		out[id] = n
	}
	return out
}

type putEntry struct {
	Data            []byte `json:"Data"`
	PartitionKey    string `json:"PartitionKey"`
	ExplicitHashKey string `json:"ExplicitHashKey,omitempty"`
}

type putRequest struct {
	StreamName string     `json:"StreamName,omitempty"`
	StreamARN  string     `json:"StreamARN,omitempty"`
	Records    []putEntry `json:"Records"`
}

type putResultEntry struct {
	SequenceNumber string `json:"SequenceNumber,omitempty"`
	ShardId        string `json:"ShardId,omitempty"`
	ErrorCode      string `json:"ErrorCode,omitempty"`
	ErrorMessage   string `json:"ErrorMessage,omitempty"`
}

type putResponse struct {
	FailedRecordCount int              `json:"FailedRecordCount"`
	Records           []putResultEntry `json:"Records"`
	EncryptionType    string           `json:"EncryptionType,omitempty"`
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Header.Get("X-Amz-Target") != "Kinesis_20131202.PutRecords" {
		p.pass(w, r, body)
		return
	}
	var in putRequest
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	results := make([]putResultEntry, len(in.Records))
	forward := in
	forward.Records = nil
	var forwardedAt []int
	for i, e := range in.Records {
		if !p.fail(e.PartitionKey) {
			forward.Records = append(forward.Records, e)
			forwardedAt = append(forwardedAt, i)
			continue
		}
		results[i] = putResultEntry{ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "refused by the test's fault proxy"}
		var ev struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(e.Data, &ev)
		p.mu.Lock()
		p.failedID[ev.EventID]++
		p.mu.Unlock()
	}
	out := putResponse{FailedRecordCount: len(in.Records) - len(forward.Records)}
	if len(forward.Records) > 0 {
		fwdBody, _ := json.Marshal(forward)
		resp, status, err := p.send(r, fwdBody)
		if err != nil || status != http.StatusOK {
			http.Error(w, fmt.Sprintf("upstream: %v %s", err, resp), http.StatusBadGateway)
			return
		}
		var up putResponse
		if err := json.Unmarshal(resp, &up); err != nil || len(up.Records) != len(forwardedAt) {
			http.Error(w, fmt.Sprintf("upstream answer %s: %v", resp, err), http.StatusBadGateway)
			return
		}
		for j, i := range forwardedAt {
			results[i] = up.Records[j]
		}
		out.FailedRecordCount += up.FailedRecordCount
		out.EncryptionType = up.EncryptionType
	}
	out.Records = results
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// pass forwards a request unchanged and copies the answer back.
func (p *faultProxy) pass(w http.ResponseWriter, r *http.Request, body []byte) {
	resp, status, err := p.send(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	w.Write(resp)
}

// send replays r with body to the upstream. kinesis-local does not check
// signatures, so the now stale Authorization header does no harm.
func (p *faultProxy) send(r *http.Request, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	for _, h := range []string{"Authorization", "Content-Type", "X-Amz-Target", "X-Amz-Date", "X-Amz-Security-Token"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}
