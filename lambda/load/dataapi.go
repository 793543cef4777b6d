package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/pause"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/google/uuid"
)

// dataAPI is the part of the Redshift Data API the loader calls.
type dataAPI interface {
	ExecuteStatement(ctx context.Context, params *redshiftdata.ExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error)
	BatchExecuteStatement(ctx context.Context, params *redshiftdata.BatchExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.BatchExecuteStatementOutput, error)
	DescribeStatement(ctx context.Context, params *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error)
	GetStatementResult(ctx context.Context, params *redshiftdata.GetStatementResultInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error)
	CancelStatement(ctx context.Context, params *redshiftdata.CancelStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error)
}

// Target is the workgroup and database the loader runs in, signed in as
// the admin user (SecretARN), who owns the materialized view (only its owner
// may refresh it).
type Target = dataapi.Target

// Timing of the statements.
const (
	// firstPoll and maxPoll bound the waits between DescribeStatement
	// calls: quick at first, since most statements take a second or two.
	firstPoll = 250 * time.Millisecond
	maxPoll   = 2 * time.Second
	// deadlineMargin is what a statement leaves of its context's deadline
	// to cancel itself and report, before the Lambda would be cut off.
	deadlineMargin = 10 * time.Second
	// cancelTimeout bounds CancelStatement, which runs after the deadline
	// margin began.
	cancelTimeout = 5 * time.Second
	// notFoundPolls is how many times a statement just submitted may be
	// unknown to DescribeStatement before that is an error.
	notFoundPolls = 5
)

// statementLabel prefixes each statement's name in the Data API's history.
const statementLabel = "chatstream-load:"

// DataAPI runs the loader's statements on Redshift Serverless through the
// Data API: a statement with ExecuteStatement, a transaction with
// BatchExecuteStatement, which runs its statements as one transaction
// (Redshift Data API reference, "BatchExecuteStatement"). Each waits with
// DescribeStatement until it ends or the context's deadline comes near;
// then it cancels the statement and says so. Every error names the
// statement and its id.
type DataAPI struct {
	api    dataAPI
	target Target
	log    *slog.Logger
	// wait pauses between status checks; it returns ctx's error when ctx
	// ends first.
	wait func(ctx context.Context, d time.Duration) error
	// token returns a ClientToken: one per statement, reused if the SDK
	// retries its submission, so that a retried request does not run it
	// twice.
	token func() string
}

// NewDataAPI returns a DataAPI that runs statements on t with client.
func NewDataAPI(client *redshiftdata.Client, t Target, log *slog.Logger) *DataAPI {
	return newDataAPI(client, t, log, pause.For, uuid.NewString)
}

func newDataAPI(api dataAPI, t Target, log *slog.Logger, wait func(context.Context, time.Duration) error, token func() string) *DataAPI {
	return &DataAPI{api: api, target: t, log: log, wait: wait, token: token}
}

// Exec implements executor.
func (d *DataAPI) Exec(ctx context.Context, stmt chatsql.Statement) (map[string]int64, error) {
	out, err := d.api.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
		Sql:           aws.String(stmt.SQL),
		WorkgroupName: aws.String(d.target.Workgroup),
		Database:      aws.String(d.target.Database),
		SecretArn:     aws.String(d.target.SecretARN),
		ClientToken:   aws.String(d.token()),
		StatementName: aws.String(statementLabel + stmt.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("submit statement %s to %s: %w", stmt.Name, d.target.Workgroup, err)
	}
	id := aws.ToString(out.Id)
	d.log.InfoContext(ctx, "statement submitted", "statement", stmt.Name, "id", id)
	desc, err := d.await(ctx, stmt.Name, id)
	if err != nil {
		return nil, err
	}
	if !aws.ToBool(desc.HasResultSet) {
		return nil, nil
	}
	return d.firstRow(ctx, stmt.Name, id)
}

// Transaction implements executor.
func (d *DataAPI) Transaction(ctx context.Context, stmts []chatsql.Statement) (map[string]int64, error) {
	if len(stmts) == 0 {
		return nil, errors.New("a transaction needs a statement")
	}
	sqls := make([]string, len(stmts))
	for i, s := range stmts {
		sqls[i] = s.SQL
	}
	name := fmt.Sprintf("transaction of %d statements (%s to %s)", len(stmts), stmts[0].Name, stmts[len(stmts)-1].Name)
	out, err := d.api.BatchExecuteStatement(ctx, &redshiftdata.BatchExecuteStatementInput{
		Sqls:          sqls,
		WorkgroupName: aws.String(d.target.Workgroup),
		Database:      aws.String(d.target.Database),
		SecretArn:     aws.String(d.target.SecretARN),
		ClientToken:   aws.String(d.token()),
		StatementName: aws.String(statementLabel + stmts[0].Name),
	})
	if err != nil {
		return nil, fmt.Errorf("submit %s to %s: %w", name, d.target.Workgroup, err)
	}
	id := aws.ToString(out.Id)
	d.log.InfoContext(ctx, "transaction submitted", "statements", len(stmts), "id", id)
	desc, err := d.await(ctx, name, id)
	if err != nil {
		if desc.Status != types.StatusStringFailed && desc.Status != types.StatusStringAborted {
			return nil, err
		}
		// Say which statement of the transaction failed.
		for i, sub := range desc.SubStatements {
			if sub.Status == types.StatementStatusStringFailed && i < len(stmts) {
				err = fmt.Errorf("%w (statement %d, %s: %s)", err, i+1, stmts[i].Name, aws.ToString(sub.Error))
			}
		}
		return nil, fmt.Errorf("%w: %w", ErrRolledBack, err)
	}
	if len(desc.SubStatements) != len(stmts) {
		return nil, fmt.Errorf("%s (id %s) reports %d statements", name, id, len(desc.SubStatements))
	}
	last := desc.SubStatements[len(stmts)-1]
	if !aws.ToBool(last.HasResultSet) {
		return nil, nil
	}
	return d.firstRow(ctx, stmts[len(stmts)-1].Name, aws.ToString(last.Id))
}

// await polls a statement until it ends. A statement still running when
// ctx's deadline is deadlineMargin away is cancelled, and the error wraps
// ErrStillRunning. It returns the last description also with an error.
func (d *DataAPI) await(ctx context.Context, name, id string) (*redshiftdata.DescribeStatementOutput, error) {
	pollCtx := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		pollCtx, cancel = context.WithDeadline(ctx, deadline.Add(-deadlineMargin))
		defer cancel()
	}
	desc := &redshiftdata.DescribeStatementOutput{Id: aws.String(id)}
	notFound := 0
	for wait := firstPoll; ; wait = min(2*wait, maxPoll) {
		out, err := d.api.DescribeStatement(pollCtx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)})
		var missing *types.ResourceNotFoundException
		switch {
		case err == nil:
			desc = out
		case errors.As(err, &missing) && notFound < notFoundPolls && pollCtx.Err() == nil:
			// Just submitted, not yet known to DescribeStatement.
			notFound++
		case pollCtx.Err() != nil:
			return desc, d.cancel(ctx, name, id, desc.Status)
		default:
			return desc, fmt.Errorf("describe %s (id %s): %w", name, id, err)
		}
		switch desc.Status {
		case types.StatusStringFinished:
			return desc, nil
		case types.StatusStringFailed, types.StatusStringAborted:
			msg := aws.ToString(desc.Error)
			if msg == "" {
				msg = "no error message from Redshift"
			}
			return desc, fmt.Errorf("%s (id %s) %s: %s", name, id, desc.Status, msg)
		}
		if err := d.wait(pollCtx, wait); err != nil {
			return desc, d.cancel(ctx, name, id, desc.Status)
		}
	}
}

// cancel stops a statement the deadline cut off, in a context of its own:
// the poll's has ended.
func (d *DataAPI) cancel(ctx context.Context, name, id string, status types.StatusString) error {
	if status == "" {
		status = "unknown"
	}
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	defer stop()
	out, err := d.api.CancelStatement(cctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)})
	if err != nil || !aws.ToBool(out.Status) {
		d.log.WarnContext(ctx, "could not cancel a statement at the deadline", "statement", name, "id", id, "error", err)
		return fmt.Errorf("%s (id %s) still %s at the deadline, and cancelling it failed (%v), so it may still finish: %w", name, id, status, err, ErrStillRunning)
	}
	return fmt.Errorf("%s (id %s) still %s at the deadline, cancelled: %w", name, id, status, ErrStillRunning)
}

// firstRow reads the first row of a statement's result, every column an
// integer.
func (d *DataAPI) firstRow(ctx context.Context, name, id string) (map[string]int64, error) {
	page, err := d.api.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("read the result of %s (id %s): %w", name, id, err)
	}
	if len(page.Records) == 0 {
		return nil, fmt.Errorf("%s (id %s) returned no row", name, id)
	}
	row := page.Records[0]
	if len(row) != len(page.ColumnMetadata) {
		return nil, fmt.Errorf("%s (id %s): a row of %d fields for %d columns", name, id, len(row), len(page.ColumnMetadata))
	}
	out := make(map[string]int64, len(row))
	for i, f := range row {
		column := aws.ToString(page.ColumnMetadata[i].Name)
		v, ok := f.(*types.FieldMemberLongValue)
		if !ok {
			return nil, fmt.Errorf("%s (id %s): column %s is %T, not an integer", name, id, column, f)
		}
		out[column] = v.Value
	}
	return out, nil
}
