// Package faultproxy is a Kinesis JSON endpoint on 127.0.0.1 that stands between a producer and a real (local) Kinesis and injects, from a seeded generator, the faults of a bad day: throttled entries, 5xx answers, answers delayed past the client's timeout and answers lost after the records were stored.
package faultproxy
