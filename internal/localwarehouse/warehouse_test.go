package localwarehouse

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/chatstream/chatstream/internal/fakekinesis"
	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pgserver"
	chatsql "github.com/chatstream/chatstream/sql"
)

// The tests share a warehouse folder, so that initdb runs once per test
// binary; each Start empties the schema. Each test run has an in-process
// Kinesis of its own (streams), so that go test -count=N starts every run
// from empty streams. Set by TestMain, read-only afterwards.
var (
	dir      string
	binaries string
)

// streams starts an in-process Kinesis with the three streams the tests
// use, and stops it when the test ends.
func streams(t *testing.T) *fakekinesis.Server {
	t.Helper()
	k, err := fakekinesis.New(fakekinesis.Options{Streams: []string{"once", "differences", "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := localrun.FindRoot(".")
	if err == nil {
		binaries, err = pgserver.Binaries(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if dir, err = os.MkdirTemp("", "chatstream-warehouse-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	return m.Run()
}

// start starts the warehouse on the shared folder, reading stream, and
// stops it when the test ends.
func start(t *testing.T, k *fakekinesis.Server, stream string) *Warehouse {
	t.Helper()
	w, err := Start(t.Context(), Config{
		Binaries: binaries,
		Dir:      dir,
		Kinesis:  k.Client(4),
		Stream:   stream,
		Log:      slog.New(slog.NewTextHandler(t.Output(), nil)),
		Rand:     rand.New(rand.NewPCG(1, 2)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("close the warehouse: %v", err)
		}
	})
	return w
}

// record is a well-formed event of the record contract, as the producer
// writes it, n seconds before now.
func record(id string, n int, user int) string {
	at := time.Now().UTC().Add(-time.Duration(n) * time.Second).Format("2006-01-02T15:04:05.000Z")
	return fmt.Sprintf(`{"schema_version":2,"event_id":%q,"event_time":%q,"event_name":"SEND_MESSAGE","user_id":%d,"chat_id":3,`+
		`"platform":"ios","country":"DE","app_version":"5.4.0","message_length":12,"has_attachment":false}`, id, at, user)
}

// dirty returns the three records malformed on purpose that the producer
// writes with DIRTY_RATIO, as user 7's.
func dirty(id string) []string {
	whole := record(id, 1, 7)
	return []string{
		whole[:len(whole)/2],
		strings.Replace(record(id+"-noid", 1, 7), `"event_id":"`+id+`-noid",`, "", 1),
		strings.Replace(record(id+"-str", 1, 7), `"user_id":7`, `"user_id":"7"`, 1),
	}
}

// put writes data to stream, each with its user id as partition key (7
// for the dirty ones).
func put(t *testing.T, k *fakekinesis.Server, stream string, users []int, data ...string) {
	t.Helper()
	var entries []kinesistypes.PutRecordsRequestEntry
	for i, d := range data {
		entries = append(entries, kinesistypes.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String(fmt.Sprint(users[i]))})
	}
	out, err := k.Client(1).PutRecords(t.Context(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("put records: %v, %d failed", err, aws.ToInt32(out.FailedRecordCount))
	}
}

// seed writes n well-formed events, the first resent ones twice, and the
// three dirty records to stream, and returns what the stream holds.
func seed(t *testing.T, k *fakekinesis.Server, stream string, n, resent int) []localrun.Record {
	t.Helper()
	var data []string
	var users []int
	for i := range n {
		data = append(data, record(fmt.Sprintf("%s-%02d", stream, i), 10+i, 1+i%5))
		users = append(users, 1+i%5)
	}
	// A lost answer makes the producer send the same bytes again.
	data = append(data, data[:resent]...)
	users = append(users, users[:resent]...)
	for _, d := range dirty(stream + "-bad") {
		data = append(data, d)
		users = append(users, 7)
	}
	put(t, k, stream, users, data...)
	records, err := localrun.ReadStream(t.Context(), k.Client(1), stream)
	if err != nil {
		t.Fatal(err)
	}
	return records
}

func TestARunLoadsEachEventOnceAndTheNextStartsEmpty(t *testing.T) {
	// GIVEN 20 events in the stream, 3 of them twice, and 3 dirty records
	k := streams(t)
	records := seed(t, k, "once", 20, 3)
	w := start(t, k, "once")

	// WHEN the stand-in refreshes and the loader loads
	c, err := w.Cycle(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	// THEN every record landed, each event was loaded once and each dirty
	// record rejected, and the check agrees with the stream
	if c.Refresh.Records != 26 || c.Refresh.Malformed != 1 || c.Load.Inserted != 20 || c.Load.Duplicates != 3 || c.Load.Rejected != 3 {
		t.Errorf("cycle: refreshed %+v, loaded %+v; want 26 records (1 not JSON), 20 inserted, 3 duplicates, 3 rejected", c.Refresh, c.Load)
	}
	want := ExpectedFrom(records)
	if len(want.Events) != 20 || len(want.Rejects) != 3 {
		t.Fatalf("ExpectedFrom = %d events, %d rejects; want 20 and 3", len(want.Events), len(want.Rejects))
	}
	held, err := w.Check(t.Context(), want)
	if err != nil || held != (Held{Events: 20, Rejects: 3}) {
		t.Errorf("Check = %+v, %v; want 20 events, 3 rejects, nothing waiting", held, err)
	}

	// AND every query of sql/queries runs, and counts what was loaded
	answers, err := w.Analytics(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names, err := chatsql.Queries()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range answers {
		got = append(got, a.Name)
		if a.Err != nil {
			t.Errorf("query %s: %v", a.Name, a.Err)
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("Analytics answered %v, want every query: %v", got, names)
	}
	if n := sumColumn(t, answers, "events_per_minute", "events"); n != 20 {
		t.Errorf("events_per_minute counts %d events, want 20", n)
	}
	if n := sumColumn(t, answers, "malformed_records", "records"); n != 3 {
		t.Errorf("malformed_records counts %d, want 3", n)
	}

	// AND the next start keeps the data directory but empties the schema
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	again := start(t, k, "empty")
	if again.Server.Initialized {
		t.Error("the second start ran initdb again")
	}
	held, err = again.Check(t.Context(), Expected{})
	if err != nil || held != (Held{}) {
		t.Errorf("Check after a new start = %+v, %v; want an empty warehouse", held, err)
	}
}

func TestCheckNamesEveryDifference(t *testing.T) {
	// GIVEN a loaded warehouse
	k := streams(t)
	records := seed(t, k, "differences", 5, 0)
	w := start(t, k, "differences")
	if _, err := w.Cycle(t.Context()); err != nil {
		t.Fatal(err)
	}

	// WHEN it is checked against a stream it does not match, with rows
	// refreshed but not loaded
	want := ExpectedFrom(records)
	delete(want.Events, "differences-00")
	want.Events["differences-99"] = true
	for k := range want.Rejects {
		delete(want.Rejects, k)
		break
	}
	want.Rejects[RecordKey{"shardId-000000000009", "42"}] = true
	put(t, k, "differences", []int{2}, record("late", 1, 2))
	if _, err := w.view.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err := w.Check(t.Context(), want)

	// THEN the error names each difference
	for _, part := range []string{
		"1 events the stream holds are not in the events table: differences-99",
		"1 events in the events table are none of the stream's well-formed events: differences-00",
		"1 records malformed on purpose are not in the rejected table: shardId-000000000009/42",
		"1 records in the rejected table were not malformed on purpose: shardId-",
		"1 rows wait in the stand-in for the streaming view and 0 in the landing table: no load took them",
	} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("Check = %v; want it to say %q", err, part)
		}
	}
}

// sumColumn adds up a numeric column of a query's answer.
func sumColumn(t *testing.T, answers []Answer, query, column string) int64 {
	t.Helper()
	for _, a := range answers {
		if a.Name != query || a.Result == nil {
			continue
		}
		i := slices.Index(a.Result.Columns, column)
		if i < 0 {
			t.Fatalf("%s has no column %s: %v", query, column, a.Result.Columns)
		}
		var sum int64
		for _, row := range a.Result.Rows {
			if v, ok := row.Fields()[i].(*types.FieldMemberLongValue); ok {
				sum += v.Value
			}
		}
		return sum
	}
	t.Fatalf("no answer for %s", query)
	return 0
}
