package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "chatstream infra: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	root, err := ModuleRoot(".")
	if err != nil {
		return err
	}
	if _, err := AddStack(app, root); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}
