package ddl

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// fakeDataAPI models the three Data API calls the handlers make. A batch
// runs its statements in order; what DescribeStatement reports comes from a
// script, and a batch whose id it does not know, or not yet, is "not
// found".
type fakeDataAPI struct {
	t *testing.T
	// database is where statements must run.
	database string
	// statuses lists what successive DescribeStatement calls report for a
	// batch; the last entry repeats. Empty: FINISHED at once.
	statuses []types.StatusString
	// failAt is the 1-based position, in the batch, of the statement that
	// FAILED or ABORTED when the status says so, with Redshift's message.
	failAt  int
	message string
	// submitErrs, describeErrs and cancelErrs are returned, one per call,
	// before the calls succeed.
	submitErrs, describeErrs, cancelErrs []error
	// hidden is how many DescribeStatement calls of a new batch answer
	// "not found", as a statement the Data API has not made visible yet.
	hidden int

	batches []*fakeBatch
	byID    map[string]*fakeBatch
	// described lists the ids DescribeStatement was asked about, in order.
	described []string
	// cancelled lists the ids CancelStatement was asked to cancel.
	cancelled   []string
	submitCalls int
}

type fakeBatch struct {
	id, name  string
	sqls      []string
	describes int
}

func newFakeDataAPI(t *testing.T) *fakeDataAPI {
	return &fakeDataAPI{t: t, database: "dev", byID: map[string]*fakeBatch{}}
}

func (f *fakeDataAPI) BatchExecuteStatement(_ context.Context, in *redshiftdata.BatchExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.BatchExecuteStatementOutput, error) {
	f.submitCalls++
	if len(f.submitErrs) > 0 {
		err := f.submitErrs[0]
		f.submitErrs = f.submitErrs[1:]
		return nil, err
	}
	if aws.ToString(in.WorkgroupName) != "chatstream-staging" || aws.ToString(in.Database) != f.database ||
		!strings.HasPrefix(aws.ToString(in.SecretArn), "arn:aws:secretsmanager:") {
		f.t.Errorf("BatchExecuteStatement target = %s/%s with %s; want chatstream-staging/%s with the admin secret",
			aws.ToString(in.WorkgroupName), aws.ToString(in.Database), aws.ToString(in.SecretArn), f.database)
	}
	if token := aws.ToString(in.ClientToken); token == "" || len(token) > 64 {
		f.t.Errorf("BatchExecuteStatement ClientToken = %q; want 1 to 64 characters", token)
	}
	if len(in.Sqls) == 0 || len(in.Sqls) > 40 {
		f.t.Errorf("BatchExecuteStatement with %d statements; the Data API takes 1 to 40", len(in.Sqls))
	}
	b := &fakeBatch{id: fmt.Sprintf("batch-%d", len(f.batches)+1), name: aws.ToString(in.StatementName), sqls: in.Sqls}
	f.batches = append(f.batches, b)
	f.byID[b.id] = b
	return &redshiftdata.BatchExecuteStatementOutput{Id: aws.String(b.id)}, nil
}

func (f *fakeDataAPI) DescribeStatement(_ context.Context, in *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	id := aws.ToString(in.Id)
	f.described = append(f.described, id)
	if len(f.describeErrs) > 0 {
		err := f.describeErrs[0]
		f.describeErrs = f.describeErrs[1:]
		return nil, err
	}
	b, ok := f.byID[id]
	if ok && b.describes < f.hidden {
		b.describes++
		ok = false
	}
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Query does not exist: " + id)}
	}
	status := types.StatusStringFinished
	if len(f.statuses) > 0 {
		status = f.statuses[min(b.describes-f.hidden, len(f.statuses)-1)]
	}
	b.describes++
	out := &redshiftdata.DescribeStatementOutput{Id: aws.String(b.id), Status: status}
	// Sub-statements: finished up to the one the status is about, which
	// fails or runs, and the rest waiting.
	at := len(b.sqls)
	switch status {
	case types.StatusStringFailed, types.StatusStringAborted:
		at = f.failAt
		out.Error = aws.String(f.message)
	case types.StatusStringStarted:
		at = max(f.failAt, 1)
	case types.StatusStringSubmitted, types.StatusStringPicked:
		at = 1
	}
	for i, sql := range b.sqls {
		sub := types.SubStatementData{Id: aws.String(fmt.Sprintf("%s:%d", b.id, i+1)), QueryString: aws.String(sql),
			Status: types.StatementStatusStringSubmitted}
		switch {
		case i+1 < at || status == types.StatusStringFinished:
			sub.Status = types.StatementStatusStringFinished
		case i+1 == at:
			sub.Status = types.StatementStatusString(status)
			if f.message != "" {
				sub.Error = aws.String(f.message)
			}
		}
		out.SubStatements = append(out.SubStatements, sub)
	}
	return out, nil
}

func (f *fakeDataAPI) CancelStatement(_ context.Context, in *redshiftdata.CancelStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error) {
	f.cancelled = append(f.cancelled, aws.ToString(in.Id))
	if len(f.cancelErrs) > 0 {
		err := f.cancelErrs[0]
		f.cancelErrs = f.cancelErrs[1:]
		return nil, err
	}
	return &redshiftdata.CancelStatementOutput{Status: aws.Bool(true)}, nil
}

// onlyBatch returns the one batch submitted, failing the test otherwise.
func (f *fakeDataAPI) onlyBatch() *fakeBatch {
	f.t.Helper()
	if len(f.batches) != 1 {
		f.t.Fatalf("%d batches submitted, want 1", len(f.batches))
	}
	return f.batches[0]
}
