package loadcall

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
	"github.com/chatstream/chatstream/lambda/load"
)

// Payload is what the loader's schedule sends, and so what Invoke sends:
// the loader takes no parameters.
const Payload = `{}`

// invokeTimeout bounds the invocation: the loader's own timeout is at most
// five minutes, and Lambda answers soon after it.
const invokeTimeout = 6 * time.Minute

// Invoker is the part of the Lambda API Invoke calls.
type Invoker interface {
	Invoke(ctx context.Context, params *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Invoke runs one load with the loader function and returns what it did.
// It invokes synchronously: the answer is the load's result, or the error
// that says where the load stopped and what it left for the next one, as a
// *localrun.FunctionError.
func Invoke(ctx context.Context, api Invoker, function string) (load.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	out, err := api.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(function),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        []byte(Payload),
	})
	if err != nil {
		return load.Result{}, fmt.Errorf("invoke %s: %w", function, err)
	}
	if fe := localrun.FunctionErrorOf(out.Payload, aws.ToString(out.FunctionError)); fe != nil {
		return load.Result{}, fmt.Errorf("load by %s: %w", function, fe)
	}
	var res load.Result
	dec := json.NewDecoder(bytes.NewReader(out.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil || res.ID == "" {
		return load.Result{}, fmt.Errorf("decode the result of %s, %q: want a load's result (%v)", function, out.Payload, err)
	}
	return res, nil
}

// Summary says in one line what a load did.
func Summary(r load.Result) string {
	refreshed := ""
	if r.Refreshed {
		refreshed = "refreshed the streaming view, "
	}
	return fmt.Sprintf("load %s (%s mode): %smoved %d rows (%d from the view, %d left in the landing table), inserted %d events, skipped %d duplicates, rejected %d, in %d ms",
		r.ID, r.Mode, refreshed, r.Moved, r.Streamed, r.Landed, r.Inserted, r.Duplicates, r.Rejected, r.DurationMS)
}
