// Package updatecheck compares two CloudFormation templates of a chatstream stack and refuses an update CloudFormation cannot apply safely.
package updatecheck
