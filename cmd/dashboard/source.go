package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/chatstream/chatstream/internal/dashboard"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pgserver"
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
	data   dataapi.API
}

// deps are what the command reaches beyond itself; tests replace them.
type deps struct {
	// aws builds the AWS clients, only for -env.
	aws func(ctx context.Context) (awsClients, error)
	// root is the repository, for -local; empty means the one around the
	// working directory.
	root string
}

func defaultDeps() deps {
	return deps{aws: func(ctx context.Context) (awsClients, error) {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return awsClients{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		return awsClients{stacks: cloudformation.NewFromConfig(cfg), data: redshiftdata.NewFromConfig(cfg)}, nil
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
		r, name, err := analystRunner(ctx, o.env, d.aws)
		if err != nil {
			return source{}, err
		}
		return source{Source: dashboard.Redshift(r, o.schema, name), close: func() {}}, nil
	case o.local:
		root := d.root
		if root == "" {
			var err error
			if root, err = localrun.FindRoot("."); err != nil {
				return source{}, err
			}
		}
		u, err := pgserver.Running(filepath.Join(root, ".local", "postgres"), pgserver.DefaultDatabase)
		if errors.Is(err, pgserver.ErrNotRunning) {
			return source{}, fmt.Errorf("%w\nnext: start it with make local TICKS=0, which keeps it up until Ctrl-C, or pass -pg URL", err)
		}
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
// environment env, and says what it reads. It names the stack's workgroup
// and database and no secret, so the Data API signs in with the caller's
// IAM identity, as the database user IAM:<user> or IAMR:<role>, through
// redshift-serverless:GetCredentials (Redshift Data API Reference,
// "ExecuteStatement"): the dashboard never reads the admin secret.
//
// This is the one place that decides how the dashboard signs in. The
// identity is the one the AWS SDK finds (AWS_PROFILE and the other usual
// settings). When the stack offers the analysts' read-only IAM role, this
// is where the dashboard assumes it before the Data API client is built.
func analystRunner(ctx context.Context, env string, newClients func(context.Context) (awsClients, error)) (*dataapi.Runner, string, error) {
	stackName, err := stack.Name(env)
	if err != nil {
		return nil, "", err
	}
	c, err := newClients(ctx)
	if err != nil {
		return nil, "", err
	}
	out, err := stack.Outputs(ctx, c.stacks, stackName, stack.WorkgroupName, stack.DatabaseName)
	if err != nil {
		return nil, "", fmt.Errorf("%w\nnext: deploy the stack (make deploy ENV=%s), or point AWS_PROFILE and AWS_REGION at the account and Region that have it", err, env)
	}
	r := &dataapi.Runner{
		API:    c.data,
		Target: dataapi.Target{Workgroup: out[stack.WorkgroupName], Database: out[stack.DatabaseName]},
	}
	name := fmt.Sprintf("%s: workgroup %s, database %s, through the Redshift Data API as your AWS identity", env, r.Target.Workgroup, r.Target.Database)
	return r, name, nil
}
