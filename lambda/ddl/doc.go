// Package ddl applies the streaming-ingestion DDL through the Redshift Data API as the onEvent and isComplete handlers of a CDK custom-resource Provider.
//
// onEvent validates the properties, plans, and submits the whole plan once,
// as one BatchExecuteStatement whose statements Redshift runs in order, as
// one transaction, after SET statement_timeout (the Provider's timeout less
// two minutes), so a statement that hangs is aborted by Redshift even if
// nothing is left to cancel it, and a failure anywhere takes none of the
// batch into effect: a rebuild that fails leaves the old materialized view
// and its rows in place. onEvent answers with the statement id and the time
// it submitted, and the Provider framework merges that answer into every
// request it sends isComplete, which describes that one id: no statement is
// submitted twice, and nothing relies on the Data API's ClientToken, whose
// retention it does not document (a ClientToken derived from the request
// guards only the SDK's own retries of the submit). Then:
//
//   - a DescribeStatement "not found" within two minutes of the submit is a
//     statement not visible yet, and is polled again; later it fails the
//     request, naming the id and its age;
//   - a batch that ends FAILED or ABORTED fails the request with the failing
//     statement's name and Redshift's message, e.g.
//     "statement 9 of 15 (create_stream_view) FAILED: ERROR: … (the batch ran
//     as one transaction: none of it took effect)";
//   - a batch still running two minutes before the Provider's total timeout
//     is cancelled (CancelStatement), and the request fails naming what ran
//     and for how long; if it finished meanwhile, the request completes;
//   - throttling and a workgroup that does not accept statements yet are
//     waited out: onEvent retries the submit (1 s doubling to 10 s) until 5 s
//     before its own timeout, and isComplete answers "not yet". Every Data
//     API call of an isComplete invocation, the SDK's retries included, ends
//     5 s before that invocation's own timeout, which then answers "not
//     yet".
//
// A failure's message starts with the request and names the log group to
// read next, so that it is CloudFormation's status reason.
//
// # Properties written by another version
//
// An Update's old properties and a Delete's properties may come from an
// earlier or a later release of the runner (a rollback sends the newer ones
// as "old"), so they are read leniently: unknown properties are ignored, and
// a missing or unreadable value is handled the safe way instead of failing
// the Update, its rollback or the Delete. A missing hash, stream or schema
// name counts as changed, so more is rebuilt rather than less (a missing mode
// sets AUTO REFRESH again); nothing is dropped under old names that are not
// known (objects left under them would keep refreshing, which onEvent's log
// warns about); old properties without the workgroup or database build
// everything, as after a move. A Delete needs only the workgroup, database,
// secret and the two schema names (without TimeoutSeconds it cancels after
// the shortest timeout, 5 minutes), and drops nothing unless RetainOnDelete
// is "false"; if one of those is missing it fails naming it. The properties
// a request asks for stay strict (every property required, unknown ones
// refused), so a property added later needs a default for when it is
// missing: a rollback sends the previous release's properties as the new
// ones. Mode defaults to realtime (what the first design always was) and
// TableSqlHash to none; the first design's ViewSqlHash is accepted and tells
// its properties apart.
//
// What each request runs, and how the stack wires the two handlers, is in
// docs/warehouse.md.
package ddl
