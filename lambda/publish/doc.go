// Package publish writes records to a Kinesis data stream with PutRecords, in bounded concurrent batches, retrying only what failed and accounting for every record.
package publish
