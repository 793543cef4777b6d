// Package load moves what streaming ingestion wrote into the events table: one run of the loader, on Redshift through the Data API or on any engine that runs a statement and a transaction.
//
// A run ([Loader.Run]) takes the steps [Step] names, in order:
//
//  1. refresh, in scheduled mode only: REFRESH MATERIALIZED VIEW, as the
//     view's owner, the only user who may refresh it;
//  2. count the rows in the view and the rows a stopped run left in the
//     landing table; both zero, and the run ends here;
//  3. move: ALTER TABLE … APPEND FROM the view into the landing table, which
//     leaves the view empty and commits on its own;
//  4. load, in one transaction: lock the landing table, type every row and
//     decide its fate (new, duplicate, rejected), insert the rejects and the
//     new events, record the run in load_runs, delete the landing table's
//     rows, and report the run's counts.
//
// A run that stops at any step returns an [*Error] naming the step and what
// waits where, and loses and doubles nothing: the rows are still in the
// stream and the view, or all in the landing table, or the transaction
// committed or rolled back as a whole, and the next run completes the work.
// Two runs at once are safe: the second waits for the first's lock on the
// landing table (its APPEND too), then loads what is left. On Redshift
// ([DataAPI]) a statement still running near the context's deadline is
// cancelled with CancelStatement, and the error says so.
//
// The statements are the sql package's (sql/load); what a record must be to
// load, and what an operator does when a load fails, is in
// docs/warehouse.md.
package load
