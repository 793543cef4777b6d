// Command echofn is a Lambda function for the emulator tests: it returns an
// error or exits when the payload asks it to, and otherwise reports an empty
// producer result together with the environment it sees.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	Fail string `json:"fail"`
	Exit string `json:"exit"`
}

type response struct {
	Sent       int               `json:"sent"`
	Failed     int               `json:"failed"`
	Requests   int               `json:"requests"`
	Retries    int               `json:"retries"`
	DurationMS int64             `json:"duration_ms"`
	Env        map[string]string `json:"env"`
}

func main() {
	lambda.Start(func(_ context.Context, req request) (response, error) {
		if req.Exit != "" {
			fmt.Fprintln(os.Stderr, req.Exit)
			os.Exit(1)
		}
		if req.Fail != "" {
			return response{}, errors.New(req.Fail)
		}
		env := map[string]string{}
		for _, kv := range os.Environ() {
			name, value, _ := strings.Cut(kv, "=")
			env[name] = value
		}
		return response{Env: env}, nil
	})
}
