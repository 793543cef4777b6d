package ddl

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
)

// Handler names, as the Lambda function's Handler setting spells them. The
// provided.al2023 runtime passes that setting to the binary in _HANDLER.
const (
	// OnEventHandler validates the request and plans the statements.
	OnEventHandler = "onEvent"
	// IsCompleteHandler submits the statements and polls them.
	IsCompleteHandler = "isComplete"
)

// dataAPI is the part of the Redshift Data API the handlers use.
type dataAPI interface {
	ExecuteStatement(ctx context.Context, params *redshiftdata.ExecuteStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.ExecuteStatementOutput, error)
	DescribeStatement(ctx context.Context, params *redshiftdata.DescribeStatementInput, optFns ...func(*redshiftdata.Options)) (*redshiftdata.DescribeStatementOutput, error)
}

// Handler serves the Provider framework's onEvent and isComplete calls.
//
// onEvent only validates the properties and plans; it never calls the Data
// API. isComplete, on every poll, walks the plan from the first statement:
// it submits each one with a ClientToken derived from the request and the
// statement's position, so a statement already submitted by an earlier poll
// is not run again but found again, and asks DescribeStatement for its
// status. Keeping every Data API call in isComplete means one caller
// identity submits and describes the statements.
type Handler struct {
	api dataAPI
	log *slog.Logger
}

// NewHandler returns a Handler that runs statements with client.
func NewHandler(client *redshiftdata.Client, logger *slog.Logger) *Handler {
	return newHandler(client, logger)
}

func newHandler(api dataAPI, logger *slog.Logger) *Handler {
	return &Handler{api: api, log: logger}
}

// OnEventResponse is onEvent's answer to the Provider framework.
type OnEventResponse struct {
	// PhysicalResourceID names the database the objects live in.
	PhysicalResourceID string `json:"PhysicalResourceId"`
}

// IsCompleteResponse is isComplete's answer to the Provider framework.
type IsCompleteResponse struct {
	// IsComplete is true once every statement finished.
	IsComplete bool `json:"IsComplete"`
	// Data becomes the resource's attributes (Fn::GetAtt); the framework
	// allows it only when IsComplete is true.
	Data map[string]any `json:"Data,omitempty"`
}

// OnEvent validates the request and returns the physical resource ID. A bad
// property fails the deployment here, before anything runs.
func (h *Handler) OnEvent(ctx context.Context, e cfn.Event) (OnEventResponse, error) {
	p, err := newPlan(e)
	if err != nil {
		return OnEventResponse{}, fmt.Errorf("%s %s: %w", e.RequestType, e.LogicalResourceID, err)
	}
	for _, w := range p.warnings {
		h.log.WarnContext(ctx, "planned DDL with less than the last properties would tell", "resource", e.LogicalResourceID, "warning", w)
	}
	h.log.InfoContext(ctx, "planned DDL",
		"request", e.RequestType, "resource", e.LogicalResourceID,
		"physical_id", p.physicalID, "statements", names(p))
	return OnEventResponse{PhysicalResourceID: p.physicalID}, nil
}

// IsComplete advances the plan as far as it can in this invocation. It
// returns IsComplete false while a statement runs, the Data API asks to
// wait (throttling, workgroup not ready) or the invocation's deadline is
// near; the Provider polls again until its totalTimeout. A statement that
// FAILED or was ABORTED returns an error with its name and Redshift's
// message, which fails the deployment.
func (h *Handler) IsComplete(ctx context.Context, e cfn.Event) (IsCompleteResponse, error) {
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
	done, err := h.advance(ctx, e, p)
	if err != nil {
		return IsCompleteResponse{}, fmt.Errorf("%s %s: %w", e.RequestType, e.LogicalResourceID, err)
	}
	if !done {
		return IsCompleteResponse{IsComplete: false}, nil
	}
	h.log.InfoContext(ctx, "DDL complete", "request", e.RequestType, "statements", len(p.stmts))
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
