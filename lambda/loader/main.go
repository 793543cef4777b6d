// Command loader is the chatstream loader Lambda: on its schedule it moves what streaming ingestion wrote into the events table.
package main

import (
	"context"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/chatstream/chatstream/internal/sdkhttp"
	"github.com/chatstream/chatstream/lambda/load"
)

func main() {
	logger := lambdacontext.NewLogger()
	cfg, err := load.LoadConfig(os.LookupEnv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	api := load.NewDataAPI(redshiftdata.NewFromConfig(awsCfg, dataAPIOptions), cfg.Target, logger)
	loader, err := load.New(api, cfg.Params, time.Now, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), logger)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(load.NewHandler(loader, logger).Handle)
}

// dataAPIOptions hands request bodies to net/http as plain readers, so that
// the SDK cannot close a connection under an answer that has arrived
// (sdkhttp.PlainBodies). The SDK's own retries stay on: every submit carries
// a ClientToken, so a retried submit returns the statement it started
// instead of running it again.
func dataAPIOptions(o *redshiftdata.Options) {
	o.HTTPClient = sdkhttp.PlainBodies(o.HTTPClient)
}
