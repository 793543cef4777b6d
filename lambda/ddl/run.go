package ddl

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
	chatsql "github.com/chatstream/chatstream/sql"
)

// deadlineMargin is the time an invocation keeps in reserve: its Data API
// calls end this long before the invocation's deadline, so that it can still
// answer (isComplete: "not yet") rather than time out, which the Provider
// framework would treat as a failed deployment.
const deadlineMargin = 5 * time.Second

// cancelMargin is how long before the Provider's total timeout isComplete
// cancels statements that still run, and so also what the statement timeout
// leaves out of it. The waiter calls isComplete every 10 s, and an
// invocation takes at most a minute, so two minutes leave room for a poll
// that is slow or late.
const cancelMargin = 2 * time.Minute

// notFoundGrace is how long after a submit isComplete takes a
// DescribeStatement "not found" for a statement the Data API has not made
// visible yet, rather than for one that is gone.
const notFoundGrace = 2 * time.Minute

// maxBatch is the most statements one BatchExecuteStatement takes (the Data
// API reference, BatchExecuteStatement: Sqls has at most 40 items).
const maxBatch = 40

// Backoff between attempts to submit when the Data API asks to wait.
const (
	firstRetry = time.Second
	maxRetry   = 10 * time.Second
)

// batchName labels the statements in the Data API's history
// (ListStatements), so a person can tell whose they are.
func batchName(e cfn.Event) string {
	return "chatstream-ddl:" + e.LogicalResourceID
}

// submit runs the plan's statements, after the session's statement timeout,
// as one BatchExecuteStatement. Throttling and a workgroup that does not
// accept statements yet are waited out until ctx's deadline, less
// deadlineMargin; any other error fails the request.
func (h *Handler) submit(ctx context.Context, e cfn.Event, p plan) (string, time.Time, error) {
	timeout, err := chatsql.StatementTimeout(p.target.Timeout - cancelMargin)
	if err != nil {
		return "", time.Time{}, err
	}
	sqls := []string{timeout.SQL}
	for _, s := range p.stmts {
		sqls = append(sqls, s.SQL)
	}
	if len(sqls) > maxBatch {
		return "", time.Time{}, fmt.Errorf("plan of %d statements: the Data API runs at most %d in one batch", len(sqls), maxBatch)
	}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-deadlineMargin))
		defer cancel()
	}
	in := &redshiftdata.BatchExecuteStatementInput{
		Sqls:          sqls,
		WorkgroupName: aws.String(p.target.WorkgroupName),
		Database:      aws.String(p.target.Database),
		SecretArn:     aws.String(p.target.SecretArn),
		StatementName: aws.String(batchName(e)),
		// Only for the SDK's own retries of this call, seconds apart; the
		// statement id, not the token, is what later polls follow.
		ClientToken: aws.String(clientToken(e)),
	}
	for wait := firstRetry; ; wait = min(2*wait, maxRetry) {
		out, err := h.api.BatchExecuteStatement(ctx, in)
		if err == nil {
			id, at := aws.ToString(out.Id), h.now()
			h.log.InfoContext(ctx, "submitted DDL", "id", id, "statements", len(sqls))
			return id, at, nil
		}
		err = fmt.Errorf("submit %d statements to %s/%s: %w", len(sqls), p.target.WorkgroupName, p.target.Database, err)
		if !transient(err) || ctx.Err() != nil {
			return "", time.Time{}, err
		}
		h.log.WarnContext(ctx, "waiting for the Data API", "error", err, "retry_in", wait)
		if h.sleep(ctx, wait) != nil {
			return "", time.Time{}, fmt.Errorf("%w; gave up at the invocation's deadline", err)
		}
	}
}

// follow describes the statements onEvent submitted and reports whether
// they finished. It returns (false, nil) to be polled again.
func (h *Handler) follow(ctx context.Context, r Request, p plan) (bool, error) {
	if r.StatementID == "" {
		if len(p.stmts) > 0 {
			return false, fmt.Errorf("the request carries no StatementId for a plan of %d statements: onEvent did not submit them", len(p.stmts))
		}
		return true, nil
	}
	if ctx.Err() != nil {
		h.log.InfoContext(ctx, "invocation deadline near; continuing on the next poll", "id", r.StatementID)
		return false, nil
	}
	age := h.now().Sub(r.SubmittedAt)
	d, err := h.api.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(r.StatementID)})
	if err != nil {
		var notFound *types.ResourceNotFoundException
		if errors.As(err, &notFound) && age < notFoundGrace {
			// A statement the Data API accepted a moment ago may not be
			// visible to DescribeStatement yet.
			h.log.InfoContext(ctx, "statement not visible yet; polling again", "id", r.StatementID, "age", age)
			return false, nil
		}
		return h.wait(ctx, fmt.Errorf("describe statements %s, submitted %s ago: %w", r.StatementID, age.Round(time.Second), err))
	}
	switch d.Status {
	case types.StatusStringFinished:
		return true, nil
	case types.StatusStringFailed, types.StatusStringAborted:
		return false, failure(d, p)
	}
	running := current(d, p)
	if age >= p.target.Timeout-cancelMargin {
		return h.cancel(ctx, r.StatementID, p, fmt.Sprintf("still %s after %s, %s", d.Status, age.Round(time.Second), running))
	}
	h.log.InfoContext(ctx, "statements running", "id", r.StatementID, "status", d.Status, "at", running)
	return false, nil
}

// cancel stops statements that outlived their time, so that they do not
// keep running (and holding locks) after the Provider gave up. CancelStatement
// takes the id BatchExecuteStatement returned (CancelStatement, Amazon
// Redshift Data API Reference). Being one transaction, the statements leave
// nothing behind. If they finished meanwhile, the request is complete after
// all.
func (h *Handler) cancel(ctx context.Context, id string, p plan, why string) (bool, error) {
	h.log.WarnContext(ctx, "cancelling statements at the deadline", "id", id, "why", why)
	_, cerr := h.api.CancelStatement(ctx, &redshiftdata.CancelStatementInput{Id: aws.String(id)})
	if cerr != nil {
		if d, err := h.api.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(id)}); err == nil {
			switch d.Status {
			case types.StatusStringFinished:
				return true, nil
			case types.StatusStringFailed, types.StatusStringAborted:
				return false, failure(d, p)
			}
		}
		return false, fmt.Errorf("statements %s %s, and cancelling them failed: %w; cancel them by hand (aws redshift-data cancel-statement --id %s)",
			id, why, cerr, id)
	}
	return false, fmt.Errorf("statements %s %s: cancelled them, so none of them took effect (they run as one transaction); "+
		"the deadline is the custom resource's TimeoutSeconds = %d", id, why, int(p.target.Timeout/time.Second))
}

// wait turns a Data API error into "poll again" when waiting can fix it, and
// into a failed deployment otherwise.
func (h *Handler) wait(ctx context.Context, err error) (bool, error) {
	if ctx.Err() != nil {
		// Cut off by this invocation's deadline, whatever the SDK made of
		// it: the next poll describes the same statements again.
		h.log.InfoContext(ctx, "invocation deadline near; continuing on the next poll", "interrupted", err)
		return false, nil
	}
	if !transient(err) {
		return false, err
	}
	// Logged at warning level: if the condition never clears, the
	// deployment ends with the Provider's bare "Operation timed out", and
	// this line is the explanation.
	h.log.WarnContext(ctx, "waiting for the Data API", "error", err)
	return false, nil
}

// label names the statement at position i of a batch (0 is the session's
// statement timeout) the way errors and logs do: "statement 6 of 7
// (create_stream_view)", counting only the plan's statements.
func label(p plan, i int) string {
	if i == 0 {
		return "the session's statement timeout"
	}
	if i > len(p.stmts) {
		return fmt.Sprintf("statement %d of a batch of %d", i, len(p.stmts))
	}
	return fmt.Sprintf("statement %d of %d (%s)", i, len(p.stmts), p.stmts[i-1].Name)
}

// position returns the 0-based position in its batch of a sub-statement
// whose id ends in ":n", n counting from 1, or -1.
func position(sub types.SubStatementData) int {
	id := aws.ToString(sub.Id)
	i := strings.LastIndexByte(id, ':')
	var n int
	if i < 0 || len(id) == i+1 {
		return -1
	}
	if _, err := fmt.Sscanf(id[i+1:], "%d", &n); err != nil || n < 1 {
		return -1
	}
	return n - 1
}

// failure describes a batch that FAILED or was ABORTED by the statement
// that did, with Redshift's message.
func failure(d *redshiftdata.DescribeStatementOutput, p plan) error {
	for _, sub := range d.SubStatements {
		if sub.Status != types.StatementStatusStringFailed && sub.Status != types.StatementStatusStringAborted {
			continue
		}
		msg := cmp.Or(aws.ToString(sub.Error), aws.ToString(d.Error), "no error message from Redshift")
		return fmt.Errorf("%s %s: %s (the batch ran as one transaction: none of it took effect)", label(p, position(sub)), sub.Status, msg)
	}
	msg := cmp.Or(aws.ToString(d.Error), "no error message from Redshift")
	return fmt.Errorf("statements %s %s: %s", aws.ToString(d.Id), d.Status, msg)
}

// current names the sub-statement that runs now.
func current(d *redshiftdata.DescribeStatementOutput, p plan) string {
	for _, sub := range d.SubStatements {
		if sub.Status != types.StatementStatusStringFinished {
			return label(p, position(sub)) + " " + string(sub.Status)
		}
	}
	return "no statement started yet"
}

// clientToken identifies one request, so that the SDK's retry of a submit
// whose answer was lost does not submit twice. SHA-256 in hex is 64
// characters, the Data API's maximum.
func clientToken(e cfn.Event) string {
	h := sha256.New()
	for _, part := range []string{e.StackID, e.LogicalResourceID, e.RequestID} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// notReadyPattern matches the ValidationException messages of a workgroup
// that exists but is still being created or modified. The Data API has no
// error code for that state, so the message is all there is.
var notReadyPattern = regexp.MustCompile(`(?i)not available|unavailable|not in an? available state|is (being )?(created|modified|modifying|creating)`)

func transient(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		if _, throttled := retry.DefaultThrottleErrorCodes[code]; throttled {
			return true
		}
		switch code {
		// Too many statements or sessions at once, or a database that does
		// not accept connections yet.
		case "ActiveStatementsExceededException", "ActiveSessionsExceededException",
			"DatabaseConnectionException", "InternalServerException", "ServiceUnavailableException":
			return true
		case "ValidationException":
			return notReadyPattern.MatchString(apiErr.ErrorMessage())
		}
		return false
	}
	// Network trouble and this invocation's own deadline: the next attempt
	// starts afresh.
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}
