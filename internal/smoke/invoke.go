package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/lambda/produce"
)

// invokeTimeout bounds a synchronous invocation: Lambda ends every
// invocation after 15 minutes at the most.
const invokeTimeout = 15*time.Minute + 30*time.Second

// manualPayload is the producer's manual payload (events/manual.json).
// Without a rate the producer keeps its configured RATE.
type manualPayload struct {
	Count int      `json:"count"`
	Rate  *float64 `json:"rate,omitempty"`
	RunID string   `json:"run_id"`
}

// encodePayload returns the manual payload for one run, checked with the
// producer's own decoder so that a bad count or run id fails here rather
// than in the deployed function. A nil rate leaves the producer's own.
func encodePayload(count int, rate *float64, runID string) ([]byte, error) {
	payload, err := json.Marshal(manualPayload{Count: count, Rate: rate, RunID: runID})
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	if _, err := produce.ParsePayload(payload); err != nil {
		return nil, fmt.Errorf("payload %s: %w", payload, err)
	}
	return payload, nil
}

// invokeProducer calls the producer synchronously and returns its result
// and when the invocation that ran started. Only an invocation Lambda
// refused before running it is tried again, as retry allows. A function
// error comes back as a *localrun.FunctionError, whose Type is the Go type's
// name, such as DeliveryError.
func invokeProducer(ctx context.Context, api invoker, function string, payload []byte, retry rejectionRetry) (produce.Result, time.Time, error) {
	var out *lambda.InvokeOutput
	started, err := retry.do(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
		defer cancel()
		var err error
		out, err = api.Invoke(ctx, &lambda.InvokeInput{
			FunctionName:   aws.String(function),
			InvocationType: types.InvocationTypeRequestResponse,
			Payload:        payload,
		})
		return err
	})
	if err != nil {
		return produce.Result{}, started, fmt.Errorf("invoke %s: %w", function, err)
	}
	res, err := decodeResult(function, out)
	return res, started, err
}

// decodeResult reads the producer's answer.
func decodeResult(function string, out *lambda.InvokeOutput) (produce.Result, error) {
	if fe := localrun.FunctionErrorOf(out.Payload, aws.ToString(out.FunctionError)); fe != nil {
		return produce.Result{}, fe
	}
	var res produce.Result
	dec := json.NewDecoder(bytes.NewReader(out.Payload))
	if err := dec.Decode(&res); err != nil {
		return produce.Result{}, fmt.Errorf("decode the result of %s, %q: %w", function, out.Payload, err)
	}
	return res, nil
}
