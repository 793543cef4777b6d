package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/chatstream/chatstream/internal/localrun"
)

// runInvoke is "local invoke": one invocation with a payload file against a
// fresh local stream, then a read-back.
func runInvoke(ctx context.Context, stop <-chan struct{}, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	var o options
	o.register(fs)
	eventFile := fs.String("event", "", "payload file, e.g. events/manual.json (required)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	root, work, err := o.repository()
	if err != nil {
		return err
	}
	payload, err := readEvent(root, *eventFile)
	if err != nil {
		return err
	}

	l, err := startLocal(ctx, stop, &o, root, work, stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopLocal(l, stdout)) }()

	fmt.Fprintf(stdout, "invoking with %s\n", *eventFile)
	inv, invokeErr := l.Invoke(ctx, payload)
	if len(inv.Payload) > 0 {
		fmt.Fprintf(stdout, "result          %s\n", inv.Payload)
	}
	var fe *localrun.FunctionError
	if invokeErr != nil && !errors.As(invokeErr, &fe) {
		return invokeErr
	}
	return readBackAndCompare(ctx, l, &o, inv.Result.Sent, inv.Result.Dirty, invokeErr, stdout)
}
