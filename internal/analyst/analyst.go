package analyst

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/stack"
)

// Assumer returns a Data API client signed in as the IAM role roleARN.
type Assumer func(ctx context.Context, roleARN string) (dataapi.API, error)

// AssumeWith returns the Assumer that assumes a role with cfg's
// credentials, naming its sessions session: the name shows in CloudTrail
// and in the Data API's statement history. The role is assumed at the first
// call, and again when its credentials expire.
func AssumeWith(cfg aws.Config, session string) Assumer {
	return func(_ context.Context, roleARN string) (dataapi.API, error) {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = session
		})
		signedIn := cfg.Copy()
		signedIn.Credentials = aws.NewCredentialsCache(provider)
		return redshiftdata.NewFromConfig(signedIn), nil
	}
}

// describer is the part of CloudFormation that Lookup reads.
type describer interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Access is where an environment's analysts query, and as whom.
type Access struct {
	// Env is the environment, such as staging.
	Env string
	// Target is the workgroup and the database, with no secret: the Data
	// API signs in with the caller's IAM identity, here the analyst role,
	// as the database user IAMR:<role>, and the role's RedshiftDbRoles tag
	// grants it the database role chatstream_analyst, which may only read
	// ("Defining database roles to grant to federated users in Amazon
	// Redshift Serverless").
	Target dataapi.Target
	// RoleARN is the analyst role, the stack's AnalystRoleArn output.
	RoleARN string
}

// Lookup reads env's stack outputs WorkgroupName, DatabaseName and
// AnalystRoleArn. A stack that is missing, or lacks one of them, is an
// error that says what to do.
func Lookup(ctx context.Context, stacks describer, env string) (Access, error) {
	name, err := stack.Name(env)
	if err != nil {
		return Access{}, err
	}
	out, err := stack.Outputs(ctx, stacks, name, stack.WorkgroupName, stack.DatabaseName, stack.AnalystRoleArn)
	if err != nil {
		return Access{}, fmt.Errorf("%w\nnext: deploy the stack (make deploy ENV=%s), or point AWS_PROFILE and AWS_REGION at the account and Region that have it", err, env)
	}
	return Access{
		Env:     env,
		Target:  dataapi.Target{Workgroup: out[stack.WorkgroupName], Database: out[stack.DatabaseName]},
		RoleARN: out[stack.AnalystRoleArn],
	}, nil
}

// Runner returns a Data API runner on a's workgroup and database, signed
// in as a's role through assume, that labels its statements with label.
func (a Access) Runner(ctx context.Context, assume Assumer, label string) (*dataapi.Runner, error) {
	data, err := assume(ctx, a.RoleARN)
	if err != nil {
		return nil, Advise(fmt.Errorf("sign in as %s: %w", a.RoleARN, err), a.RoleARN)
	}
	return &dataapi.Runner{API: data, Target: a.Target, Label: label}, nil
}

// String says what a reads and as whom, for a person.
func (a Access) String() string {
	return fmt.Sprintf("%s: workgroup %s, database %s, through the Redshift Data API as the analyst role %s",
		a.Env, a.Target.Workgroup, a.Target.Database, a.RoleARN)
}

// Advise adds to err what to check when signing in as the analyst role
// roleARN is what failed: assuming it (sts:AssumeRole), or its
// redshift-serverless:GetCredentials. Other errors are returned as they
// are.
func Advise(err error, roleARN string) error {
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") && !strings.Contains(err.Error(), "not authorized") {
		return err
	}
	return fmt.Errorf("%w\nnext: queries run as the analyst role %s; your credentials must be allowed sts:AssumeRole on it", err, roleARN)
}
