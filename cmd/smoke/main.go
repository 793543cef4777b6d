package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/chatstream/chatstream/internal/awsconfig"
	"github.com/chatstream/chatstream/internal/sdkhttp"
	"github.com/chatstream/chatstream/internal/smoke"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C stops the check, which then reports what it saw; once
	// it is stopping, a second one ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := smoke.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, smoke.Deps{NewClients: awsClients})
	stop()
	os.Exit(code)
}

// awsClients builds the clients from the usual AWS_* variables and profiles.
func awsClients(ctx context.Context) (smoke.Clients, error) {
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return smoke.Clients{}, err
	}
	return smoke.Clients{
		Stacks: cloudformation.NewFromConfig(cfg),
		// A retried invocation would send a second batch of events, and an
		// answer the SDK lost (sdkhttp.PlainBodies) would report an invocation
		// that ran as failed.
		Lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) {
			o.Retryer = aws.NopRetryer{}
			o.HTTPClient = sdkhttp.PlainBodies(o.HTTPClient)
		}),
		Data:      redshiftdata.NewFromConfig(cfg),
		Schedules: scheduler.NewFromConfig(cfg),
	}, nil
}
