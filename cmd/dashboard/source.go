package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/chatstream/chatstream/internal/analyst"
	"github.com/chatstream/chatstream/internal/awsconfig"
	"github.com/chatstream/chatstream/internal/dashboard"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/localwarehouse"
	"github.com/chatstream/chatstream/internal/stack"
	"github.com/jackc/pgx/v5/pgxpool"
)

// stackAPI is the part of CloudFormation the command reads.
type stackAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// awsClients are the AWS APIs that -env needs.
type awsClients struct {
	stacks stackAPI
	// assume returns a Data API client signed in as a role, assumed with
	// the caller's credentials.
	assume analyst.Assumer
}

// deps are what the command reaches beyond itself; tests replace them.
type deps struct {
	// aws builds the AWS clients, only for -env.
	aws func(ctx context.Context) (awsClients, error)
	// root is the repository, for -local; empty means the one around the
	// working directory.
	root string
}

// analystSession names the analyst role's sessions in CloudTrail and in
// the statements' owner.
const analystSession = "chatstream-dashboard"

func defaultDeps() deps {
	return deps{aws: func(ctx context.Context) (awsClients, error) {
		cfg, err := awsconfig.Load(ctx)
		if err != nil {
			return awsClients{}, awsconfig.Advised(err)
		}
		return awsClients{stacks: cloudformation.NewFromConfig(cfg), assume: analyst.AssumeWith(cfg, analystSession)}, nil
	}}
}

// source is a dashboard source and how to let go of it.
type source struct {
	dashboard.Source
	close func()
}

// connectTimeout bounds the first connection to a PostgreSQL database.
const connectTimeout = 10 * time.Second

// open connects to the source the options name.
func (d deps) open(ctx context.Context, o options) (source, error) {
	switch {
	case o.env != "":
		r, access, err := analystRunner(ctx, o.env, d.aws)
		if err != nil {
			return source{}, err
		}
		src := dashboard.Redshift(r, o.schema, access.String())
		src.Runner = advising{runner: src.Runner, roleARN: access.RoleARN}
		return source{Source: src, close: func() {}}, nil
	case o.local:
		root := d.root
		if root == "" {
			var err error
			if root, err = localrun.FindRoot("."); err != nil {
				return source{}, err
			}
		}
		u, err := localwarehouse.Running(localwarehouse.Dir(localrun.WorkDir(root)))
		if err != nil {
			return source{}, err
		}
		return openPostgres(ctx, u, o.schema, "local warehouse")
	default:
		return openPostgres(ctx, o.pg, o.schema, "PostgreSQL")
	}
}

// openPostgres connects to the database at rawURL, and fails now, with the
// address, when it does not answer.
func openPostgres(ctx context.Context, rawURL, schema, what string) (source, error) {
	shown := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		shown = u.Redacted()
	}
	pool, err := pgxpool.New(ctx, rawURL)
	if err != nil {
		return source{}, fmt.Errorf("%s %s: %w", what, shown, err)
	}
	ping, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := pool.Ping(ping); err != nil {
		pool.Close()
		return source{}, fmt.Errorf("%s %s: %w", what, shown, err)
	}
	name := fmt.Sprintf("%s %s, schema %s", what, shown, schema)
	return source{Source: dashboard.Local(pool, schema, name), close: pool.Close}, nil
}

// analystRunner returns the Data API runner that reads the deployed
// environment env as its analysts do, and says what it reads: the stack's
// workgroup and database, with no secret, signed in as the stack's
// read-only analyst role (AnalystRoleArn), assumed with the caller's
// credentials. The dashboard never reads the admin secret.
func analystRunner(ctx context.Context, env string, newClients func(context.Context) (awsClients, error)) (*dataapi.Runner, analyst.Access, error) {
	if _, err := stack.Name(env); err != nil {
		return nil, analyst.Access{}, err
	}
	c, err := newClients(ctx)
	if err != nil {
		return nil, analyst.Access{}, err
	}
	access, err := analyst.Lookup(ctx, c.stacks, env)
	if err != nil {
		return nil, analyst.Access{}, err
	}
	r, err := access.Runner(ctx, c.assume, "")
	if err != nil {
		return nil, analyst.Access{}, err
	}
	return r, access, nil
}

// runner runs one statement; the dashboard's sources have it.
type runner interface {
	Run(ctx context.Context, name, sql string, params map[string]string) (*dataapi.Result, error)
}

// advising adds to a failed query's error what to check when signing in
// as the analyst role is what failed: the role is assumed at the first
// query, so that is where a missing sts:AssumeRole shows, in the panels.
type advising struct {
	runner
	roleARN string
}

// Run implements the dashboard's runner.
func (a advising) Run(ctx context.Context, name, sql string, params map[string]string) (*dataapi.Result, error) {
	res, err := a.runner.Run(ctx, name, sql, params)
	return res, analyst.Advise(err, a.roleARN)
}
