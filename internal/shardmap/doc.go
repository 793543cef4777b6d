// Package shardmap computes which shard of a Kinesis stream a partition key lands on.
package shardmap
