// Command local runs the chatstream producer side on this machine, with no AWS account: the real producer under the Lambda Runtime Interface Emulator, writing to kinesis-local.
//
// Usage:
//
//	local run    [flags]   act as the schedule for a few ticks, then check the stream (make local)
//	local invoke [flags]   one invocation with -event, then check the stream (make invoke-local)
//	local sam    [flags]   one sam local invoke of the synthesized producer (make sam-invoke)
//
// Every server listens on 127.0.0.1 only and is stopped on exit, also on
// Ctrl-C. Run "local <command> -h" for the flags.
package main
