// Package awsconfig loads the AWS configuration of the commands that call a deployed stack, and says plainly when it has no Region or no credentials, and how to provide them.
package awsconfig
