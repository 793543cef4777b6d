// Package awsconfigtest gives a test an AWS environment of its own, so that awsconfig.Load reads nothing of this machine's and sends no request.
package awsconfigtest
