// Package publish writes records to a Kinesis data stream with PutRecords, in bounded concurrent batches, retrying only what failed and accounting for every record.
//
// [New] takes a *kinesis.Client built with the SDK's retries off
// (aws.NopRetryer{}) and its HTTP client wrapped in sdkhttp.PlainBodies, so
// that the SDK cannot drop an answer that arrived and make the publisher
// resend records Kinesis stored; [Publisher.Publish] pulls records from an
// iter.Seq[Record] and returns a [Result] in which Sent + Failed always equals
// the number of records pulled.
//
//   - Batches hold at most [MaxBatchRecords] records and [MaxBatchBytes],
//     partition keys included. A record over [MaxRecordBytes], or with a
//     partition key that is empty or longer than [MaxPartitionKeyChars], is
//     failed ([CodeRecordTooLarge], [CodeInvalidPartitionKey]) and never sent,
//     so it cannot sink the request it would travel in.
//   - Concurrency is bounded: at most Options.MaxInFlight requests
//     ([DefaultMaxInFlight]) are in flight, and records are pulled lazily, so
//     at most MaxInFlight+1 batches exist at once.
//   - Only the entries a response marks as failed are resent. Throttling
//     (ProvisionedThroughputExceededException, LimitExceededException,
//     KMSThrottlingException), server faults (500, 503), request timeouts and
//     network errors are retried with exponential backoff and full jitter (a
//     ceiling of [DefaultBaseBackoff] doubling to [DefaultMaxBackoff]), up to
//     [DefaultMaxAttempts] attempts per record; other errors
//     (ResourceNotFoundException, AccessDeniedException, validation) fail
//     their records at once. A request that takes longer than
//     [DefaultRequestTimeout] is abandoned and its records resent.
//   - With Options.Rate set, a request carries what the rate allows in
//     100 ms (at least one record, at most 500), so at 10 events/s one event
//     leaves every 100 ms. Resends take no tokens.
//   - When the context ends, Publish stops pulling, fails what it could not
//     send ([CodeDeadlineExceeded] or [CodeCanceled]), waits for its requests
//     to end and returns. It does not sleep past the deadline: a backoff or a
//     wait for tokens that would end after it fails the records at once.
//   - Delivery is at least once: a request whose answer is lost is resent,
//     so the stream may hold a few records twice. Consumers deduplicate by
//     the record's own id.
//
// Tests run against a fake of the one SDK method and, over HTTP with the real
// SDK client, against internal/fakekinesis; the benchmarks and their numbers
// are in docs/measurements.md.
package publish
