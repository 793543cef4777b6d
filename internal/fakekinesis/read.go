package fakekinesis

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxGetRecords is the most records one GetRecords call returns.
const maxGetRecords = 10000

type hashKeyRange struct {
	StartingHashKey string
	EndingHashKey   string
}

type sequenceNumberRange struct {
	StartingSequenceNumber string
}

type shardDescription struct {
	ShardID             string `json:"ShardId"`
	HashKeyRange        hashKeyRange
	SequenceNumberRange sequenceNumberRange
}

type listShardsRequest struct {
	streamRef
}

func (r *listShardsRequest) serve(s *Server, _ Fault) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.lookup(r.stream())
	if aerr != nil {
		return nil, aerr
	}
	shards := make([]shardDescription, len(st.shards))
	for i, sh := range st.shards {
		shards[i] = shardDescription{
			ShardID:             sh.id,
			HashKeyRange:        hashKeyRange{StartingHashKey: sh.startHash, EndingHashKey: sh.endHash},
			SequenceNumberRange: sequenceNumberRange{StartingSequenceNumber: sh.firstSequenceNumber},
		}
	}
	return map[string]any{"Shards": shards}, nil
}

type getShardIteratorRequest struct {
	streamRef
	ShardID                string `json:"ShardId"`
	ShardIteratorType      string
	StartingSequenceNumber string
}

// iterator is the position a shard iterator stands for: the index of the
// next record to return in one shard.
type iterator struct {
	stream   string
	shard    int
	position int
}

func (it iterator) String() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s/%d/%d", it.stream, it.shard, it.position))
}

func parseIterator(s string) (iterator, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return iterator{}, fmt.Errorf("shard iterator %q is not one this server issued", s)
	}
	parts := strings.Split(string(raw), "/")
	if len(parts) != 3 {
		return iterator{}, fmt.Errorf("shard iterator %q is not one this server issued", s)
	}
	shard, err1 := strconv.Atoi(parts[1])
	position, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return iterator{}, fmt.Errorf("shard iterator %q is not one this server issued", s)
	}
	return iterator{stream: parts[0], shard: shard, position: position}, nil
}

func (r *getShardIteratorRequest) serve(s *Server, _ Fault) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.lookup(r.stream())
	if aerr != nil {
		return nil, aerr
	}
	index := slices.IndexFunc(st.shards, func(sh *shard) bool { return sh.id == r.ShardID })
	if index < 0 {
		return nil, &apiError{Code: "ResourceNotFoundException", Message: fmt.Sprintf("shard %s in stream %s not found", r.ShardID, st.name)}
	}
	records := st.shards[index].records
	// at is the index of the first record whose sequence number is >= seq.
	at := func(seq uint64) int {
		i, _ := slices.BinarySearchFunc(records, seq, func(rec Record, seq uint64) int {
			n, _ := strconv.ParseUint(rec.SequenceNumber, 10, 64)
			return int(min(max(int64(n)-int64(seq), -1), 1))
		})
		return i
	}
	var position int
	switch r.ShardIteratorType {
	case "TRIM_HORIZON":
		position = 0
	case "LATEST":
		position = len(records)
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		seq, err := strconv.ParseUint(r.StartingSequenceNumber, 10, 64)
		if err != nil {
			return nil, &apiError{Code: "InvalidArgumentException", Message: fmt.Sprintf("starting sequence number %q is not one this server issued", r.StartingSequenceNumber)}
		}
		if r.ShardIteratorType == "AFTER_SEQUENCE_NUMBER" {
			seq++
		}
		position = at(seq)
	default:
		return nil, &apiError{Code: "InvalidArgumentException", Message: fmt.Sprintf("shard iterator type %q is not supported by the fake (TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER)", r.ShardIteratorType)}
	}
	it := iterator{stream: st.name, shard: index, position: position}
	return map[string]string{"ShardIterator": it.String()}, nil
}

type getRecordsRequest struct {
	ShardIterator string
	Limit         int
}

func (r *getRecordsRequest) stream() string {
	it, err := parseIterator(r.ShardIterator)
	if err != nil {
		return ""
	}
	return it.stream
}

func (r *getRecordsRequest) records() []Record { return nil }

type getRecordsRecord struct {
	SequenceNumber              string
	ApproximateArrivalTimestamp float64
	Data                        []byte
	PartitionKey                string
	EncryptionType              string
}

func (r *getRecordsRequest) serve(s *Server, _ Fault) (any, *apiError) {
	it, err := parseIterator(r.ShardIterator)
	if err != nil {
		return nil, &apiError{Code: "InvalidArgumentException", Message: err.Error()}
	}
	limit := r.Limit
	if limit == 0 {
		limit = maxGetRecords
	}
	if limit < 1 || limit > maxGetRecords {
		return nil, &apiError{Code: "ValidationException", Message: fmt.Sprintf("limit %d, want 1 to %d", limit, maxGetRecords)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.lookup(it.stream)
	if aerr != nil {
		return nil, aerr
	}
	if it.shard < 0 || it.shard >= len(st.shards) {
		return nil, &apiError{Code: "InvalidArgumentException", Message: fmt.Sprintf("shard iterator %q is not one this server issued", r.ShardIterator)}
	}
	stored := st.shards[it.shard].records
	start := min(max(it.position, 0), len(stored))
	end := min(start+limit, len(stored))
	out := make([]getRecordsRecord, 0, end-start)
	for _, rec := range stored[start:end] {
		out = append(out, getRecordsRecord{
			SequenceNumber:              rec.SequenceNumber,
			ApproximateArrivalTimestamp: float64(rec.Arrival.UnixMilli()) / 1000,
			Data:                        rec.Data,
			PartitionKey:                rec.PartitionKey,
			EncryptionType:              "NONE",
		})
	}
	it.position = end
	return map[string]any{
		"Records":            out,
		"NextShardIterator":  it.String(),
		"MillisBehindLatest": 0,
	}, nil
}

type describeStreamSummaryRequest struct {
	streamRef
}

func (r *describeStreamSummaryRequest) serve(s *Server, _ Fault) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, aerr := s.lookup(r.stream())
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"StreamDescriptionSummary": map[string]any{
		"StreamName":              st.name,
		"StreamARN":               st.arn(),
		"StreamStatus":            "ACTIVE",
		"StreamModeDetails":       map[string]string{"StreamMode": "ON_DEMAND"},
		"RetentionPeriodHours":    24,
		"StreamCreationTimestamp": float64(st.created.Truncate(time.Millisecond).UnixMilli()) / 1000,
		"EnhancedMonitoring":      []map[string][]string{{"ShardLevelMetrics": {}}},
		"EncryptionType":          "NONE",
		"OpenShardCount":          len(st.shards),
	}}, nil
}
