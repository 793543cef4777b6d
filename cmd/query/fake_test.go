package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
)

// fakeStacks answers DescribeStacks for the stacks it holds.
type fakeStacks map[string]map[string]string

func (f fakeStacks) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	outputs, ok := f[aws.ToString(in.StackName)]
	if !ok {
		return nil, fmt.Errorf("ValidationError: Stack with id %s does not exist", aws.ToString(in.StackName))
	}
	st := cfntypes.Stack{StackName: in.StackName}
	for k, v := range outputs {
		st.Outputs = append(st.Outputs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{st}}, nil
}

// fakeData runs one statement: it reports statuses in turn (the last
// repeats), then serves pages of rows.
type fakeData struct {
	statuses []types.StatusString
	errText  string
	columns  []string
	pages    [][][]types.Field

	executed  []*redshiftdata.ExecuteStatementInput
	describes int
	reads     int
}

func (f *fakeData) ExecuteStatement(_ context.Context, in *redshiftdata.ExecuteStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error) {
	f.executed = append(f.executed, in)
	return &redshiftdata.ExecuteStatementOutput{Id: aws.String("q-1")}, nil
}

func (f *fakeData) DescribeStatement(_ context.Context, in *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	if aws.ToString(in.Id) != "q-1" {
		return nil, &types.ResourceNotFoundException{Message: in.Id}
	}
	status := f.statuses[min(f.describes, len(f.statuses)-1)]
	f.describes++
	out := &redshiftdata.DescribeStatementOutput{Id: in.Id, Status: status, HasResultSet: aws.Bool(f.columns != nil)}
	if f.errText != "" {
		out.Error = aws.String(f.errText)
	}
	return out, nil
}

func (f *fakeData) GetStatementResult(_ context.Context, in *redshiftdata.GetStatementResultInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.GetStatementResultOutput, error) {
	page := 0
	if in.NextToken != nil {
		if _, err := fmt.Sscanf(*in.NextToken, "page-%d", &page); err != nil {
			return nil, err
		}
	}
	f.reads++
	out := &redshiftdata.GetStatementResultOutput{Records: f.pages[page]}
	for _, c := range f.columns {
		out.ColumnMetadata = append(out.ColumnMetadata, types.ColumnMetadata{Name: aws.String(c)})
	}
	if page+1 < len(f.pages) {
		out.NextToken = aws.String(fmt.Sprintf("page-%d", page+1))
	}
	return out, nil
}
