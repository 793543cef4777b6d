package publish

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
)

// Codes that Publish itself records in Result.FailureCodes, next to the
// error codes Kinesis returns.
const (
	// CodeRecordTooLarge: data plus partition key exceed MaxRecordBytes; the
	// record was never sent.
	CodeRecordTooLarge = "RecordTooLarge"
	// CodeInvalidPartitionKey: the partition key is empty or longer than
	// MaxPartitionKeyChars; the record was never sent.
	CodeInvalidPartitionKey = "InvalidPartitionKey"
	// CodeDeadlineExceeded: Publish's context expired before the record was
	// acknowledged. If it was in a request at the time, it may have been
	// written anyway.
	CodeDeadlineExceeded = "DeadlineExceeded"
	// CodeCanceled: like CodeDeadlineExceeded, for a canceled context.
	CodeCanceled = "Canceled"
	// CodeRequestTimeout: the last attempt took longer than
	// Options.RequestTimeout.
	CodeRequestTimeout = "RequestTimeout"
	// CodeNetworkError: the last attempt got no HTTP answer (connection
	// refused, reset or closed).
	CodeNetworkError = "NetworkError"
	// CodeMalformedResponse: the last attempt's answer did not account for
	// each record sent.
	CodeMalformedResponse = "MalformedResponse"
)

// retryableCode reports whether a Kinesis error code, for a whole request or
// one entry, is one that a later attempt can overcome: throttling and server
// faults.
func retryableCode(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "LimitExceededException",
		"KMSThrottlingException", "ThrottlingException",
		"InternalFailure", "InternalFailureException",
		"ServiceUnavailable", "ServiceUnavailableException":
		return true
	}
	return false
}

// contextCode names why ctx is done.
func contextCode(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.Canceled) {
		return CodeCanceled
	}
	return CodeDeadlineExceeded
}

// classify turns the error of one PutRecords call, made with a context that
// is still live, into a failure code and whether a resend may succeed.
func classify(err error) (code string, retryable bool) {
	var status interface{ HTTPStatusCode() int }
	serverFault := errors.As(err, &status) && status.HTTPStatusCode() >= 500

	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
		return code, retryableCode(code) || serverFault || apiErr.ErrorFault() == smithy.FaultServer
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return CodeRequestTimeout, true
	case errors.As(err, &status) && status.HTTPStatusCode() > 0:
		// An answer that is not a Kinesis error (a proxy's page, a cut-off
		// body): only a client error says a resend cannot help.
		code := status.HTTPStatusCode()
		return CodeMalformedResponse, code < 400 || code >= 500
	}
	return CodeNetworkError, true
}
