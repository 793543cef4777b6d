// Command local runs the chatstream pipeline on this machine, with no AWS account: the real producer under the Lambda Runtime Interface Emulator, writing to kinesis-local, and for local run the local warehouse, loaded after every tick, with its analytics and the dashboard.
//
// Usage:
//
//	local run    [flags]   act as the schedule for a few ticks, check the stream, load the warehouse, print the analytics and check it (make local)
//	local invoke [flags]   one invocation with -event, then check the stream (make invoke-local)
//	local sam    [flags]   one sam local invoke of the synthesized producer (make sam-invoke)
//
// Every server listens on 127.0.0.1 only and is stopped on exit, also on
// Ctrl-C. Run "local <command> -h" for the flags.
package main
