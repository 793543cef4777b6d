// Package produce is the producer Lambda's logic: it reads the configuration, decodes an invocation, generates chat events and publishes them, and reports the outcome.
package produce
