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
	o.registerLoss(fs)
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
	c, err := o.check(*eventFile, payload, "")
	if err != nil {
		return err
	}

	l, err := startLocal(ctx, stop, &o, c, root, work, stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopLocal(l, stdout)) }()

	fmt.Fprintf(stdout, "invoking with %s\n", *eventFile)
	f := newFollower(l.NewReader(), stdout)
	inv, invokeErr := f.invoke(ctx, "invocation  ", c.expected(), func(ctx context.Context) (localrun.Invocation, error) {
		return l.Invoke(ctx, payload)
	})
	var fe *localrun.FunctionError
	switch {
	case invokeErr != nil && !errors.As(invokeErr, &fe):
		return invokeErr
	case fe == nil:
		fmt.Fprintf(stdout, "result          %s\n", inv.Payload)
	}
	return compare(f.records, c.producer.Users, inv.Result.Sent, inv.Result.Dirty, invokeErr, l.Emulator.Log, l.Proxy, stdout)
}
