package main

import (
	"context"
	"fmt"
	"io"

	"github.com/chatstream/chatstream/internal/loadcall"
	"github.com/chatstream/chatstream/internal/stack"
)

// runLoad runs one load in env now: it invokes the stack's loader function
// with what its schedule sends, waits for the answer and prints it.
func runLoad(ctx context.Context, stdout io.Writer, env string, newClients func(context.Context) (clients, error)) error {
	stackName, err := stackOf(env)
	if err != nil {
		return err
	}
	c, err := newClients(ctx)
	if err != nil {
		return err
	}
	out, err := stack.Outputs(ctx, c.stacks, stackName, stack.LoaderFunctionName)
	if err != nil {
		return fmt.Errorf("%w\nnext: deploy the stack (make deploy ENV=%s)", err, env)
	}
	res, err := loadcall.Invoke(ctx, c.lambda, out[stack.LoaderFunctionName])
	if err != nil {
		return fmt.Errorf("%w\nnext: the error says where the load stopped; nothing is lost, and the next load (the schedule's, or make load again) completes it", err)
	}
	_, err = fmt.Fprintln(stdout, loadcall.Summary(res))
	return err
}
