// Package stack reads what a deployed chatstream stack publishes: its CloudFormation outputs.
package stack
