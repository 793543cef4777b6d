package dataapitest

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// ID is the statement id the fake hands out; error messages name it.
const ID = "st-1"

// Statement is a fake Data API that runs one statement, whatever its SQL:
// DescribeStatement reports Statuses in turn (the last one repeats), then
// GetStatementResult serves Pages of rows under Columns. It records what it
// was asked. It is safe for concurrent use, as by a dashboard's panels; read
// what it recorded once the calls have returned.
type Statement struct {
	mu sync.Mutex

	// Statuses are the statement's states, one per DescribeStatement call.
	Statuses []types.StatusString
	// Error is Redshift's error message, reported with every status.
	Error string
	// Columns are the result's column names; nil means no result set.
	Columns []string
	// Pages are the result's rows, one GetStatementResult call per page.
	Pages [][][]types.Field

	// Executed holds the ExecuteStatement requests, in order.
	Executed []*redshiftdata.ExecuteStatementInput
	// Describes counts the DescribeStatement calls.
	Describes int
	// Reads counts the GetStatementResult calls.
	Reads int
	// CancelErr, when set, is what CancelStatement returns.
	CancelErr error
	// Cancels counts the CancelStatement calls.
	Cancels int
}

// ExecuteStatement records in and returns ID.
func (f *Statement) ExecuteStatement(_ context.Context, in *redshiftdata.ExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Executed = append(f.Executed, in)
	return &redshiftdata.ExecuteStatementOutput{Id: aws.String(ID)}, nil
}

// DescribeStatement reports the next of Statuses, or the last one again.
func (f *Statement) DescribeStatement(_ context.Context, in *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.Id) != ID {
		return nil, &types.ResourceNotFoundException{Message: in.Id}
	}
	if len(f.Statuses) == 0 {
		return nil, fmt.Errorf("dataapitest: Statement has no Statuses")
	}
	status := f.Statuses[min(f.Describes, len(f.Statuses)-1)]
	f.Describes++
	out := &redshiftdata.DescribeStatementOutput{Id: in.Id, Status: status, HasResultSet: aws.Bool(f.Columns != nil)}
	if f.Error != "" {
		out.Error = aws.String(f.Error)
	}
	return out, nil
}

// GetStatementResult serves the page that in.NextToken names, the first
// page when it is nil.
func (f *Statement) GetStatementResult(_ context.Context, in *redshiftdata.GetStatementResultInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.Id) != ID {
		return nil, &types.ResourceNotFoundException{Message: in.Id}
	}
	page := 0
	if in.NextToken != nil {
		if _, err := fmt.Sscanf(*in.NextToken, "page-%d", &page); err != nil {
			return nil, &types.ValidationException{Message: aws.String("bad NextToken " + *in.NextToken)}
		}
	}
	if page < 0 || page >= len(f.Pages) {
		return nil, &types.ValidationException{Message: aws.String(fmt.Sprintf("no page %d of %d", page, len(f.Pages)))}
	}
	f.Reads++
	out := &redshiftdata.GetStatementResultOutput{Records: f.Pages[page]}
	for _, c := range f.Columns {
		out.ColumnMetadata = append(out.ColumnMetadata, types.ColumnMetadata{Name: aws.String(c)})
	}
	if page+1 < len(f.Pages) {
		out.NextToken = aws.String(fmt.Sprintf("page-%d", page+1))
	}
	return out, nil
}

// CancelStatement counts the call and reports the statement cancelled, or
// returns CancelErr.
func (f *Statement) CancelStatement(_ context.Context, in *redshiftdata.CancelStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.Id) != ID {
		return nil, &types.ResourceNotFoundException{Message: in.Id}
	}
	f.Cancels++
	if f.CancelErr != nil {
		return nil, f.CancelErr
	}
	return &redshiftdata.CancelStatementOutput{Status: aws.Bool(true)}, nil
}
