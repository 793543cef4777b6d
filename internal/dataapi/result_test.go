package dataapi

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

func TestNewResultAppend(t *testing.T) {
	// GIVEN a result built the way a runner of another engine builds one
	res := NewResult([]string{"minute", "events"})

	// WHEN a row of the right width and one of the wrong width are appended
	err := res.Append([]types.Field{
		&types.FieldMemberStringValue{Value: "2026-11-27 10:00:00"},
		&types.FieldMemberLongValue{Value: 42},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = res.Append([]types.Field{&types.FieldMemberLongValue{Value: 1}})

	// THEN the first reads by column name and the second is refused
	if err == nil || err.Error() != "a row has 1 fields for 2 columns" {
		t.Errorf("Append(1 field) = %v; want the width error", err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("len(Rows) = %d, want 1", len(res.Rows))
	}
	minute, _, err := res.Rows[0].Text("minute")
	if err != nil || minute != "2026-11-27 10:00:00" {
		t.Errorf(`Text("minute") = %q, %v; want "2026-11-27 10:00:00"`, minute, err)
	}
	events, _, err := res.Rows[0].Int("events")
	if err != nil || events != 42 {
		t.Errorf(`Int("events") = %d, %v; want 42`, events, err)
	}
}
