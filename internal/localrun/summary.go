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
	// Invalid counts records that break the record contract.
	Invalid int
	// Problems describes the first few invalid records.
	Problems []string
}

// Summarize checks every record and counts them.
func Summarize(records []Record) Summary {
	s := Summary{ByName: map[string]int{}, ByShard: map[string]int{}}
	ids := make(map[string]bool, len(records))
	for _, r := range records {
		s.Records++
		s.ByShard[r.ShardID]++
		e, err := CheckRecord(r)
		if e.EventID != "" {
			ids[e.EventID] = true
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
// back and the number the producer reported as sent: missing or extra
// records, duplicates, and records that break the contract.
func (s Summary) Compare(reportedSent int) error {
	var errs []error
	if s.Records != reportedSent {
		errs = append(errs, fmt.Errorf("read %d records, the producer reported %d sent", s.Records, reportedSent))
	}
	if s.UniqueIDs != s.Records {
		errs = append(errs, fmt.Errorf("%d records hold only %d distinct event ids", s.Records, s.UniqueIDs))
	}
	if s.Invalid > 0 {
		errs = append(errs, fmt.Errorf("%d records break the record contract, first: %s", s.Invalid, strings.Join(s.Problems, "; ")))
	}
	return errors.Join(errs...)
}

// Write prints the summary, one fact per line.
func (s Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "records read      %d\n", s.Records)
	fmt.Fprintf(&b, "unique event ids  %d\n", s.UniqueIDs)
	for _, name := range EventNames() {
		fmt.Fprintf(&b, "  %-15s %d\n", name, s.ByName[name])
	}
	if s.Invalid > 0 {
		fmt.Fprintf(&b, "invalid records   %d\n", s.Invalid)
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
