package smoke

import (
	"errors"
	"fmt"
	"strings"
	"time"

	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/chatstream/chatstream/internal/awsconfig"
	"github.com/chatstream/chatstream/internal/localrun"
)

// next says what to check after a failure: the first explanation that the
// evidence supports, most specific first. It is empty after a pass.
func (r *report) next() string {
	switch r.outcome {
	case passed:
		return ""
	case noAWS:
		var missing *awsconfig.MissingError
		if errors.As(r.problem, &missing) {
			return missing.Next + "."
		}
	case noStack:
		return fmt.Sprintf("deploy the stack (make deploy ENV=%s), or point AWS_PROFILE and AWS_REGION at the account and Region that hold %s. "+
			"Your identity needs cloudformation:DescribeStacks.", r.env, r.stack)
	case producerFailed:
		return r.producerAdvice()
	case interrupted:
		return "run it again; nothing is left running on this machine."
	case loadFailed:
		return fmt.Sprintf("the error says where the load stopped and what it left; nothing is lost, and the next load completes it. "+
			"Fix what Redshift's message names (see \"When a load fails\" in docs/warehouse.md), then run make load ENV=%s "+
			"and make smoke ENV=%s again.", r.env, r.env)
	case surplus:
		return "two invocations carried this run id, or the producer sent more events than it reported; " +
			"look for a second invocation with this run id in the producer's log."
	}
	if advice := r.diag.advice(r); advice != "" {
		return advice
	}
	if r.outcome == statementFailed {
		return "fix what Redshift's message names. The statements are in sql/smoke/*.sql and run as the admin user " +
			"of the stack's AdminSecretArn; your identity needs redshift-data:ExecuteStatement, DescribeStatement, " +
			"GetStatementResult and secretsmanager:GetSecretValue on that secret."
	}
	return r.shortfallAdvice()
}

func (r *report) producerAdvice() string {
	logs := fmt.Sprintf("read the producer's log: aws logs tail $(aws lambda get-function-configuration --function-name %s "+
		"--query LoggingConfig.LogGroup --output text) --since 15m", r.function)
	var fe *localrun.FunctionError
	var throttled *lambdatypes.TooManyRequestsException
	switch {
	case errors.As(r.problem, &fe) && fe.Type == "PayloadError":
		return "the deployed producer refused the smoke test's payload, so it is older than this check: deploy this version (make deploy ENV=" + r.env + ")."
	case errors.As(r.problem, &fe) && fe.Type == "DeliveryError":
		return "the error names the Kinesis error codes. Throttling (ProvisionedThroughputExceededException) means the stream took less than " +
			"the run sent: try a smaller COUNT or a RATE. AccessDenied or KMS errors point at the function's role. Then " + logs + "."
	case errors.As(r.problem, &fe):
		return "the function crashed or timed out: " + logs + "."
	case errors.As(r.problem, &throttled):
		return "Lambda throttled every attempt, so the producer never ran and sent nothing. It runs one invocation at a time " +
			"(reserved concurrency 1), so something kept that one busy the whole time: run again in a minute, and if it persists " +
			"compare the producer's Throttles and ConcurrentExecutions metrics with its schedule (" + r.schedule + ")."
	case r.produced != nil && r.produced.RunID != r.runID:
		return "the deployed producer does not tag events with the run id, so it is older than this check: deploy this version (make deploy ENV=" + r.env + ")."
	case r.produced != nil:
		return logs + "."
	}
	return "check that your identity may call lambda:InvokeFunction on " + r.function + ", then " + logs + "."
}

// advice explains a failure from what Redshift said, or returns "" when
// nothing it said stands out.
func (d *diagnosis) advice(r *report) string {
	if d == nil {
		return ""
	}
	mv := r.streamView
	ddl := fmt.Sprintf("make sql ENV=%s FROM_STACK=1 prints the DDL the deploy runs", r.env)
	switch {
	case d.viewErr == nil && d.view == nil:
		return fmt.Sprintf("%s does not exist, so the deploy did not apply the ingestion DDL. Look at the stack's events for the "+
			"Custom::IngestionDdl resource that runs it (aws cloudformation describe-stack-events --stack-name %s); %s.", mv, r.stack, ddl)
	case len(d.scanErrors) > 0:
		e := d.scanErrors[0]
		return fmt.Sprintf("Redshift could not ingest %s of the stream (%q). Fix what the reason names; "+
			"SYS_STREAM_SCAN_ERRORS lists each record's shard (partition_id) and sequence number (position).", plural(int(e.records), "record"), e.reason)
	case d.view != nil && d.view.state >= 101:
		return fmt.Sprintf("%s can no longer refresh (%s): drop and recreate it; %s.", mv, stateText(d.view.state), ddl)
	case d.view != nil && !d.view.autorefresh && r.waiting == 0:
		return fmt.Sprintf("auto refresh is off for %s, so only a load reads the stream: in scheduled mode that is how it should be, "+
			"so check that the loader runs (make load ENV=%s runs one now); in realtime mode a deploy switches it back on "+
			"(ALTER MATERIALIZED VIEW %s AUTO REFRESH YES); %s.", mv, r.env, mv, ddl)
	case d.refresh != nil && refreshFailed(d.refresh.status):
		return fmt.Sprintf("the latest refresh of %s failed (%q). ", mv, d.refresh.status) + r.ingestionAccess()
	case d.refreshErr == nil && d.refresh == nil:
		return fmt.Sprintf("%s has never refreshed. ", mv) + r.ingestionAccess()
	}
	return ""
}

// refreshFailed reads SYS_MV_REFRESH_HISTORY's status text, such as
// "Refresh failed. …" or "Refresh aborted …".
func refreshFailed(status string) bool {
	s := strings.ToLower(status)
	return strings.Contains(s, "fail") || strings.Contains(s, "abort") || strings.Contains(s, "error")
}

// ingestionAccess is what lets Redshift read the stream.
func (r *report) ingestionAccess() string {
	return fmt.Sprintf("Check that the role %s is associated with the namespace and may read stream %s "+
		"(and decrypt it with the stream's KMS key), and, with enhanced VPC routing, that the VPC reaches Kinesis.", r.role, r.stream)
}

// shortfallAdvice explains events that did not arrive while Redshift had
// nothing specific to say.
func (r *report) shortfallAdvice() string {
	missing := int64(r.produced.Sent) - r.visible
	d := r.diag
	// Redshift measured the newest row's age when it was asked.
	since := d.asked.Sub(r.started)
	ingesting := d.newest != nil && time.Duration(d.newest.ageSeconds)*time.Second <= since
	longer := fmt.Sprintf("make smoke ENV=%s TIMEOUT=%s", r.env, 2*r.timeout)
	switch {
	case r.waiting > 0:
		lastLoad := "no load has ever recorded one"
		if d.lastLoad != nil {
			lastLoad = fmt.Sprintf("the last load that found work ran %s ago", ago(d.lastLoad.ageSeconds))
		}
		return fmt.Sprintf("Redshift ingested %s of this run, but no load has moved them into %s yet (%s). Run a load now "+
			"(make load ENV=%s), and check the loader's schedule and its log: a failed load says what it left in the landing table.",
			plural(int(r.waiting), "record"), r.view, lastLoad, r.env)
	case r.rejected > 0:
		return fmt.Sprintf("a load rejected %s of this run: SELECT reason, COUNT(*) FROM %s WHERE arrival_time >= "+
			"DATEADD(hour, -1, GETDATE()) GROUP BY reason says why, and the rows keep each record's payload, shard and sequence number.",
			plural(int(r.rejected), "record"), r.rejects)
	case r.visible > 0:
		return fmt.Sprintf("Redshift is ingesting this run, but %d events did not arrive within %s. Run again with a longer wait (%s); "+
			"if events stay missing, compare the producer's EventsSent metric with the stream's IncomingRecords.", missing, r.timeout, longer)
	case ingesting:
		return fmt.Sprintf("Redshift ingested other rows during this run, but none of its events: check that the producer writes to %s "+
			"(its STREAM_NAME), the stream the external schema reads, and run again with a longer wait (%s).", r.stream, longer)
	}
	schedule := ""
	if d.schedule != nil && d.schedule.state != "ENABLED" {
		schedule = " The schedule is " + d.schedule.state + ", so nothing else writes to the stream."
	}
	return "nothing reached Redshift during this run." + schedule + " " + r.ingestionAccess()
}
