package table

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/golden"
)

func TestWrite(t *testing.T) {
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
			golden: "mixed.golden.txt",
		},
		{
			name:   "one row",
			result: result{columns: []string{"active_users"}, numeric: []bool{true}, rows: [][]string{{"42"}}},
			golden: "one_row.golden.txt",
		},
		{
			name:   "no rows",
			result: result{columns: []string{"chat_id", "messages"}, numeric: []bool{true, true}},
			golden: "no_rows.golden.txt",
		},
		{
			name:   "truncated",
			result: result{columns: []string{"n"}, numeric: []bool{true}, rows: [][]string{{"1"}, {"2"}}, truncated: true},
			golden: "truncated.golden.txt",
		},
		{
			name:   "no result set",
			result: result{},
			golden: "no_result_set.golden.txt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b, tt.result); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.golden), b.String())
		})
	}
}

// TestWriteResult: every kind of field the Data API and the local runner
// return, and which of them keep a column numeric.
func TestWriteResult(t *testing.T) {
	res := dataapi.NewResult([]string{"n", "ratio", "name", "ok", "raw", "maybe", "avg_s", "at"})
	rows := [][]types.Field{
		{&types.FieldMemberLongValue{Value: 1204}, &types.FieldMemberDoubleValue{Value: 0.5}, &types.FieldMemberStringValue{Value: "ios"},
			&types.FieldMemberBooleanValue{Value: true}, &types.FieldMemberBlobValue{Value: []byte{0xca, 0xfe}}, &types.FieldMemberIsNull{Value: true},
			&types.FieldMemberStringValue{Value: "12.345"}, &types.FieldMemberStringValue{Value: "2026-11-27 10:00:00"}},
		{&types.FieldMemberIsNull{Value: true}, &types.FieldMemberDoubleValue{Value: 12.25}, &types.FieldMemberIsNull{Value: true},
			&types.FieldMemberBooleanValue{Value: false}, &types.FieldMemberIsNull{Value: true}, &types.FieldMemberLongValue{Value: 7},
			&types.FieldMemberStringValue{Value: "-0.5"}, &types.FieldMemberStringValue{Value: "12"}},
	}
	for _, r := range rows {
		if err := res.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := Write(&b, res); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "fields.golden.txt"), b.String())
}
