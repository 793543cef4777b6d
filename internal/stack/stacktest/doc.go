// Package stacktest provides a fake of the CloudFormation call that stack.Outputs makes, for tests.
package stacktest
