package smoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/chatstream/chatstream/internal/pause"
)

// rejectionRetry retries an invocation that Lambda refused before running
// it. The producer may run once at a time (reserved concurrency 1) and its
// schedule keeps it busy for part of every minute, so a smoke test's
// invocation is often throttled. Any other failure may come after the
// producer sent events, and a retry would send a second batch.
type rejectionRetry struct {
	// first is the first wait, doubled for each retry up to most.
	first, most time.Duration
	// limit bounds the time from the first attempt to the last.
	limit time.Duration
	// now and sleep are the clock; sleep returns early with ctx's error.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// progress receives a line per retry.
	progress io.Writer
}

// Default timing: the producer's timeout is shorter than the schedule's
// one-minute period, so two minutes outlast any run that holds its one
// concurrent execution, with a minute to spare.
const (
	rejectionFirstWait = time.Second
	rejectionMostWait  = 10 * time.Second
	rejectionLimit     = 2 * time.Minute
)

func newRejectionRetry(now func() time.Time, progress io.Writer) rejectionRetry {
	return rejectionRetry{
		first: rejectionFirstWait, most: rejectionMostWait, limit: rejectionLimit,
		now: now, sleep: pause.For, progress: progress,
	}
}

// rejected reports whether err proves that Lambda did not run the function,
// and how long Lambda asked to wait, if it did.
func rejected(err error) (retryAfter time.Duration, ok bool) {
	var throttled *types.TooManyRequestsException
	if errors.As(err, &throttled) {
		if s, err := strconv.Atoi(aws.ToString(throttled.RetryAfterSeconds)); err == nil && s > 0 {
			retryAfter = time.Duration(s) * time.Second
		}
		return retryAfter, true
	}
	// An inactive function whose VPC connection is being restored; Lambda
	// documents it as "wait and try again".
	var notReady *types.ResourceNotReadyException
	return 0, errors.As(err, &notReady)
}

// do calls call until it succeeds, fails in a way that is not a rejection,
// ctx ends, or limit has passed since the first attempt. It returns when
// the last attempt started.
func (r rejectionRetry) do(ctx context.Context, call func(context.Context) error) (time.Time, error) {
	first := r.now()
	wait := r.first
	for attempt := 1; ; attempt++ {
		started := r.now()
		err := call(ctx)
		retryAfter, ok := rejected(err)
		if err == nil || !ok || ctx.Err() != nil {
			return started, err
		}
		d := min(max(wait, retryAfter), r.limit-r.now().Sub(first))
		if d <= 0 {
			return started, fmt.Errorf("refused %d times in %s, so the producer never ran: %w%s", attempt, r.limit, err, reason(err))
		}
		fmt.Fprintf(r.progress, "%v%s; trying again in %s (attempt %d, giving up %s after the first)\n",
			err, reason(err), d, attempt+1, r.limit)
		if err := r.sleep(ctx, d); err != nil {
			return started, err
		}
		wait = min(2*wait, r.most)
	}
}

// reason adds the throttle's reason, which the error's text leaves out.
func reason(err error) string {
	var throttled *types.TooManyRequestsException
	if errors.As(err, &throttled) && throttled.Reason != "" {
		return " (" + string(throttled.Reason) + ")"
	}
	return ""
}
