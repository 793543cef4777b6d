package localrun

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// maxProblems caps how many invalid records a Summary describes.
const maxProblems = 5

// Summary describes the records read back from a stream.
type Summary struct {
	// Records is how many records were read.
	Records int
	// UniqueIDs is how many distinct event ids they hold.
	UniqueIDs int
	// ByName counts valid records per event name.
	ByName map[string]int
	// ByShard counts records per shard id.
	ByShard map[string]int
	// Dirty counts records malformed on purpose (DIRTY_RATIO) by kind, one
	// of DirtyKinds; they are not Invalid.
	Dirty map[string]int
	// NoID counts records without a readable event id: dirty ones that are
	// not JSON or lack the event_id, and invalid ones.
	NoID int
	// Invalid counts records that break the record contract otherwise.
	Invalid int
	// Problems describes the first few invalid records.
	Problems []string
	// Duplicates counts records that are copies of a record read before
	// them: the same partition key and the same bytes, under another
	// sequence number, as a resent PutRecords stores them. They are counted
	// in every other field too. DirtyDuplicates counts those among them that
	// are malformed on purpose.
	Duplicates, DirtyDuplicates int
	// SharedIDs counts records that are no copy of another and yet carry
	// an event id another such record has: two events under one id.
	SharedIDs int
}

// Distinct returns records without the duplicates Summarize counts: each
// record once, its first copy, the one read first. Within a shard records
// are read in the order the stream stored them, so that is the first copy
// stored, whose arrival is the one the world saw.
func Distinct(records []Record) []Record {
	seen := make(map[string]bool, len(records))
	out := make([]Record, 0, len(records))
	for _, r := range records {
		key := copyKey(r)
		if !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}

// copyKey is what copies of a record share: its partition key and its
// bytes. A resent record is stored under another sequence number.
func copyKey(r Record) string {
	return r.PartitionKey + "\x00" + string(r.Data)
}

// Summarize checks every record and counts them.
func Summarize(records []Record) Summary {
	s := Summary{ByName: map[string]int{}, ByShard: map[string]int{}, Dirty: map[string]int{}}
	ids := make(map[string]bool, len(records))
	seen := make(map[string]bool, len(records))
	for _, r := range records {
		s.Records++
		s.ByShard[r.ShardID]++
		e, dirty, err := ClassifyRecord(r)
		key := copyKey(r)
		copied := seen[key]
		seen[key] = true
		switch {
		case copied:
			s.Duplicates++
			if dirty != "" {
				s.DirtyDuplicates++
			}
		case e.EventID != "" && ids[e.EventID]:
			s.SharedIDs++
		}
		if e.EventID != "" {
			ids[e.EventID] = true
		} else {
			s.NoID++
		}
		if dirty != "" {
			s.Dirty[dirty]++
			continue
		}
		if err != nil {
			s.Invalid++
			if len(s.Problems) < maxProblems {
				s.Problems = append(s.Problems, err.Error())
			}
			continue
		}
		s.ByName[e.EventName]++
	}
	s.UniqueIDs = len(ids)
	return s
}

// Compare returns an error naming every difference between the records read
// back and what the producer reported: sent, and of those, dirty (malformed
// on purpose). Missing or extra records, duplicates, dirty records other
// than reported, and records that break the contract otherwise.
func (s Summary) Compare(reportedSent, reportedDirty int) error {
	var errs []error
	if s.Records != reportedSent {
		errs = append(errs, fmt.Errorf("read %d records, the producer reported %d sent", s.Records, reportedSent))
	}
	if withID := s.Records - s.NoID; s.UniqueIDs != withID {
		errs = append(errs, fmt.Errorf("%d records hold only %d distinct event ids", withID, s.UniqueIDs))
	}
	if dirty := s.dirty(); dirty != reportedDirty {
		errs = append(errs, fmt.Errorf("%d records are malformed on purpose, the producer reported %d dirty", dirty, reportedDirty))
	}
	if s.Invalid > 0 {
		errs = append(errs, fmt.Errorf("%d records break the record contract, first: %s", s.Invalid, strings.Join(s.Problems, "; ")))
	}
	return errors.Join(errs...)
}

// CompareAtLeastOnce is Compare for a stream that may hold a record more
// than once, as after PutRecords answers were lost and their records sent
// again: the records other than duplicates must be exactly what the
// producer reported, sent and of those dirty, and no two of them may share
// an event id. A record missing or extra, one that breaks the record
// contract, and dirty records other than reported are errors, as in
// Compare.
func (s Summary) CompareAtLeastOnce(reportedSent, reportedDirty int) error {
	var errs []error
	if distinct := s.Records - s.Duplicates; distinct != reportedSent {
		errs = append(errs, fmt.Errorf("read %d distinct records (%d with their duplicates), the producer reported %d sent", distinct, s.Records, reportedSent))
	}
	if s.SharedIDs > 0 {
		errs = append(errs, fmt.Errorf("%d records that are no copy of another carry an event id another record has", s.SharedIDs))
	}
	if dirty := s.dirty() - s.DirtyDuplicates; dirty != reportedDirty {
		errs = append(errs, fmt.Errorf("%d distinct records are malformed on purpose, the producer reported %d dirty", dirty, reportedDirty))
	}
	if s.Invalid > 0 {
		errs = append(errs, fmt.Errorf("%d records break the record contract, first: %s", s.Invalid, strings.Join(s.Problems, "; ")))
	}
	return errors.Join(errs...)
}

// dirty is how many records are malformed on purpose.
func (s Summary) dirty() int {
	n := 0
	for _, c := range s.Dirty {
		n += c
	}
	return n
}

// Write prints the summary, one fact per line.
func (s Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "records read      %d\n", s.Records)
	fmt.Fprintf(&b, "unique event ids  %d\n", s.UniqueIDs)
	for _, name := range EventNames() {
		fmt.Fprintf(&b, "  %-15s %d\n", name, s.ByName[name])
	}
	if dirty := s.dirty(); dirty > 0 {
		fmt.Fprintf(&b, "dirty records     %d", dirty)
		sep := " ("
		for _, kind := range DirtyKinds() {
			fmt.Fprintf(&b, "%s%s %d", sep, kind, s.Dirty[kind])
			sep = ", "
		}
		b.WriteString(")\n")
	}
	if s.Invalid > 0 {
		fmt.Fprintf(&b, "invalid records   %d\n", s.Invalid)
	}
	if s.Duplicates > 0 {
		fmt.Fprintf(&b, "duplicates        %d (records stored again under a new sequence number: %d distinct records)\n", s.Duplicates, s.Records-s.Duplicates)
	}
	shards := make([]string, 0, len(s.ByShard))
	for id := range s.ByShard {
		shards = append(shards, id)
	}
	sort.Strings(shards)
	fmt.Fprintf(&b, "shards used       %d\n", len(shards))
	for _, id := range shards {
		fmt.Fprintf(&b, "  %-22s %d\n", id, s.ByShard[id])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
