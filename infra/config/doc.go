// Package config loads and validates the per-environment deployment settings that cdk.json holds as CDK context.
package config
