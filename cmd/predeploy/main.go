package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/chatstream/chatstream/internal/awsconfig"
	"golang.org/x/term"
)

const usage = `usage:
  predeploy check-update -env ENV -template FILE [-base FILE] [-allow-rebuild] [-settings cdk.json]
        compare FILE, the synthesized template, with BASE or else with the deployed
        stack's template, and refuse an update CloudFormation cannot apply safely
  predeploy cost -env ENV [-yes] [-settings cdk.json]
        state what the environment costs per hour and per month, and ask to go on

Exit status: 0 go on, 1 refused or failed, 2 the command line is wrong.
AWS credentials and Region come from the usual AWS_* variables and profiles.
`

// Exit statuses.
const (
	exitRefused = 1
	exitUsage   = 2
)

// errUsage asks for the usage text.
var errUsage = errors.New("see usage above")

// templateAPI is the part of CloudFormation check-update reads.
type templateAPI interface {
	GetTemplate(ctx context.Context, params *cloudformation.GetTemplateInput, optFns ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
}

// env is what a command reads and writes besides its arguments.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// isTerminal reports whether stdin is a terminal a person answers at.
	isTerminal func() bool
	// newCFN returns a CloudFormation client for region ("" for the
	// credentials' own).
	newCFN func(ctx context.Context, region string) (templateAPI, error)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		isTerminal: stdinIsTerminal, newCFN: awsCFN,
	})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "predeploy:", err)
		if errors.Is(err, errUsage) {
			os.Exit(exitUsage)
		}
		os.Exit(exitRefused)
	}
}

func awsCFN(ctx context.Context, region string) (templateAPI, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := awsconfig.Load(ctx, opts...)
	var missing *awsconfig.MissingError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("%w\nnext: %s; or set the environment's region in cdk.json, or pass BASE=<template.json> to compare with a template file", err, missing.Next)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (or pass BASE=<template.json> to compare with a file)", err)
	}
	return cloudformation.NewFromConfig(cfg), nil
}

// stdinIsTerminal reports whether stdin is a terminal, which a pipe, a file
// or /dev/null in CI is not.
func stdinIsTerminal() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// run executes one command line.
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return errUsage
	}
	fs := flag.NewFlagSet("predeploy "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	envName := fs.String("env", "", "environment: staging, production, …")
	settings := fs.String("settings", "cdk.json", "the CDK app's settings")
	switch args[0] {
	case "check-update":
		template := fs.String("template", "", "the synthesized template to deploy (make synth writes cdk.out/chatstream-ENV.template.json)")
		base := fs.String("base", "", "the template to compare with; default: the deployed stack's")
		allowRebuild := fs.Bool("allow-rebuild", false, "accept dropping and recreating the streaming materialized view")
		if err := parse(fs, args[1:]); err != nil {
			return helpIsNoError(err)
		}
		if *envName == "" || *template == "" {
			return fmt.Errorf("-env and -template are required: %w", errUsage)
		}
		return checkUpdate(ctx, e, checkUpdateArgs{env: *envName, settings: *settings, template: *template, base: *base, allowRebuild: *allowRebuild})
	case "cost":
		yes := fs.Bool("yes", false, "do not ask; for CI (make deploy YES=1)")
		if err := parse(fs, args[1:]); err != nil {
			return helpIsNoError(err)
		}
		if *envName == "" {
			return fmt.Errorf("-env is required: %w", errUsage)
		}
		return confirmCost(e, *envName, *settings, *yes)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
}

// parse parses flags; a bad flag is a usage error, and -h, which prints the
// flags, returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return fmt.Errorf("%w: %w", err, errUsage)
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: %w", fs.Arg(0), errUsage)
	}
	return nil
}

// helpIsNoError ends a command asked for its flags without an error.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// readLine reads one answer.
func readLine(r io.Reader) string {
	line, _ := bufio.NewReader(r).ReadString('\n')
	return line
}
