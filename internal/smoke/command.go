package smoke

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/stack"
	"github.com/chatstream/chatstream/lambda/produce"
)

// Exit codes of Main.
const (
	// ExitPass means every event of the run was queryable in Redshift.
	ExitPass = 0
	// ExitFail means the check failed, or could not be made.
	ExitFail = 1
	// ExitUsage means the command line was wrong.
	ExitUsage = 2
)

// stacksAPI is the part of CloudFormation the command reads.
type stacksAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// invoker is the part of Lambda the command calls.
type invoker interface {
	Invoke(ctx context.Context, params *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// schedulesAPI is the part of EventBridge Scheduler the command reads.
type schedulesAPI interface {
	GetSchedule(ctx context.Context, params *scheduler.GetScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error)
}

// Clients are the AWS APIs the command calls.
type Clients struct {
	// Stacks is a CloudFormation client.
	Stacks stacksAPI
	// Lambda is a Lambda client that never retries an invocation, since a
	// retry after the producer ran would send a second batch of events. The
	// command itself tries again only invocations Lambda refused before
	// running them, such as throttled ones.
	Lambda invoker
	// Data is a Redshift Data API client.
	Data dataapi.API
	// Schedules is an EventBridge Scheduler client.
	Schedules schedulesAPI
}

// Deps is what the command takes from its surroundings.
type Deps struct {
	// NewClients builds the AWS clients once the command line is valid.
	NewClients func(ctx context.Context) (Clients, error)
	// Now is time.Now unless a test sets a clock.
	Now func() time.Time
	// NewRunID draws the run's id; nil means NewRunID with Now and
	// crypto/rand.
	NewRunID func() (string, error)
}

// settings are the command line's values.
type settings struct {
	env     string
	stack   string // chatstream-ENV
	count   int
	rate    *float64 // nil: the producer's configured RATE
	timeout time.Duration
	poll    time.Duration
}

const usage = `usage: smoke -env ENV [-count N] [-rate R] [-timeout D] [-poll D]

Invokes the deployed producer of stack chatstream-ENV once with a fresh run id,
waits until every event of the run is queryable in Redshift, and reports how
many arrived and how fast. Exit status 0: all arrived; 1: the check failed;
2: bad command line. AWS credentials and Region come from the usual AWS_*
variables and profiles.

`

// maxTimeout bounds -timeout: a run that has not arrived in an hour will not.
const maxTimeout = time.Hour

func parseFlags(args []string, stderr io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&s.env, "env", "", "environment whose stack chatstream-ENV to test, such as staging")
	fs.IntVar(&s.count, "count", produce.DefaultCount, "events to send")
	fs.Func("rate", "events per second; 0 sends as fast as the stream accepts; unset keeps the producer's configured RATE", func(v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return errors.New("want a number of events per second, such as 50")
		}
		s.rate = &r
		return nil
	})
	fs.DurationVar(&s.timeout, "timeout", 5*time.Minute, "how long to wait for the events in Redshift")
	fs.DurationVar(&s.poll, "poll", 2*time.Second, "how often to look")
	if err := fs.Parse(args); err != nil {
		return settings{}, err
	}
	switch {
	case fs.NArg() > 0:
		return settings{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case s.env == "":
		return settings{}, errors.New("-env is required, such as -env staging")
	}
	var err error
	if s.stack, err = stack.Name(s.env); err != nil {
		return settings{}, fmt.Errorf("-env: %w", err)
	}
	switch {
	case s.count < 1 || s.count > produce.MaxCount:
		return settings{}, fmt.Errorf("-count %d: want 1 to %d events", s.count, produce.MaxCount)
	case s.rate != nil && (*s.rate < 0 || math.IsNaN(*s.rate) || math.IsInf(*s.rate, 0)):
		return settings{}, fmt.Errorf("-rate %v: want 0 (unpaced) or more events per second", *s.rate)
	case s.timeout <= 0 || s.timeout > maxTimeout:
		return settings{}, fmt.Errorf("-timeout %s: want more than 0 and at most %s", s.timeout, maxTimeout)
	case s.poll <= 0 || s.poll > s.timeout:
		return settings{}, fmt.Errorf("-poll %s: want more than 0 and at most -timeout (%s)", s.poll, s.timeout)
	}
	return s, nil
}

// Main runs the smoke test described by args, writes the report to stdout
// and progress to stderr, and returns the exit code. Cancelling ctx (Ctrl-C)
// stops it and reports what it saw.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, deps Deps) int {
	s, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "smoke: %v\n", err)
		return ExitUsage
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.NewRunID == nil {
		deps.NewRunID = func() (string, error) { return NewRunID(deps.Now(), rand.Reader) }
	}
	rep := check(ctx, s, deps, stderr)
	if err := rep.Write(stdout); err != nil {
		fmt.Fprintf(stderr, "smoke: write report: %v\n", err)
		return ExitFail
	}
	if rep.outcome != passed {
		return ExitFail
	}
	return ExitPass
}
