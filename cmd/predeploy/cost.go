package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/infra/cost"
)

// errNotConfirmed reports a deploy the person did not confirm.
var errNotConfirmed = errors.New("not confirmed; nothing was deployed")

// confirmCost prints the environment's estimated cost and asks whether to
// go on, unless yes says not to ask.
func confirmCost(e env, name, settings string, yes bool) error {
	environment, err := config.LoadFile(settings, name)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, cost.For(environment, cost.ListPrices()).Text())
	if yes {
		fmt.Fprintln(e.stdout, "YES=1: going on without asking.")
		return nil
	}
	if !e.isTerminal() {
		return fmt.Errorf("cannot ask whether to deploy %s: stdin is not a terminal; run with YES=1 to deploy without asking", environment.StackName())
	}
	fmt.Fprintf(e.stdout, "Deploy %s? [y/N] ", environment.StackName())
	switch strings.ToLower(strings.TrimSpace(readLine(e.stdin))) {
	case "y", "yes":
		return nil
	}
	return errNotConfirmed
}
