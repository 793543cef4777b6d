package fakekinesis

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kinesis limits on writes (default record size).
const (
	maxPutRecords    = 500
	maxRequestBytes  = 5 << 20
	maxRecordBytes   = 1 << 20
	maxPartitionKeys = 256
)

// request is a decoded request of one operation.
type request interface {
	// stream names the stream the request is about, "" if none.
	stream() string
	// records are the entries a write carries, nil for other operations.
	records() []Record
	serve(s *Server, f Fault) (any, *apiError)
}

func newRequest(op string) (request, bool) {
	switch op {
	case "PutRecords":
		return &putRecordsRequest{}, true
	case "PutRecord":
		return &putRecordRequest{}, true
	case "ListShards":
		return &listShardsRequest{}, true
	case "GetShardIterator":
		return &getShardIteratorRequest{}, true
	case "GetRecords":
		return &getRecordsRequest{}, true
	case "DescribeStreamSummary":
		return &describeStreamSummaryRequest{}, true
	}
	return nil, false
}

// streamRef is how requests name a stream: by name, by ARN, or both.
type streamRef struct {
	StreamName string
	StreamARN  string
}

func (r streamRef) stream() string {
	if r.StreamName != "" {
		return r.StreamName
	}
	if _, name, ok := strings.Cut(r.StreamARN, ":stream/"); ok {
		return name
	}
	return ""
}

func (r streamRef) records() []Record { return nil }

// lookup finds the named stream; the caller holds s.mu.
func (s *Server) lookup(name string) (*stream, *apiError) {
	if name == "" {
		return nil, &apiError{Code: "ValidationException", Message: "either StreamName or StreamARN is required"}
	}
	st, ok := s.streams[name]
	if !ok {
		return nil, &apiError{Code: "ResourceNotFoundException", Message: fmt.Sprintf("Stream %s under account 000000000000 not found.", name)}
	}
	return st, nil
}

// checkRecord applies the per-record limits.
func checkRecord(i int, r Record) *apiError {
	switch n := utf8.RuneCountInString(r.PartitionKey); {
	case n < 1 || n > maxPartitionKeys:
		return &apiError{Code: "ValidationException", Message: fmt.Sprintf("record %d: partition key of %d characters, want 1 to %d", i, n, maxPartitionKeys)}
	case len(r.Data)+len(r.PartitionKey) > maxRecordBytes:
		return &apiError{Code: "ValidationException", Message: fmt.Sprintf("record %d: %d bytes of data and partition key, more than %d", i, len(r.Data)+len(r.PartitionKey), maxRecordBytes)}
	case r.ExplicitHashKey != "" && !validHashKey(r.ExplicitHashKey):
		return &apiError{Code: "ValidationException", Message: fmt.Sprintf("record %d: explicit hash key %q is not a decimal below 2^128", i, r.ExplicitHashKey)}
	}
	return nil
}

type putRecordsRequest struct {
	streamRef
	Records []Record
}

type putRecordsResult struct {
	SequenceNumber string `json:",omitempty"`
	ShardID        string `json:"ShardId,omitempty"`
	ErrorCode      string `json:",omitempty"`
	ErrorMessage   string `json:",omitempty"`
}

type putRecordsResponse struct {
	FailedRecordCount int
	Records           []putRecordsResult
	EncryptionType    string
}

func (r *putRecordsRequest) records() []Record { return r.Records }

func (r *putRecordsRequest) serve(s *Server, f Fault) (any, *apiError) {
	if n := len(r.Records); n < 1 || n > maxPutRecords {
		return nil, &apiError{Code: "ValidationException", Message: fmt.Sprintf("%d records, want 1 to %d", n, maxPutRecords)}
	}
	total := 0
	for i, rec := range r.Records {
		if aerr := checkRecord(i, rec); aerr != nil {
			return nil, aerr
		}
		total += len(rec.Data) + len(rec.PartitionKey)
	}
	if total > maxRequestBytes {
		return nil, &apiError{Code: "InvalidArgumentException", Message: fmt.Sprintf("records size %d exceeds the %d byte limit", total, maxRequestBytes)}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.lookup(r.stream())
	if aerr != nil {
		return nil, aerr
	}
	now := s.opts.Now()
	resp := putRecordsResponse{Records: make([]putRecordsResult, len(r.Records)), EncryptionType: "NONE"}
	for i, rec := range r.Records {
		if code, ok := f.EntryCodes[i]; ok {
			resp.Records[i] = putRecordsResult{ErrorCode: code, ErrorMessage: "fault injected by the test"}
			resp.FailedRecordCount++
			continue
		}
		stored := st.store(rec, now, s.opts.Discard)
		resp.Records[i] = putRecordsResult{SequenceNumber: stored.SequenceNumber, ShardID: stored.ShardID}
		s.stored++
	}
	return resp, nil
}

type putRecordRequest struct {
	streamRef
	Data            []byte
	PartitionKey    string
	ExplicitHashKey string
}

type putRecordResponse struct {
	ShardID        string `json:"ShardId"`
	SequenceNumber string
	EncryptionType string
}

func (r *putRecordRequest) record() Record {
	return Record{PartitionKey: r.PartitionKey, Data: r.Data, ExplicitHashKey: r.ExplicitHashKey}
}

func (r *putRecordRequest) records() []Record { return []Record{r.record()} }

func (r *putRecordRequest) serve(s *Server, f Fault) (any, *apiError) {
	if aerr := checkRecord(0, r.record()); aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.lookup(r.stream())
	if aerr != nil {
		return nil, aerr
	}
	stored := st.store(r.record(), s.opts.Now(), s.opts.Discard)
	s.stored++
	return putRecordResponse{ShardID: stored.ShardID, SequenceNumber: stored.SequenceNumber, EncryptionType: "NONE"}, nil
}
