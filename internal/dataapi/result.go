package dataapi

import (
	"fmt"
	"math"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// Result is the rows a statement returned.
type Result struct {
	// Columns are the column names, in order.
	Columns []string
	// Rows are the rows, in the order Redshift sent them.
	Rows []Row
	// Truncated says Rows are only the first rows of a larger result; see
	// Runner.Truncate.
	Truncated bool
	index     map[string]int
}

// NewResult returns a result with these columns and no rows yet. A runner of
// another engine builds its results with NewResult and Append, so that what
// reads a Result (Row.Int, Row.Text, a table printer) works on both engines.
func NewResult(columns []string) *Result {
	res := &Result{Columns: columns, index: make(map[string]int, len(columns))}
	for i, c := range columns {
		res.index[c] = i
	}
	return res
}

// Append adds a row with one field per column, in the order of Columns.
func (r *Result) Append(fields []types.Field) error {
	if len(fields) != len(r.Columns) {
		return fmt.Errorf("a row has %d fields for %d columns", len(fields), len(r.Columns))
	}
	r.Rows = append(r.Rows, Row{result: r, fields: fields})
	return nil
}

// Row is one row of a Result, read by column name.
type Row struct {
	result *Result
	fields []types.Field
}

// Fields returns the row's values in the order of Result.Columns, as the
// Data API sent them. The caller must not modify them.
func (r Row) Fields() []types.Field {
	return r.fields
}

func (r Row) field(column string) (types.Field, error) {
	i, ok := r.result.index[column]
	if !ok {
		return nil, fmt.Errorf("no column %q in %v", column, r.result.Columns)
	}
	return r.fields[i], nil
}

// Int returns the integer in column; null is true for NULL. The Data API
// sends BIGINT and INTEGER as longs, REAL and DOUBLE as doubles, and
// DECIMAL as a string; a fraction is an error rather than rounded silently.
func (r Row) Int(column string) (v int64, null bool, err error) {
	f, err := r.field(column)
	if err != nil {
		return 0, false, err
	}
	switch f := f.(type) {
	case *types.FieldMemberIsNull:
		return 0, true, nil
	case *types.FieldMemberLongValue:
		return f.Value, false, nil
	case *types.FieldMemberDoubleValue:
		if f.Value != math.Trunc(f.Value) || math.Abs(f.Value) > 1<<53 {
			return 0, false, fmt.Errorf("column %s: %v is not a whole number", column, f.Value)
		}
		return int64(f.Value), false, nil
	case *types.FieldMemberStringValue:
		n, err := strconv.ParseInt(f.Value, 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("column %s: %q is not a whole number", column, f.Value)
		}
		return n, false, nil
	}
	return 0, false, fmt.Errorf("column %s: %T is not a number", column, f)
}

// Text returns the value of column as text; null is true for NULL.
// Timestamps arrive as text, e.g. "2026-11-27 10:00:03.123456".
func (r Row) Text(column string) (v string, null bool, err error) {
	f, err := r.field(column)
	if err != nil {
		return "", false, err
	}
	switch f := f.(type) {
	case *types.FieldMemberIsNull:
		return "", true, nil
	case *types.FieldMemberStringValue:
		return f.Value, false, nil
	case *types.FieldMemberLongValue:
		return strconv.FormatInt(f.Value, 10), false, nil
	case *types.FieldMemberDoubleValue:
		return strconv.FormatFloat(f.Value, 'g', -1, 64), false, nil
	case *types.FieldMemberBooleanValue:
		return strconv.FormatBool(f.Value), false, nil
	}
	return "", false, fmt.Errorf("column %s: %T is not text", column, f)
}
