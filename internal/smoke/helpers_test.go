package smoke

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/uuid"
)

// goldenReport compares a report, its measured times masked, with
// testdata/name.
func goldenReport(t *testing.T, name, report string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), mask(report))
}

// Measured times differ on every run; latencies do not, since the fake
// warehouse stamps each event with a delay the test chose.
var masks = []struct {
	pattern *regexp.Regexp
	with    string
}{
	{regexp.MustCompile(`in [0-9.]+ s \([0-9]+ requests?, [0-9]+ retr(y|ies)\)`), "in <duration> (<requests>, <retries>)"},
	{regexp.MustCompile(`[0-9.]+ s from the invocation's start`), "<seconds> s from the invocation's start"},
	{regexp.MustCompile(`20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:.]+`), "<timestamp>"},
	{regexp.MustCompile(`\([0-9hms.]+ ago\)`), "(<age> ago)"},
}

func mask(s string) string {
	for _, m := range masks {
		s = m.pattern.ReplaceAllString(s, m.with)
	}
	return s
}

// fakeProducer stands in for the producer when a test needs no emulator: it
// writes the requested events to an in-memory stream and answers like the
// producer, or fails like it.
type fakeProducer struct {
	stream *memStream
	// extra events are written beyond those the result reports.
	extra int
	// errorType and errorMessage, when set, make it return a function error
	// the way Lambda reports one.
	errorType, errorMessage string
	// err is returned by the API call itself.
	err error
	// invoked, when set, is called after the events are written.
	invoked func()
	// answerRunID, when set, replaces the run id in the result, as a
	// producer that ignores it would answer.
	answerRunID *string
	// payload is the last payload it was invoked with.
	payload []byte
}

func (f *fakeProducer) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.payload = in.Payload
	if f.err != nil {
		return nil, f.err
	}
	if f.errorMessage != "" {
		body, _ := json.Marshal(map[string]string{"errorType": f.errorType, "errorMessage": f.errorMessage})
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: body}, nil
	}
	var p manualPayload
	if err := json.Unmarshal(in.Payload, &p); err != nil {
		return nil, err
	}
	for range p.Count + f.extra {
		event := fmt.Sprintf(`{"schema_version":1,"event_id":%q,"event_time":%q,"event_name":"JOIN","user_id":1,"run_id":%q}`,
			uuid.NewString(), time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), p.RunID)
		f.stream.put([]byte(event))
	}
	if f.invoked != nil {
		f.invoked()
	}
	runID := p.RunID
	if f.answerRunID != nil {
		runID = *f.answerRunID
	}
	body := fmt.Sprintf(`{"run_id":%q,"requested":%d,"generated":%d,"sent":%d,"failed":0,"requests":1,"retries":0,"duration_ms":12}`,
		runID, p.Count, p.Count, p.Count)
	return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(body)}, nil
}

// fixedRunID is a NewRunID for tests.
func fixedRunID(id string) func() (string, error) {
	return func() (string, error) { return id, nil }
}

// fakeLoader stands in for the loader function: an invocation loads what
// the warehouse's materialized view holds, as a load does, or fails like
// the loader when errorMessage is set.
type fakeLoader struct {
	warehouse    *fakeWarehouse
	errorMessage string
	payloads     []string
}

func (f *fakeLoader) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.payloads = append(f.payloads, string(in.Payload))
	if f.errorMessage != "" {
		body, _ := json.Marshal(map[string]string{"errorType": "Error", "errorMessage": f.errorMessage})
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: body}, nil
	}
	f.warehouse.startLoads()
	body := `{"load_id":"load-20261127T100001Z-5e6f7a8b","mode":"scheduled","refreshed":true,"streamed":50,"landed":0,` +
		`"moved":50,"inserted":50,"duplicates":0,"rejected":0,"duration_ms":4200}`
	return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(body)}, nil
}

// functions routes invocations to the producer or the loader by name.
type functions struct {
	producer, loader invoker
}

func (f functions) Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if aws.ToString(in.FunctionName) == testLoader {
		return f.loader.Invoke(ctx, in, opts...)
	}
	return f.producer.Invoke(ctx, in, opts...)
}
