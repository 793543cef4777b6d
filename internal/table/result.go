package table

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
)

// result is a query's rows, ready to print.
type result struct {
	columns   []string
	rows      [][]string
	numeric   []bool // per column: every non-NULL value is a number
	truncated bool   // only the first rows of a larger result
}

// of renders the values of res as text.
func of(res *dataapi.Result) result {
	r := result{columns: res.Columns, truncated: res.Truncated}
	if len(r.columns) == 0 {
		return r
	}
	r.numeric = make([]bool, len(r.columns))
	for i := range r.numeric {
		r.numeric[i] = true
	}
	for _, rec := range res.Rows {
		fields := rec.Fields()
		row := make([]string, len(fields))
		for i, f := range fields {
			var number bool
			row[i], number = formatField(f)
			if !number {
				r.numeric[i] = false
			}
		}
		r.rows = append(r.rows, row)
	}
	return r
}

// decimalPattern is a DECIMAL value as both engines write it.
var decimalPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// formatField renders one value and says whether it counts as a number for
// alignment; NULL does not break a numeric column.
func formatField(f types.Field) (string, bool) {
	switch v := f.(type) {
	case *types.FieldMemberIsNull:
		return "NULL", true
	case *types.FieldMemberLongValue:
		return fmt.Sprint(v.Value), true
	case *types.FieldMemberDoubleValue:
		return fmt.Sprint(v.Value), true
	case *types.FieldMemberStringValue:
		// DECIMAL comes as text, from the Data API and the local runner
		// alike: it aligns as the number it is.
		return v.Value, decimalPattern.MatchString(v.Value)
	case *types.FieldMemberBooleanValue:
		return fmt.Sprint(v.Value), false
	case *types.FieldMemberBlobValue:
		return fmt.Sprintf("0x%x", v.Value), false
	default:
		return fmt.Sprintf("%v", f), false
	}
}
