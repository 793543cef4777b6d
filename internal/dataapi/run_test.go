package dataapi

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/dataapi/dataapitest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var target = Target{Workgroup: "chatstream-staging", Database: "chatstream", SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf"}

// recordWaits returns a Wait that records its durations without waiting.
func recordWaits(waits *[]time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
}

func TestRunReadsPagesByColumnName(t *testing.T) {
	// GIVEN a statement that runs for two checks and returns two pages.
	data := &dataapitest.Statement{
		Statuses: []types.StatusString{types.StatusStringSubmitted, types.StatusStringStarted, types.StatusStringFinished},
		Columns:  []string{"events", "newest"},
		Pages: [][][]types.Field{
			{{&types.FieldMemberLongValue{Value: 1000}, &types.FieldMemberStringValue{Value: "2026-11-27 10:00:03.123"}}},
			{{&types.FieldMemberStringValue{Value: "42"}, &types.FieldMemberIsNull{Value: true}}},
		},
	}
	var waits []time.Duration
	r := &Runner{API: data, Target: target, Label: "chatstream-smoke:", Wait: recordWaits(&waits)}

	// WHEN it runs with two parameters.
	res, err := r.Run(t.Context(), "progress", "SELECT :b, :a", map[string]string{"b": "2", "a": "1"})

	// THEN the request names the target and the sorted parameters, the
	// checks back off, and both pages read by column name.
	if err != nil {
		t.Fatal(err)
	}
	in := data.Executed[0]
	got := []string{aws.ToString(in.WorkgroupName), aws.ToString(in.Database), aws.ToString(in.SecretArn), aws.ToString(in.StatementName), aws.ToString(in.Sql)}
	want := []string{target.Workgroup, target.Database, target.SecretARN, "chatstream-smoke:progress", "SELECT :b, :a"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ExecuteStatement input (-want +got):\n%s", diff)
	}
	var params []string
	for _, p := range in.Parameters {
		params = append(params, aws.ToString(p.Name)+"="+aws.ToString(p.Value))
	}
	if diff := cmp.Diff([]string{"a=1", "b=2"}, params); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(res.Rows))
	}
	type cell struct {
		Events     int64
		Newest     string
		NewestNull bool
	}
	var cells []cell
	for _, row := range res.Rows {
		n, _, err := row.Int("events")
		if err != nil {
			t.Fatal(err)
		}
		s, null, err := row.Text("newest")
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, cell{Events: n, Newest: s, NewestNull: null})
	}
	if diff := cmp.Diff([]cell{{Events: 1000, Newest: "2026-11-27 10:00:03.123"}, {Events: 42, NewestNull: true}}, cells); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if _, _, err := res.Rows[0].Int("nope"); err == nil || !strings.Contains(err.Error(), `no column "nope" in [events newest]`) {
		t.Errorf(`Int("nope") = %v; want an error naming the column and the columns there are`, err)
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name    string
		data    *dataapitest.Statement
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		wantErr string
		check   func(t *testing.T, err error)
	}{
		{
			name:    "failed statement",
			data:    &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringFailed}, Error: `ERROR: relation "chatstream.chat_events" does not exist`},
			wantErr: `statement progress (id st-1) FAILED: ERROR: relation "chatstream.chat_events" does not exist`,
			check: func(t *testing.T, err error) {
				var se *StatementError
				if !errors.As(err, &se) || se.Status != types.StatusStringFailed {
					t.Errorf("error %v is not a FAILED *StatementError", err)
				}
			},
		},
		{
			name:    "aborted statement",
			data:    &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringAborted}, Error: "Query cancelled."},
			wantErr: "statement progress (id st-1) ABORTED: Query cancelled.",
		},
		{
			name: "deadline while the statement runs",
			data: &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringStarted}},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithDeadline(ctx, time.Now().Add(-time.Second))
			},
			wantErr: "statement progress (id st-1) still STARTED, cancelled: context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tt.ctx(ctx)
				defer cancel()
			}
			var waits []time.Duration
			r := &Runner{API: tt.data, Target: target, Wait: recordWaits(&waits)}
			_, err := r.Run(ctx, "progress", "SELECT 1", nil)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Run = %v; want %q", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestRunStopsPollingOnCancel(t *testing.T) {
	data := &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringStarted}}
	ctx, cancel := context.WithCancel(t.Context())
	var waits []time.Duration
	wait := func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 6 {
			cancel()
		}
		return ctx.Err()
	}
	r := &Runner{API: data, Target: target, Wait: wait}
	if _, err := r.Run(ctx, "q", "SELECT 1", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want it to stop when ctx is cancelled", err)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestRunCancelsTheStatementItStopsWaitingFor(t *testing.T) {
	tests := []struct {
		name      string
		cancelErr error
		want      string
	}{
		{name: "cancelled", want: "statement q (id st-1) still STARTED, cancelled: context deadline exceeded"},
		{name: "cancel fails", cancelErr: errors.New("throttled"),
			want: "statement q (id st-1) still STARTED, and cancelling it failed (throttled), so it may still finish: context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a statement that keeps running, and a deadline that ends first
			data := &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringStarted}, CancelErr: tt.cancelErr}
			ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
			defer cancel()
			r := &Runner{API: data, Target: target, Wait: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
			// WHEN the Runner stops waiting
			_, err := r.Run(ctx, "q", "SELECT 1", nil)
			// THEN it asked the Data API to stop the statement once, and says how that went
			if err == nil || err.Error() != tt.want || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Run = %v\nwant %s", err, tt.want)
			}
			if data.Cancels != 1 {
				t.Errorf("CancelStatement calls = %d, want 1", data.Cancels)
			}
		})
	}
}

// endsDuringDescribe is a Data API whose DescribeStatement call is where
// the caller's context ends.
type endsDuringDescribe struct {
	*dataapitest.Statement
	cancel context.CancelFunc
}

func (e endsDuringDescribe) DescribeStatement(ctx context.Context, _ *redshiftdata.DescribeStatementInput, _ ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error) {
	e.cancel()
	return nil, ctx.Err()
}

func TestRunCancelsTheStatementWhenItsContextEndsMidCall(t *testing.T) {
	// GIVEN a context that ends while the Runner asks how the statement is doing
	ctx, cancel := context.WithCancel(t.Context())
	data := &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringStarted}}
	r := &Runner{API: endsDuringDescribe{data, cancel}, Target: target}
	// WHEN it runs a statement
	_, err := r.Run(ctx, "q", "SELECT 1", nil)
	// THEN it cancels the statement it can no longer follow, and says so
	want := "statement q (id st-1) not known to have ended, cancelled: context canceled"
	if err == nil || err.Error() != want || !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v\nwant %s", err, want)
	}
	if data.Cancels != 1 {
		t.Errorf("CancelStatement calls = %d, want 1", data.Cancels)
	}
}

func TestIntConversions(t *testing.T) {
	tests := []struct {
		name     string
		field    types.Field
		want     int64
		wantNull bool
		wantErr  string
	}{
		{name: "long", field: &types.FieldMemberLongValue{Value: -7}, want: -7},
		{name: "whole double", field: &types.FieldMemberDoubleValue{Value: 998}, want: 998},
		{name: "decimal as string", field: &types.FieldMemberStringValue{Value: "1445"}, want: 1445},
		{name: "null", field: &types.FieldMemberIsNull{Value: true}, wantNull: true},
		{name: "fractional double", field: &types.FieldMemberDoubleValue{Value: 997.5}, wantErr: "column n: 997.5 is not a whole number"},
		{name: "fractional decimal", field: &types.FieldMemberStringValue{Value: "997.5"}, wantErr: `column n: "997.5" is not a whole number`},
		{name: "boolean", field: &types.FieldMemberBooleanValue{Value: true}, wantErr: "column n: *types.FieldMemberBooleanValue is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := NewResult([]string{"n"})
			if err := res.Append([]types.Field{tt.field}); err != nil {
				t.Fatal(err)
			}
			got, null, err := res.Rows[0].Int("n")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Int = %d, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || null != tt.wantNull {
				t.Errorf("Int = %d, %v, %v; want %d, %v, nil", got, null, err, tt.want, tt.wantNull)
			}
		})
	}
}

func TestRunBoundsLargeResults(t *testing.T) {
	row := []types.Field{&types.FieldMemberLongValue{Value: 1}}
	oneBigPage := [][][]types.Field{slices.Repeat([][]types.Field{row}, MaxRows+1)}
	manyPages := slices.Repeat([][][]types.Field{{row}}, maxPages+1)
	tests := []struct {
		name          string
		pages         [][][]types.Field
		truncate      bool
		wantRows      int
		wantTruncated bool
		wantErr       string
	}{
		{name: "too many rows", pages: oneBigPage, wantErr: "statement q (id st-1) returned more than 10000 rows"},
		{name: "too many pages", pages: manyPages, wantErr: "statement q (id st-1) returned more than 100 pages"},
		{name: "too many rows, truncated", pages: oneBigPage, truncate: true, wantRows: MaxRows, wantTruncated: true},
		{name: "too many pages, truncated", pages: manyPages, truncate: true, wantRows: maxPages, wantTruncated: true},
		{name: "within bounds", pages: manyPages[:maxPages], truncate: true, wantRows: maxPages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringFinished}, Columns: []string{"n"}, Pages: tt.pages}
			r := &Runner{API: data, Target: target, Truncate: tt.truncate}
			res, err := r.Run(t.Context(), "q", "SELECT n", nil)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Run = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != tt.wantRows || res.Truncated != tt.wantTruncated {
				t.Errorf("Run = %d rows, truncated %v; want %d, %v", len(res.Rows), res.Truncated, tt.wantRows, tt.wantTruncated)
			}
		})
	}
}

func TestRowFields(t *testing.T) {
	fields := []types.Field{&types.FieldMemberStringValue{Value: "x"}, &types.FieldMemberIsNull{Value: true}}
	data := &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringFinished}, Columns: []string{"a", "b"}, Pages: [][][]types.Field{{fields}}}
	res, err := (&Runner{API: data, Target: target}).Run(t.Context(), "q", "SELECT a, b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(res.Rows))
	}
	if diff := cmp.Diff(fields, res.Rows[0].Fields(), cmpopts.IgnoreUnexported(types.FieldMemberStringValue{}, types.FieldMemberIsNull{})); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
}

func TestRunWithoutASecretSignsInThroughIAM(t *testing.T) {
	// GIVEN a target without a secret, as an analyst's is
	data := &dataapitest.Statement{Statuses: []types.StatusString{types.StatusStringFinished}}
	var waits []time.Duration
	r := &Runner{API: data, Target: Target{Workgroup: "chatstream-staging", Database: "chatstream"}, Wait: recordWaits(&waits)}
	// WHEN a statement runs
	if _, err := r.Run(t.Context(), "q", "SELECT 1", nil); err != nil {
		t.Fatal(err)
	}
	// THEN the request names no secret: the Data API signs in with the caller's IAM identity
	if in := data.Executed[0]; in.SecretArn != nil || aws.ToString(in.WorkgroupName) != "chatstream-staging" {
		t.Errorf("ExecuteStatement SecretArn = %v, workgroup %q; want no secret, the workgroup", in.SecretArn, aws.ToString(in.WorkgroupName))
	}
}
