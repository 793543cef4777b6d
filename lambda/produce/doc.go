// Package produce is the producer Lambda's logic: it reads the configuration, decodes an invocation, sends the world's window as its events happen or a burst of events, and reports the outcome.
package produce
