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

// fakeDataAPI models the two Data API calls the handlers make, including
// ClientToken idempotency: a token seen before returns the statement it
// created instead of running the SQL again.
type fakeDataAPI struct {
	t *testing.T
	// database is where statements must run.
	database string
	// statuses lists, by statement name, what successive DescribeStatement
	// calls report; the last entry repeats. Unlisted statements finish at
	// once.
	statuses map[string][]types.StatusString
	// messages holds Redshift's error text, by statement name.
	messages map[string]string
	// execErrs and descErrs are returned, one per call, before the calls
	// succeed.
	execErrs, descErrs []error

	byToken   map[string]*fakeStatement
	byID      map[string]*fakeStatement
	submitted []string // statement names, in the order they were first run
	execCalls int
	descCalls int
}

type fakeStatement struct {
	id, name, sql string
	describes     int
}

func newFakeDataAPI(t *testing.T) *fakeDataAPI {
	return &fakeDataAPI{
		t:        t,
		database: "dev",
		statuses: map[string][]types.StatusString{},
		messages: map[string]string{},
		byToken:  map[string]*fakeStatement{},
		byID:     map[string]*fakeStatement{},
	}
}

func (f *fakeDataAPI) ExecuteStatement(_ context.Context, in *redshiftdata.ExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	f.execCalls++
	if len(f.execErrs) > 0 {
		err := f.execErrs[0]
		f.execErrs = f.execErrs[1:]
		return nil, err
	}
	if aws.ToString(in.WorkgroupName) != "chatstream-staging" || aws.ToString(in.Database) != f.database ||
		!strings.HasPrefix(aws.ToString(in.SecretArn), "arn:aws:secretsmanager:") {
		f.t.Errorf("ExecuteStatement target = %s/%s with %s; want chatstream-staging/%s with the admin secret",
			aws.ToString(in.WorkgroupName), aws.ToString(in.Database), aws.ToString(in.SecretArn), f.database)
	}
	token := aws.ToString(in.ClientToken)
	if token == "" || len(token) > 64 {
		f.t.Errorf("ExecuteStatement ClientToken = %q; want 1 to 64 characters", token)
	}
	name, ok := strings.CutPrefix(aws.ToString(in.StatementName), "chatstream-ddl:")
	if !ok {
		f.t.Errorf("ExecuteStatement StatementName = %q; want chatstream-ddl:<name>", aws.ToString(in.StatementName))
	}
	if s, seen := f.byToken[token]; seen {
		if s.sql != aws.ToString(in.Sql) {
			return nil, fmt.Errorf("IdempotentParameterMismatch: token %s reused for different SQL", token)
		}
		return &redshiftdata.ExecuteStatementOutput{Id: aws.String(s.id)}, nil
	}
	s := &fakeStatement{id: fmt.Sprintf("stmt-%d", len(f.byID)+1), name: name, sql: aws.ToString(in.Sql)}
	f.byToken[token] = s
	f.byID[s.id] = s
	f.submitted = append(f.submitted, name)
	return &redshiftdata.ExecuteStatementOutput{Id: aws.String(s.id)}, nil
}

func (f *fakeDataAPI) DescribeStatement(_ context.Context, in *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	f.descCalls++
	if len(f.descErrs) > 0 {
		err := f.descErrs[0]
		f.descErrs = f.descErrs[1:]
		return nil, err
	}
	s, ok := f.byID[aws.ToString(in.Id)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no statement " + aws.ToString(in.Id))}
	}
	status := types.StatusStringFinished
	if script := f.statuses[s.name]; len(script) > 0 {
		status = script[min(s.describes, len(script)-1)]
	}
	s.describes++
	out := &redshiftdata.DescribeStatementOutput{Id: aws.String(s.id), Status: status}
	if msg, ok := f.messages[s.name]; ok {
		out.Error = aws.String(msg)
	}
	return out, nil
}
