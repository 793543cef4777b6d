// Command producer is the chatstream producer Lambda: it writes simulated chat events to a Kinesis stream.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chatstream/chatstream/internal/sdkhttp"
	"github.com/chatstream/chatstream/lambda/produce"
	"github.com/chatstream/chatstream/lambda/publish"
)

func main() {
	logger := lambdacontext.NewLogger()
	cfg, err := produce.LoadConfig(os.LookupEnv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	requestTimeout, err := produce.RequestTimeout(os.LookupEnv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	client := kinesis.NewFromConfig(awsCfg, kinesisOptions)
	// The Handler itself, not its Handle method: it then sees raw payload
	// bytes and can refuse one that is not JSON in its own words.
	lambda.Start(produce.NewHandler(cfg, client, logger, produce.Options{Publish: publish.Options{RequestTimeout: requestTimeout}}))
}

// kinesisOptions sets up the Kinesis client for publish. SDK retries are
// off: publish retries each failed record itself, and SDK retries would
// resend whole batches behind its back. Request bodies reach the HTTP
// client as plain readers: otherwise the SDK can close a connection under
// an answer that has arrived, and publish resends records that Kinesis
// stored (see sdkhttp.PlainBodies).
func kinesisOptions(o *kinesis.Options) {
	o.Retryer = aws.NopRetryer{}
	o.HTTPClient = sdkhttp.PlainBodies(o.HTTPClient)
}
