package ddl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"
)

// deadlineMargin is the time an invocation keeps in reserve: IsComplete
// ends its Data API calls this long before the invocation's deadline and
// reports "not yet" rather than risk a timeout, which the Provider framework
// would treat as a failed deployment.
const deadlineMargin = 5 * time.Second

// advance walks the plan in order and reports whether every statement has
// finished. It returns (false, nil) to be polled again, also once ctx ends.
func (h *Handler) advance(ctx context.Context, e cfn.Event, p plan) (bool, error) {
	n := len(p.stmts)
	for i, stmt := range p.stmts {
		if ctx.Err() != nil {
			h.log.InfoContext(ctx, "invocation deadline near; continuing on the next poll", "next", stmt.Name)
			return false, nil
		}
		label := fmt.Sprintf("statement %d of %d (%s)", i+1, n, stmt.Name)

		out, err := h.api.ExecuteStatement(ctx, &redshiftdata.ExecuteStatementInput{
			Sql:           aws.String(stmt.SQL),
			WorkgroupName: aws.String(p.target.WorkgroupName),
			Database:      aws.String(p.target.Database),
			SecretArn:     aws.String(p.target.SecretArn),
			ClientToken:   aws.String(clientToken(e, i, stmt.Name, stmt.SQL)),
			StatementName: aws.String("chatstream-ddl:" + stmt.Name),
		})
		if err != nil {
			return h.wait(ctx, fmt.Errorf("submit %s: %w", label, err))
		}
		d, err := h.api.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: out.Id})
		if err != nil {
			return h.wait(ctx, fmt.Errorf("describe %s (id %s): %w", label, aws.ToString(out.Id), err))
		}
		switch d.Status {
		case types.StatusStringFinished:
			continue
		case types.StatusStringFailed, types.StatusStringAborted:
			msg := aws.ToString(d.Error)
			if msg == "" {
				msg = "no error message from Redshift"
			}
			return false, fmt.Errorf("%s %s: %s", label, d.Status, msg)
		default:
			h.log.InfoContext(ctx, "statement running", "statement", label, "status", d.Status, "id", aws.ToString(out.Id))
			return false, nil
		}
	}
	return true, nil
}

// wait turns a Data API error into "poll again" when waiting can fix it, and
// into a failed deployment otherwise.
func (h *Handler) wait(ctx context.Context, err error) (bool, error) {
	if ctx.Err() != nil {
		// Cut off by this invocation's deadline, whatever the SDK made of
		// it: a submitted statement is found again by its ClientToken.
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

// clientToken makes ExecuteStatement idempotent across polls: the same
// request, position and SQL always give the same token, and any other
// request a different one. SHA-256 in hex is 64 characters, the Data API's
// maximum.
func clientToken(e cfn.Event, index int, name, sql string) string {
	h := sha256.New()
	for _, part := range []string{e.StackID, e.LogicalResourceID, e.RequestID, strconv.Itoa(index), name, sql} {
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
	// Network trouble and this invocation's own deadline: the next poll
	// starts afresh.
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}
