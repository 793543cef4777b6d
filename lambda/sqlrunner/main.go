package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/chatstream/chatstream/internal/sdkhttp"
	"github.com/chatstream/chatstream/lambda/ddl"
)

func main() {
	logger := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err)
		os.Exit(1)
	}
	h := ddl.NewHandler(redshiftdata.NewFromConfig(cfg, dataAPIOptions), logger)
	// One binary serves both Provider handlers: the function's Handler
	// setting, which provided.al2023 passes in _HANDLER, picks one.
	fn, err := h.Named(os.Getenv("_HANDLER"))
	if err != nil {
		logger.Error("select handler", "error", err)
		os.Exit(1)
	}
	lambda.Start(fn)
}

// dataAPIOptions hands request bodies to net/http as plain readers, so that
// the SDK cannot close a connection under an answer that has arrived
// (sdkhttp.PlainBodies). The SDK's own retries stay on: every submit carries
// a ClientToken, so a retried submit returns the statement it started
// instead of running it again.
func dataAPIOptions(o *redshiftdata.Options) {
	o.HTTPClient = sdkhttp.PlainBodies(o.HTTPClient)
}
