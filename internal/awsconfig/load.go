package awsconfig

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
)

// MissingError says that the configuration lacks a Region or credentials.
type MissingError struct {
	// What is missing: "AWS Region" or "AWS credentials".
	What string
	// Looked says where the SDK looked.
	Looked string
	// Next says how to provide it.
	Next string
}

// Error implements error.
func (e *MissingError) Error() string {
	return fmt.Sprintf("no %s (looked in %s)", e.What, e.Looked)
}

// noRegion and noCredentials are the two things a command needs before
// its first call.
func noRegion() *MissingError {
	return &MissingError{
		What:   "AWS Region",
		Looked: "AWS_REGION, AWS_DEFAULT_REGION and the profile's region",
		Next:   "export AWS_REGION=<the Region of the stack>, such as AWS_REGION=eu-west-1, or set one in your profile: aws configure set region eu-west-1",
	}
}

func noCredentials() *MissingError {
	return &MissingError{
		What:   "AWS credentials",
		Looked: "AWS_ACCESS_KEY_ID, the profile in ~/.aws/config and ~/.aws/credentials, and an EC2 instance role",
		Next: "sign in and name the profile, such as aws sso login --profile dev && export AWS_PROFILE=dev " +
			"(aws configure sso sets one up), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
	}
}

// Load reads the AWS configuration from the usual AWS_* variables and
// profiles, the way the AWS CLI does, and checks that it names a Region and
// yields credentials before any call is made. A missing one is a
// *MissingError rather than the SDK's chain of provider errors: without any
// configured source the SDK falls back to the EC2 instance role, and its
// "no EC2 IMDS role found" names the last place it looked, not the problem.
// Credentials that are configured but fail (an expired SSO session, a
// failing credential_process) keep the SDK's own error, which names them.
func Load(ctx context.Context, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, noRegion()
	}
	if cfg.Credentials == nil {
		return aws.Config{}, noCredentials()
	}
	// The cache keeps what Retrieve gets, so the first call reuses it.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if aws.IsCredentialsProvider(cfg.Credentials, (*ec2rolecreds.Provider)(nil)) {
			return aws.Config{}, noCredentials()
		}
		return aws.Config{}, fmt.Errorf("get AWS credentials: %w", err)
	}
	return cfg, nil
}

// Advised returns err with, when it is a *MissingError, a line that says how
// to provide what is missing, for a command to print; other errors are
// returned as they are.
func Advised(err error) error {
	var missing *MissingError
	if errors.As(err, &missing) {
		return fmt.Errorf("%w\nnext: %s", err, missing.Next)
	}
	return err
}
