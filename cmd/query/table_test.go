package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
)

func TestWriteTable(t *testing.T) {
	tests := []struct {
		name   string
		result result
		golden string
	}{
		{
			name: "mixed columns",
			result: result{
				columns: []string{"minute", "event_name", "events", "p95_s"},
				numeric: []bool{false, false, true, true},
				rows: [][]string{
					{"2026-11-27 10:01:00", "SEND_MESSAGE", "12345", "0.912"},
					{"2026-11-27 10:01:00", "JOIN", "7", "NULL"},
					{"2026-11-27 10:00:00", "ÉVÉNEMENT_ünïcode", "0", "12.5"},
				},
			},
			golden: "table_mixed.golden.txt",
		},
		{
			name:   "one row",
			result: result{columns: []string{"active_users"}, numeric: []bool{true}, rows: [][]string{{"42"}}},
			golden: "table_one_row.golden.txt",
		},
		{
			name:   "no rows",
			result: result{columns: []string{"chat_id", "messages"}, numeric: []bool{true, true}},
			golden: "table_no_rows.golden.txt",
		},
		{
			name:   "truncated",
			result: result{columns: []string{"n"}, numeric: []bool{true}, rows: [][]string{{"1"}, {"2"}}, truncated: true},
			golden: "table_truncated.golden.txt",
		},
		{
			name:   "no result set",
			result: result{},
			golden: "table_no_result_set.golden.txt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeTable(&b, tt.result); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.golden), b.String())
		})
	}
}
