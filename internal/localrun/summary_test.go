package localrun

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// event returns a valid record for user on shard.
func event(id, name string, user int, shard string) Record {
	chat, extra := "", ""
	if name != "JOIN" && name != "LEAVE" {
		chat = `,"chat_id":9`
	}
	switch name {
	case "SEND_MESSAGE":
		extra = `,"message_length":5,"has_attachment":true`
	case "SUBSCRIBE":
		extra = `,"plan":"free"`
	}
	return Record{
		ShardID:        shard,
		PartitionKey:   fmt.Sprint(user),
		SequenceNumber: "seq-" + id,
		Data: fmt.Appendf(nil, `{"schema_version":2,"event_id":%q,"event_time":"2026-11-27T10:00:00.000Z","event_name":%q,"user_id":%d%s,"platform":"ios","country":"US","app_version":"5.4.0"%s}`,
			id, name, user, chat, extra),
	}
}

func TestSummarize(t *testing.T) {
	const s0, s1 = "shardId-000000000000", "shardId-000000000001"
	records := []Record{
		event("a", "JOIN", 1, s0),
		event("b", "OPEN_CHAT", 1, s0),
		event("c", "SEND_MESSAGE", 2, s1),
		event("c", "SEND_MESSAGE", 2, s1), // a duplicate
		{ShardID: s1, PartitionKey: "x", SequenceNumber: "seq-bad", Data: []byte("not json")},
		// Malformed on purpose: cut off, and without its event_id.
		{ShardID: s0, PartitionKey: "3", SequenceNumber: "seq-cut", Data: event("d", "JOIN", 3, s0).Data[:40]},
		{ShardID: s0, PartitionKey: "3", SequenceNumber: "seq-noid", Data: bytes.Replace(event("e", "LEAVE", 3, s0).Data, []byte(`"event_id":"e",`), nil, 1)},
		// The cut-off record again, resent; and another event under b's id.
		{ShardID: s0, PartitionKey: "3", SequenceNumber: "seq-cut-2", Data: event("d", "JOIN", 3, s0).Data[:40]},
		event("b", "LEAVE", 1, s0),
	}
	got := Summarize(records)
	want := Summary{
		Records:         9,
		UniqueIDs:       3,
		ByName:          map[string]int{"JOIN": 1, "OPEN_CHAT": 1, "SEND_MESSAGE": 2, "LEAVE": 1},
		ByShard:         map[string]int{s0: 6, s1: 3},
		Dirty:           map[string]int{DirtyNotJSON: 2, DirtyNoEventID: 1},
		NoID:            4,
		Invalid:         1,
		Duplicates:      2,
		DirtyDuplicates: 1,
		SharedIDs:       1,
	}
	// The decoder's own wording is not ours to pin down.
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Summary{}, "Problems")); diff != "" {
		t.Errorf("Summarize mismatch (-want +got):\n%s", diff)
	}
	if len(got.Problems) != 1 || !strings.HasPrefix(got.Problems[0], `record seq-bad: data "not json" is not a JSON object`) {
		t.Errorf("Summarize problems = %q, want one naming record seq-bad", got.Problems)
	}
}

func TestDistinct(t *testing.T) {
	const s0, s1 = "shardId-000000000000", "shardId-000000000001"
	a, b := event("a", "JOIN", 1, s0), event("b", "LEAVE", 2, s1)
	again := a
	again.SequenceNumber = "seq-a-2"
	// The same bytes under another key are another record.
	other := a
	other.PartitionKey, other.SequenceNumber = "9", "seq-a-9"
	got := Distinct([]Record{a, b, again, other})
	if diff := cmp.Diff([]Record{a, b, other}, got); diff != "" {
		t.Errorf("Distinct (-want +got):\n%s", diff)
	}
}

func TestSummaryProblemsAreCapped(t *testing.T) {
	var records []Record
	for i := range 2 * maxProblems {
		records = append(records, Record{SequenceNumber: fmt.Sprint(i), Data: []byte("{}")})
	}
	got := Summarize(records)
	if got.Invalid != 2*maxProblems || len(got.Problems) != maxProblems {
		t.Errorf("Summarize(%d invalid) = %d invalid, %d problems; want %d, %d", len(records), got.Invalid, len(got.Problems), 2*maxProblems, maxProblems)
	}
}

func TestSummaryCompare(t *testing.T) {
	ok := Summary{Records: 3, UniqueIDs: 3}
	dirty := Summary{Records: 5, UniqueIDs: 3, NoID: 2, Dirty: map[string]int{DirtyNotJSON: 1, DirtyNoEventID: 1, DirtyUserIDAString: 1}}
	tests := []struct {
		name          string
		summary       Summary
		reported      int
		reportedDirty int
		wantErrs      []string
	}{
		{name: "matches", summary: ok, reported: 3},
		{name: "matches, with dirty records", summary: dirty, reported: 5, reportedDirty: 3},
		{name: "dirty records the producer did not report", summary: dirty, reported: 5, wantErrs: []string{"3 records are malformed on purpose, the producer reported 0 dirty"}},
		{name: "dirty records missing", summary: ok, reported: 3, reportedDirty: 2, wantErrs: []string{"0 records are malformed on purpose, the producer reported 2 dirty"}},
		{name: "records missing", summary: ok, reported: 4, wantErrs: []string{"read 3 records, the producer reported 4 sent"}},
		{name: "extra records", summary: ok, reported: 2, wantErrs: []string{"read 3 records, the producer reported 2 sent"}},
		{name: "duplicates", summary: Summary{Records: 3, UniqueIDs: 2}, reported: 3, wantErrs: []string{"3 records hold only 2 distinct event ids"}},
		{
			name:     "everything wrong",
			summary:  Summary{Records: 3, UniqueIDs: 1, Invalid: 2, Problems: []string{"p1", "p2"}},
			reported: 5,
			wantErrs: []string{"read 3 records, the producer reported 5 sent", "3 records hold only 1 distinct", "2 records break the record contract, first: p1; p2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.summary.Compare(tt.reported, tt.reportedDirty)
			if len(tt.wantErrs) == 0 {
				if err != nil {
					t.Errorf("Compare(%d) = %v, want nil", tt.reported, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Compare(%d) = nil, want %q", tt.reported, tt.wantErrs)
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Compare(%d) = %q, want it to contain %q", tt.reported, err, want)
				}
			}
		})
	}
}

func TestSummaryCompareAtLeastOnce(t *testing.T) {
	// Five records sent, one of them dirty; two resent, one of those dirty.
	resent := Summary{Records: 7, UniqueIDs: 4, NoID: 2, Dirty: map[string]int{DirtyNotJSON: 2}, Duplicates: 2, DirtyDuplicates: 1}
	tests := []struct {
		name          string
		summary       Summary
		reported      int
		reportedDirty int
		wantErrs      []string
	}{
		{name: "every record, some twice", summary: resent, reported: 5, reportedDirty: 1},
		{name: "no duplicates at all", summary: Summary{Records: 3, UniqueIDs: 3}, reported: 3},
		{name: "a record missing", summary: resent, reported: 6, reportedDirty: 1, wantErrs: []string{"read 5 distinct records (7 with their duplicates), the producer reported 6 sent"}},
		{name: "dirty records other than reported", summary: resent, reported: 5, wantErrs: []string{"1 distinct records are malformed on purpose, the producer reported 0 dirty"}},
		{name: "two events under one id", summary: Summary{Records: 2, UniqueIDs: 1, SharedIDs: 1}, reported: 2, wantErrs: []string{"1 records that are no copy of another carry an event id another record has"}},
		{name: "invalid records", summary: Summary{Records: 1, Invalid: 1, NoID: 1, Problems: []string{"p1"}}, reported: 1, wantErrs: []string{"1 records break the record contract, first: p1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.summary.CompareAtLeastOnce(tt.reported, tt.reportedDirty)
			if len(tt.wantErrs) == 0 {
				if err != nil {
					t.Errorf("CompareAtLeastOnce(%d, %d) = %v, want nil", tt.reported, tt.reportedDirty, err)
				}
				return
			}
			for _, want := range tt.wantErrs {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("CompareAtLeastOnce(%d, %d) = %v, want it to contain %q", tt.reported, tt.reportedDirty, err, want)
				}
			}
		})
	}
	// The same stream read strictly: the duplicates are an error.
	if err := resent.Compare(7, 2); err == nil || !strings.Contains(err.Error(), "5 records hold only 4 distinct event ids") {
		t.Errorf("Compare of a stream with duplicates = %v, want the duplicates named", err)
	}
}

func TestSummaryWrite(t *testing.T) {
	s := Summary{
		Records:   1500,
		UniqueIDs: 1500,
		ByName:    map[string]int{"JOIN": 290, "LEAVE": 310, "OPEN_CHAT": 300, "SUBSCRIBE": 295, "SEND_MESSAGE": 305},
		ByShard: map[string]int{
			"shardId-000000000003": 380, "shardId-000000000000": 371,
			"shardId-000000000001": 365, "shardId-000000000002": 384,
		},
		Dirty:      map[string]int{DirtyNotJSON: 5, DirtyNoEventID: 4, DirtyUserIDAString: 6},
		Invalid:    2,
		Duplicates: 40,
	}
	var b bytes.Buffer
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/summary.golden", b.String())
}
