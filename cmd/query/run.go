package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// queryAPI is the part of the Redshift Data API the command uses.
type queryAPI interface {
	ExecuteStatement(ctx context.Context, params *redshiftdata.ExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error)
	DescribeStatement(ctx context.Context, params *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error)
	GetStatementResult(ctx context.Context, params *redshiftdata.GetStatementResultInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error)
}

// target is where a query runs.
type target struct {
	workgroup, database, secretARN string
}

// result is a query's rows, ready to print.
type result struct {
	columns   []string
	rows      [][]string
	numeric   []bool // per column: every non-NULL value is a number
	truncated bool   // more rows than maxRows
}

// maxRows bounds what one query prints.
const maxRows = 10000

// Poll intervals: quick at first, since most queries take a second or two.
const (
	firstPoll = 250 * time.Millisecond
	maxPoll   = 2 * time.Second
)

// sleeper waits d or until ctx is done.
type sleeper func(ctx context.Context, d time.Duration) error

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// runQuery submits sql, polls until it ends and reads its rows. ctx's
// deadline bounds the whole run.
func runQuery(ctx context.Context, api queryAPI, sleep sleeper, tgt target, name, sql string) (result, error) {
	out, err := api.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		Sql:           aws.String(sql),
		WorkgroupName: aws.String(tgt.workgroup),
		Database:      aws.String(tgt.database),
		SecretArn:     aws.String(tgt.secretARN),
		StatementName: aws.String("chatstream-query:" + name),
	})
	if err != nil {
		return result{}, fmt.Errorf("submit query %s to %s: %w", name, tgt.workgroup, err)
	}
	id := aws.ToString(out.Id)
	for wait := firstPoll; ; wait = min(2*wait, maxPoll) {
		d, err := api.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: out.Id})
		if err != nil {
			return result{}, fmt.Errorf("describe query %s (id %s): %w", name, id, err)
		}
		switch d.Status {
		case types.StatusStringFinished:
			if !aws.ToBool(d.HasResultSet) {
				return result{}, nil
			}
			return readResult(ctx, api, name, id)
		case types.StatusStringFailed, types.StatusStringAborted:
			return result{}, fmt.Errorf("query %s (id %s) %s: %s", name, id, d.Status, aws.ToString(d.Error))
		}
		if err := sleep(ctx, wait); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return result{}, fmt.Errorf("query %s (id %s) still %s at the deadline; raise -timeout or check the workgroup", name, id, d.Status)
			}
			return result{}, fmt.Errorf("query %s (id %s): %w", name, id, err)
		}
	}
}

func readResult(ctx context.Context, api queryAPI, name, id string) (result, error) {
	var r result
	var token *string
	for {
		page, err := api.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id), NextToken: token})
		if err != nil {
			return result{}, fmt.Errorf("read result of query %s (id %s): %w", name, id, err)
		}
		if r.columns == nil {
			for _, c := range page.ColumnMetadata {
				r.columns = append(r.columns, aws.ToString(c.Name))
				r.numeric = append(r.numeric, true)
			}
		}
		for _, rec := range page.Records {
			if len(r.rows) == maxRows {
				r.truncated = true
				return r, nil
			}
			if len(rec) != len(r.columns) {
				return result{}, fmt.Errorf("query %s (id %s): a row has %d fields for %d columns", name, id, len(rec), len(r.columns))
			}
			row := make([]string, len(rec))
			for i, f := range rec {
				var number bool
				row[i], number = formatField(f)
				if !number {
					r.numeric[i] = false
				}
			}
			r.rows = append(r.rows, row)
		}
		token = page.NextToken
		if aws.ToString(token) == "" {
			return r, nil
		}
	}
}

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
		return v.Value, false
	case *types.FieldMemberBooleanValue:
		return fmt.Sprint(v.Value), false
	case *types.FieldMemberBlobValue:
		return fmt.Sprintf("0x%x", v.Value), false
	default:
		return fmt.Sprintf("%v", f), false
	}
}
