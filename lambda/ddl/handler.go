package ddl

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/chatstream/chatstream/internal/pause"
)

// Handler names, as the Lambda function's Handler setting spells them. The
// provided.al2023 runtime passes that setting to the binary in _HANDLER.
const (
	// OnEventHandler validates the request, plans the statements and
	// submits them.
	OnEventHandler = "onEvent"
	// IsCompleteHandler follows the submitted statements.
	IsCompleteHandler = "isComplete"
)

// dataAPI is the part of the Redshift Data API the handlers use.
type dataAPI interface {
	BatchExecuteStatement(ctx context.Context, params *redshiftdata.BatchExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.BatchExecuteStatementOutput, error)
	DescribeStatement(ctx context.Context, params *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error)
	CancelStatement(ctx context.Context, params *redshiftdata.CancelStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.CancelStatementOutput, error)
}

// Handler serves the Provider framework's onEvent and isComplete calls.
//
// onEvent validates the properties, plans, and submits the whole plan once,
// as one BatchExecuteStatement: one transaction whose statements Redshift
// runs in order. It answers with the statement's id, and the Provider
// framework merges that answer into the request every isComplete call
// receives, so each poll follows the very statement onEvent submitted
// instead of finding it again by a ClientToken, whose retention the Data API
// does not document. isComplete describes it, and cancels it when the
// Provider's total timeout nears.
type Handler struct {
	api dataAPI
	log *slog.Logger
	now func() time.Time
	// sleep waits between attempts to submit; it returns ctx's error when
	// ctx ends first.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewHandler returns a Handler that runs statements with client.
func NewHandler(client *redshiftdata.Client, logger *slog.Logger) *Handler {
	return newHandler(client, logger, time.Now, pause.For)
}

func newHandler(api dataAPI, logger *slog.Logger, now func() time.Time, sleep func(context.Context, time.Duration) error) *Handler {
	return &Handler{api: api, log: logger, now: now, sleep: sleep}
}

// Request is what the Provider framework sends both handlers: the
// CloudFormation request, and for isComplete also the fields onEvent
// answered with.
type Request struct {
	cfn.Event
	// StatementID is the Data API id of the statements onEvent submitted;
	// empty when the plan had nothing to run.
	StatementID string `json:"StatementId,omitempty"`
	// SubmittedAt is when onEvent submitted them.
	SubmittedAt time.Time `json:"SubmittedAt,omitzero"`
}

// OnEventResponse is onEvent's answer to the Provider framework, which
// merges it into the request it then passes to isComplete.
type OnEventResponse struct {
	// PhysicalResourceID names the database the objects live in.
	PhysicalResourceID string `json:"PhysicalResourceId"`
	// StatementID is the id of the submitted statements, if any.
	StatementID string `json:"StatementId,omitempty"`
	// SubmittedAt is when they were submitted.
	SubmittedAt time.Time `json:"SubmittedAt,omitzero"`
}

// IsCompleteResponse is isComplete's answer to the Provider framework.
type IsCompleteResponse struct {
	// IsComplete is true once every statement finished.
	IsComplete bool `json:"IsComplete"`
	// Data becomes the resource's attributes (Fn::GetAtt); the framework
	// allows it only when IsComplete is true.
	Data map[string]any `json:"Data,omitempty"`
}

// OnEvent validates the request, plans and submits the statements, and
// returns the physical resource ID with the statement id. A bad property
// fails the deployment here, before anything runs.
func (h *Handler) OnEvent(ctx context.Context, r Request) (OnEventResponse, error) {
	e := r.Event
	p, err := newPlan(e)
	if err != nil {
		return OnEventResponse{}, fmt.Errorf("%s %s: %w", e.RequestType, e.LogicalResourceID, err)
	}
	for _, w := range p.warnings {
		h.log.WarnContext(ctx, "planned DDL with less than the last properties would tell", "resource", e.LogicalResourceID, "warning", w)
	}
	resp := OnEventResponse{PhysicalResourceID: p.physicalID}
	h.log.InfoContext(ctx, "planned DDL",
		"request", e.RequestType, "resource", e.LogicalResourceID,
		"physical_id", p.physicalID, "statements", names(p))
	if len(p.stmts) == 0 {
		return resp, nil
	}
	resp.StatementID, resp.SubmittedAt, err = h.submit(ctx, e, p)
	if err != nil {
		return OnEventResponse{}, fmt.Errorf("%s %s: %w", e.RequestType, e.LogicalResourceID, err)
	}
	return resp, nil
}

// IsComplete reports whether the statements onEvent submitted have
// finished. It returns IsComplete false while they run or the Data API asks
// to wait (throttling, the invocation's deadline near); the Provider polls
// again until its totalTimeout. A statement that FAILED or was ABORTED
// returns an error with its name and Redshift's message, which fails the
// deployment; so does a batch still running when the timeout nears, after
// isComplete cancelled it.
func (h *Handler) IsComplete(ctx context.Context, r Request) (IsCompleteResponse, error) {
	e := r.Event
	p, err := newPlan(e)
	if err != nil {
		return IsCompleteResponse{}, fmt.Errorf("%s %s: %w", e.RequestType, e.LogicalResourceID, err)
	}
	// Every Data API call, the SDK's retries and backoff included, ends
	// deadlineMargin before the invocation would: a Lambda timeout fails the
	// deployment through the Provider, while "not complete" is polled again.
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-deadlineMargin))
		defer cancel()
	}
	done, err := h.follow(ctx, r, p)
	if err != nil {
		return IsCompleteResponse{}, fmt.Errorf("%s %s: %w", e.RequestType, e.LogicalResourceID, err)
	}
	if !done {
		return IsCompleteResponse{IsComplete: false}, nil
	}
	h.log.InfoContext(ctx, "DDL complete", "request", e.RequestType, "statements", len(p.stmts), "id", r.StatementID)
	return IsCompleteResponse{IsComplete: true, Data: p.data}, nil
}

// Named returns the handler function the Handler setting name selects.
func (h *Handler) Named(name string) (any, error) {
	switch name {
	case OnEventHandler:
		return h.OnEvent, nil
	case IsCompleteHandler:
		return h.IsComplete, nil
	}
	return nil, fmt.Errorf("handler %q: want %s or %s (the function's Handler setting)", name, OnEventHandler, IsCompleteHandler)
}

func names(p plan) []string {
	out := make([]string, len(p.stmts))
	for i, s := range p.stmts {
		out[i] = s.Name
	}
	return out
}
