package dataapi

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/pause"
)

// API is the part of the Redshift Data API a Runner calls; *redshiftdata.Client
// has it.
type API interface {
	ExecuteStatement(ctx context.Context, params *redshiftdata.ExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error)
	DescribeStatement(ctx context.Context, params *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error)
	GetStatementResult(ctx context.Context, params *redshiftdata.GetStatementResultInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error)
	CancelStatement(ctx context.Context, params *redshiftdata.CancelStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error)
}

// Target is where statements run, and as whom: with SecretARN, the
// secret's user; without it, the caller's IAM identity, which the Data API
// signs in with redshift-serverless:GetCredentials as IAM:<user> or
// IAMR:<role> ("Authorizing access to the Amazon Redshift Data API").
type Target struct {
	Workgroup string
	Database  string
	SecretARN string
}

// Runner runs one statement at a time and waits for it.
type Runner struct {
	// API is the Data API client.
	API API
	// Target is the workgroup and database.
	Target Target
	// Label prefixes each statement's name in the Data API's history, so a
	// person listing statements can tell whose they are.
	Label string
	// Wait pauses between status checks; nil waits on a timer. It returns
	// ctx's error when ctx ends first.
	Wait func(ctx context.Context, d time.Duration) error
	// Truncate keeps the first rows of a result too large to read whole
	// and marks it Truncated; without it such a result is an error.
	Truncate bool
}

// Poll intervals: quick at first, since most statements take a second or two.
const (
	firstPoll = 250 * time.Millisecond
	maxPoll   = 2 * time.Second
)

// MaxRows is the most rows a Runner reads of one result. Runners of other
// engines keep to it too, so that a query prints the same everywhere.
const MaxRows = 10000

// maxPages bounds the GetStatementResult calls for one result.
const maxPages = 100

// cancelTimeout bounds the CancelStatement call made after ctx ended.
const cancelTimeout = 10 * time.Second

// StatementError is a statement that ended FAILED or ABORTED.
type StatementError struct {
	// Name is the statement's name.
	Name string
	// ID is the Data API's statement id.
	ID string
	// Status is FAILED or ABORTED.
	Status types.StatusString
	// Message is Redshift's error message.
	Message string
}

// Error implements error.
func (e *StatementError) Error() string {
	return fmt.Sprintf("statement %s (id %s) %s: %s", e.Name, e.ID, e.Status, e.Message)
}

// Run submits sql with params bound by name (":run_id" in the SQL is
// params["run_id"]), waits until it ends and returns its rows. A statement
// that fails returns a *StatementError. ctx bounds the whole run; when it
// ends first, the statement is cancelled (a query nobody waits for would
// keep the workgroup busy and billed), and the error says which status it
// was left in and whether the cancel took.
func (r *Runner) Run(ctx context.Context, name, sql string, params map[string]string) (*Result, error) {
	in := &redshiftdata.ExecuteStatementInput{
		Sql:           aws.String(sql),
		WorkgroupName: aws.String(r.Target.Workgroup),
		Database:      aws.String(r.Target.Database),
		StatementName: aws.String(r.Label + name),
	}
	if r.Target.SecretARN != "" {
		in.SecretArn = aws.String(r.Target.SecretARN)
	}
	// Sorted, so that the same call sends the same request.
	for _, k := range slices.Sorted(maps.Keys(params)) {
		in.Parameters = append(in.Parameters, types.SqlParameter{Name: aws.String(k), Value: aws.String(params[k])})
	}
	out, err := r.API.ExecuteStatement(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("submit statement %s to %s: %w", name, r.Target.Workgroup, err)
	}
	id := aws.ToString(out.Id)
	for wait := firstPoll; ; wait = min(2*wait, maxPoll) {
		d, err := r.API.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: out.Id})
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("statement %s (id %s) not known to have ended, %s: %w", name, id, r.cancel(ctx, id), err)
		}
		if err != nil {
			return nil, fmt.Errorf("describe statement %s (id %s): %w", name, id, err)
		}
		switch d.Status {
		case types.StatusStringFinished:
			if !aws.ToBool(d.HasResultSet) {
				return &Result{}, nil
			}
			return r.read(ctx, name, id)
		case types.StatusStringFailed, types.StatusStringAborted:
			return nil, &StatementError{Name: name, ID: id, Status: d.Status, Message: aws.ToString(d.Error)}
		}
		if err := r.wait(ctx, wait); err != nil {
			return nil, fmt.Errorf("statement %s (id %s) still %s, %s: %w", name, id, d.Status, r.cancel(ctx, id), err)
		}
	}
}

// cancel asks the Data API to stop statement id, in a context of its own:
// ctx has ended. It says how that went.
func (r *Runner) cancel(ctx context.Context, id string) string {
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	defer stop()
	out, err := r.API.CancelStatement(cctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)})
	switch {
	case err != nil:
		return fmt.Sprintf("and cancelling it failed (%v), so it may still finish", err)
	case !aws.ToBool(out.Status):
		return "and the Data API did not cancel it, so it may still finish"
	}
	return "cancelled"
}

func (r *Runner) wait(ctx context.Context, d time.Duration) error {
	if r.Wait != nil {
		return r.Wait(ctx, d)
	}
	return pause.For(ctx, d)
}

func (r *Runner) read(ctx context.Context, name, id string) (*Result, error) {
	var res *Result
	var token *string
	for range maxPages {
		page, err := r.API.GetStatementResult(ctx, &redshiftdata.GetStatementResultInput{Id: aws.String(id), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("read result of statement %s (id %s): %w", name, id, err)
		}
		if res == nil {
			columns := make([]string, len(page.ColumnMetadata))
			for i, c := range page.ColumnMetadata {
				columns[i] = aws.ToString(c.Name)
			}
			res = NewResult(columns)
		}
		for _, rec := range page.Records {
			if len(res.Rows) == MaxRows {
				return r.tooLarge(res, fmt.Errorf("statement %s (id %s) returned more than %d rows", name, id, MaxRows))
			}
			if err := res.Append(rec); err != nil {
				return nil, fmt.Errorf("statement %s (id %s): %w", name, id, err)
			}
		}
		token = page.NextToken
		if aws.ToString(token) == "" {
			return res, nil
		}
	}
	return r.tooLarge(res, fmt.Errorf("statement %s (id %s) returned more than %d pages", name, id, maxPages))
}

// tooLarge ends reading a result that exceeds a bound: with err, or with
// the rows read so far when the Runner truncates.
func (r *Runner) tooLarge(res *Result, err error) (*Result, error) {
	if !r.Truncate {
		return nil, err
	}
	res.Truncated = true
	return res, nil
}
