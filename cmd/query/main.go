package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	settings "github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/internal/analyst"
	"github.com/chatstream/chatstream/internal/awsconfig"
	"github.com/chatstream/chatstream/internal/loadcall"
	"github.com/chatstream/chatstream/internal/stack"
	"github.com/chatstream/chatstream/internal/table"
	chatsql "github.com/chatstream/chatstream/sql"
)

const usage = `usage:
  query ddl  -env ENV [-from-stack] [-mode realtime|scheduled] [-teardown] [-settings cdk.json]
  query ddl  -engine postgres [-teardown]
        print every statement the deploy and the loader run, for review
        (the mode is the environment's, from the settings or the stack)
  query run  -env ENV -q NAME [-schema S] [-timeout D]
        run sql/queries/NAME.sql on the deployed workgroup as an analyst
        (the stack's AnalystRoleArn, assumed with your credentials) and print a table
  query local -q NAME [-schema S] [-timeout D] [-dir .local/postgres]
        run sql/queries/NAME.sql on the local warehouse that make local runs
        (make local TICKS=0 keeps it up until Ctrl-C) and print a table
  query load -env ENV
        run one load now, the one the schedule runs, and print what it moved
  query list
        list the queries

AWS credentials and Region come from the usual AWS_* variables and profiles.
`

// stackAPI is the part of CloudFormation the command reads.
type stackAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// clients are the AWS APIs the command needs, built only when it needs them.
type clients struct {
	stacks stackAPI
	// analystData returns a Data API client signed in as the role roleARN,
	// assumed with the caller's credentials.
	analystData analyst.Assumer
	lambda      loadcall.Invoker
}

// analystSession names the analyst role's sessions in CloudTrail and in the
// statements' owner.
const analystSession = "chatstream-query"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, awsClients, nil)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr and returns the exit status: 0 when the
// command succeeded or help was asked for, 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "query:", err)
	return 1
}

func awsClients(ctx context.Context) (clients, error) {
	cfg, err := awsconfig.Load(ctx)
	if err != nil {
		return clients{}, awsconfig.Advised(err)
	}
	return clients{stacks: cloudformation.NewFromConfig(cfg), analystData: analyst.AssumeWith(cfg, analystSession), lambda: lambda.NewFromConfig(cfg)}, nil
}

// errUsage asks for the usage text.
var errUsage = errors.New("see usage above")

// run executes one command line: results go to stdout, usage text to
// stderr. wait pauses between a query's status checks; nil waits on a timer.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, newClients func(context.Context) (clients, error), wait func(context.Context, time.Duration) error) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("query "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := fs.String("env", "", "environment: staging, production, …")
	switch args[0] {
	case "list":
		names, err := chatsql.Queries()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, strings.Join(names, "\n"))
		return err

	case "ddl":
		fromStack := fs.Bool("from-stack", false, "take the stream name from the deployed stack's outputs")
		teardown := fs.Bool("teardown", false, "print what deleting the resource runs instead")
		settingsFile := fs.String("settings", "cdk.json", "the CDK app's settings, for the environment's stream name")
		mode := fs.String("mode", "", "how the environment loads: realtime or scheduled (default: the environment's)")
		engine := fs.String("engine", "redshift", "render for redshift, or for postgres, the local warehouse")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		e, err := chatsql.ParseEngine(*engine)
		if err != nil {
			return err
		}
		if e == chatsql.PostgreSQL {
			return printSQL(stdout, chatsql.LocalParams(), "local warehouse", "", *teardown)
		}
		p, note, err := ddlParams(ctx, *env, *settingsFile, *fromStack, newClients)
		if err != nil {
			return err
		}
		if *mode != "" {
			if p.Mode, err = chatsql.ParseMode(*mode); err != nil {
				return err
			}
		}
		return printSQL(stdout, p, *env, note, *teardown)

	case "load":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return runLoad(ctx, stdout, *env, newClients)

	case "local":
		name := fs.String("q", "", "query name (query list shows them)")
		schema := fs.String("schema", chatsql.DefaultSchema, "schema that holds the events table")
		timeout := fs.Duration("timeout", time.Minute, "give up on the query after this long")
		dir := fs.String("dir", "", "the local warehouse's folder, whose data directory the server serves; empty means .local/postgres in the repository")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return runLocal(ctx, stdout, *name, *schema, *dir, *timeout)

	case "run":
		name := fs.String("q", "", "query name (query list shows them)")
		schema := fs.String("schema", chatsql.DefaultSchema, "schema that holds the events table")
		timeout := fs.Duration("timeout", 2*time.Minute, "give up on the query after this long")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if _, err := stackOf(*env); err != nil {
			return err
		}
		stmt, err := chatsql.Query(*name, chatsql.QueryOptions{Engine: chatsql.Redshift, Schema: *schema})
		if err != nil {
			return err
		}
		c, err := newClients(ctx)
		if err != nil {
			return err
		}
		access, err := analyst.Lookup(ctx, c.stacks, *env)
		if err != nil {
			return err
		}
		runner, err := access.Runner(ctx, c.analystData, "chatstream-query:")
		if err != nil {
			return err
		}
		runner.Wait, runner.Truncate = wait, true
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		res, err := runner.Run(ctx, stmt.Name, stmt.SQL, nil)
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w; raise -timeout or check the workgroup", err)
		}
		if err != nil {
			return analyst.Advise(err, access.RoleARN)
		}
		return table.Write(stdout, res)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
}

// stackOf returns the stack of env, the -env flag's value, or an error when
// the flag is missing or names no environment the CDK app would take.
func stackOf(env string) (string, error) {
	if env == "" {
		return "", errors.New("-env is required")
	}
	return stack.Name(env)
}

// ddlParams picks the stream name and the mode: from the stack, or from
// the environment's settings. The DDL names no role (IAM_ROLE default).
func ddlParams(ctx context.Context, env, settingsFile string, fromStack bool, newClients func(context.Context) (clients, error)) (chatsql.Params, string, error) {
	name, err := stackOf(env)
	if err != nil {
		return chatsql.Params{}, "", err
	}
	var streamName, note string
	var mode chatsql.Mode
	if fromStack {
		c, err := newClients(ctx)
		if err != nil {
			return chatsql.Params{}, "", err
		}
		out, err := stack.Outputs(ctx, c.stacks, name, stack.StreamName, stack.LoadMode)
		if err != nil {
			return chatsql.Params{}, "", err
		}
		if mode, err = chatsql.ParseMode(out[stack.LoadMode]); err != nil {
			return chatsql.Params{}, "", fmt.Errorf("stack output %s: %w", stack.LoadMode, err)
		}
		streamName, note = out[stack.StreamName], "stream and mode from stack "+name
	} else {
		cfg, err := settings.LoadFile(settingsFile, env)
		if err != nil {
			return chatsql.Params{}, "", err
		}
		streamName, mode = cfg.Stream.Name, cfg.Load.Mode
	}
	p := chatsql.DefaultParams(streamName)
	p.Mode = mode
	return p, note, p.Validate()
}
