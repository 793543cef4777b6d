// Command producer is the chatstream producer Lambda (placeholder until the producer lands).
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() error { return nil })
}
