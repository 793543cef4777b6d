// Package fakekinesis is an in-process Kinesis endpoint, speaking the JSON 1.1 protocol on 127.0.0.1, with configurable latency and faults, for tests and benchmarks.
package fakekinesis
