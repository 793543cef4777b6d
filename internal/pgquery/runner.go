package pgquery

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Runner runs one statement at a time on PostgreSQL, the way
// dataapi.Runner does on Redshift: the same parameters, the same result.
//
// Parameters go as text with no type, so PostgreSQL infers each one's type
// from where it stands, as Redshift does with the Data API's string
// parameters. Rows come back as the Data API sends them: integers as longs,
// REAL and DOUBLE PRECISION as doubles, booleans as booleans, BYTEA as
// blobs, and everything else as the engine's text, so DECIMAL is a string
// and a timestamp reads "2026-11-27 10:00:03.123456".
type Runner struct {
	// Pool is the connection pool of the local warehouse.
	Pool *pgxpool.Pool
	// Truncate keeps the first dataapi.MaxRows rows of a larger result and
	// marks it Truncated; without it such a result is an error.
	Truncate bool
}

// Run runs sql with params bound by name (":run_id" in the SQL is
// params["run_id"]) and returns its rows; a statement without a result set
// returns a Result without columns. ctx bounds the whole run.
func (r *Runner) Run(ctx context.Context, name, sql string, params map[string]string) (*dataapi.Result, error) {
	text, values, err := bind(sql, params)
	if err != nil {
		return nil, fmt.Errorf("statement %s: %w", name, err)
	}
	conn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("statement %s: connect: %w", name, err)
	}
	defer conn.Release()
	args := make([][]byte, len(values))
	for i, v := range values {
		args[i] = []byte(v)
	}
	// No parameter types, text parameters and text results.
	rows := conn.Conn().PgConn().ExecParams(ctx, text, args, nil, nil, nil)
	columns := rows.FieldDescriptions()
	res := &dataapi.Result{}
	if len(columns) > 0 {
		names := make([]string, len(columns))
		for i, c := range columns {
			names[i] = c.Name
		}
		res = dataapi.NewResult(names)
	}
	var convErr error
	for convErr == nil && rows.NextRow() {
		if len(res.Rows) == dataapi.MaxRows {
			if !r.Truncate {
				convErr = fmt.Errorf("returned more than %d rows", dataapi.MaxRows)
				break
			}
			res.Truncated = true
			break
		}
		fields := make([]types.Field, len(columns))
		for i, v := range rows.Values() {
			if fields[i], convErr = field(columns[i].DataTypeOID, v); convErr != nil {
				convErr = fmt.Errorf("column %s: %w", columns[i].Name, convErr)
				break
			}
		}
		if convErr == nil {
			convErr = res.Append(fields)
		}
	}
	// Close reads what is left of the result, and the statement's error.
	if _, err := rows.Close(); err != nil {
		return nil, fmt.Errorf("statement %s: %w", name, err)
	}
	if convErr != nil {
		return nil, fmt.Errorf("statement %s: %w", name, convErr)
	}
	return res, nil
}

// field converts one value in PostgreSQL's text format into the Data API's
// field of the same meaning; nil is NULL.
func field(oid uint32, v []byte) (types.Field, error) {
	if v == nil {
		return &types.FieldMemberIsNull{Value: true}, nil
	}
	s := string(v)
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %q: %w", s, err)
		}
		return &types.FieldMemberLongValue{Value: n}, nil
	case pgtype.Float4OID, pgtype.Float8OID:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("float %q: %w", s, err)
		}
		return &types.FieldMemberDoubleValue{Value: f}, nil
	case pgtype.BoolOID:
		return &types.FieldMemberBooleanValue{Value: s == "t"}, nil
	case pgtype.ByteaOID:
		b, err := hex.DecodeString(strings.TrimPrefix(s, `\x`))
		if err != nil {
			return nil, fmt.Errorf("bytea %q: %w", s, err)
		}
		return &types.FieldMemberBlobValue{Value: b}, nil
	}
	return &types.FieldMemberStringValue{Value: s}, nil
}
