package produce

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chatstream/chatstream/lambda/chat"
	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// The sample payloads in events/ are what docs/producer.md and docs/local.md tell people to send;
// they must keep parsing.
func TestParsePayloadSamples(t *testing.T) {
	tests := []struct {
		file string
		want Request
	}{
		{
			file: "scheduler.json",
			want: Request{
				Trigger:       TriggerScheduler,
				Schedule:      "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/chatstream-producer",
				ScheduledTime: "2026-11-27T10:00:00Z",
				ScheduledAt:   time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
				ExecutionID:   "c8b9f2a4-6d2e-4b1f-9a57-0d3e5f7a9b11",
				Attempt:       "1",
			},
		},
		{
			file: "rule.json",
			want: Request{
				Trigger:       TriggerRule,
				Schedule:      "arn:aws:events:eu-west-1:123456789012:rule/chatstream-producer",
				ScheduledTime: "2026-11-27T10:00:00Z",
				ScheduledAt:   time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
			},
		},
		{
			file: "manual.json",
			want: Request{Trigger: TriggerManual, Count: 100, Rate: ptr(50.0), RunID: "manual-example"},
		},
		{
			file: "dirty.json",
			want: Request{Trigger: TriggerManual, Count: 200, Rate: ptr(100.0), RunID: "dirty-example", DirtyRatio: ptr(0.1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "events", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParsePayload(data)
			if err != nil {
				t.Fatalf("ParsePayload(%s) error = %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePayload(%s) (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParsePayload(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    Request
	}{
		{name: "empty object: configured defaults", payload: `{}`, want: Request{Trigger: TriggerManual}},
		{name: "count only", payload: ` {"count": 5} `, want: Request{Trigger: TriggerManual, Count: 5}},
		{name: "count in exponent form", payload: `{"count": 1e3}`, want: Request{Trigger: TriggerManual, Count: 1000}},
		{name: "count with zero fraction", payload: `{"count": 7.0}`, want: Request{Trigger: TriggerManual, Count: 7}},
		{name: "maximum count", payload: `{"count": 1000000}`, want: Request{Trigger: TriggerManual, Count: MaxCount}},
		{name: "rate zero means unpaced", payload: `{"rate": 0}`, want: Request{Trigger: TriggerManual, Rate: ptr(0.0)}},
		{name: "fractional rate", payload: `{"rate": 0.5}`, want: Request{Trigger: TriggerManual, Rate: ptr(0.5)}},
		{name: "run id", payload: `{"run_id": "smoke-1700000000"}`, want: Request{Trigger: TriggerManual, RunID: "smoke-1700000000"}},
		{name: "run id with escaped letter", payload: `{"run_id": "\u0061b"}`, want: Request{Trigger: TriggerManual, RunID: "ab"}},
		{name: "dirty ratio", payload: `{"count": 10, "dirty_ratio": 0.25}`, want: Request{Trigger: TriggerManual, Count: 10, DirtyRatio: ptr(0.25)}},
		{name: "dirty ratio 0 overrides DIRTY_RATIO", payload: `{"dirty_ratio": 0}`, want: Request{Trigger: TriggerManual, DirtyRatio: ptr(0.0)}},
		{
			name:    "scheduler time with a fraction and an offset",
			payload: strings.Replace(schedulerPayload, `2026-11-27T10:00:00Z`, `2026-11-27T11:00:00.5+01:00`, 1),
			want: Request{Trigger: TriggerScheduler, Schedule: "arn:s", ScheduledTime: "2026-11-27T11:00:00.5+01:00",
				ScheduledAt: time.Date(2026, 11, 27, 10, 0, 0, 500_000_000, time.UTC), ExecutionID: "e", Attempt: "1"},
		},
		{
			name:    "rule event with extra envelope fields",
			payload: `{"source":"aws.events","detail-type":"Scheduled Event","time":"2026-11-27T10:00:00Z","resources":[],"detail":{},"replay-name":"x"}`,
			want:    Request{Trigger: TriggerRule, ScheduledTime: "2026-11-27T10:00:00Z", ScheduledAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePayload([]byte(tt.payload))
			if err != nil {
				t.Fatalf("ParsePayload(%s) error = %v", tt.payload, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePayload(%s) (-want +got):\n%s", tt.payload, diff)
			}
		})
	}
}

const schedulerPayload = `{"source":"chatstream.scheduler","schedule_arn":"arn:s","scheduled_time":"2026-11-27T10:00:00Z","execution_id":"e","attempt":"1"}`

func TestParsePayloadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr string
	}{
		{name: "nothing", payload: ``, wantErr: "payload is empty"},
		{name: "whitespace", payload: " \n", wantErr: "payload is empty"},
		{name: "not JSON", payload: `count=5`, wantErr: "payload is not JSON: invalid character 'c'"},
		{name: "truncated object", payload: `{"count": 5`, wantErr: "payload is not JSON: unexpected end of JSON input"},
		{name: "trailing garbage", payload: `{} {}`, wantErr: "payload is not JSON"},
		{name: "array", payload: `[{"count": 5}]`, wantErr: "payload is an array, want a JSON object"},
		{name: "string", payload: `"go"`, wantErr: "payload is a string, want a JSON object"},
		{name: "number", payload: `42`, wantErr: "payload is a number, want a JSON object"},
		{name: "boolean", payload: `true`, wantErr: "payload is a boolean, want a JSON object"},
		{name: "null", payload: `null`, wantErr: "payload is null, want a JSON object"},
		{name: "count zero", payload: `{"count": 0}`, wantErr: "count 0 is out of range: want 1 to 1000000"},
		{name: "count negative", payload: `{"count": -3}`, wantErr: "count -3 is out of range"},
		{name: "count fractional", payload: `{"count": 1.5}`, wantErr: "count 1.5 is not a whole number"},
		{name: "count above maximum", payload: `{"count": 1000001}`, wantErr: "count 1000001 is out of range: want 1 to 1000000"},
		{name: "count huge", payload: `{"count": 1e400}`, wantErr: "count 1e400 is out of range"},
		{name: "count as string", payload: `{"count": "5"}`, wantErr: "count is a string, want a whole number"},
		{name: "count null", payload: `{"count": null}`, wantErr: "count is null"},
		{name: "rate negative", payload: `{"rate": -0.5}`, wantErr: "rate -0.5 is negative"},
		{name: "rate not finite", payload: `{"rate": 1e999}`, wantErr: "rate 1e999 is not a finite number"},
		{name: "rate as boolean", payload: `{"rate": true}`, wantErr: "rate is a boolean"},
		{name: "unknown field", payload: `{"cuont": 5}`, wantErr: `manual payload: unknown field "cuont" (allowed: count, rate, run_id, dirty_ratio)`},
		{name: "unknown fields reported in order", payload: `{"z": 1, "b": 2, "count": 1}`, wantErr: `unknown field "b"`},
		{name: "run id empty", payload: `{"run_id": ""}`, wantErr: "run id is empty"},
		{name: "dirty ratio above 1", payload: `{"dirty_ratio": 1.01}`, wantErr: "manual payload: dirty_ratio 1.01 is not a share from 0 to 1"},
		{name: "dirty ratio negative", payload: `{"dirty_ratio": -0.1}`, wantErr: "dirty_ratio -0.1 is not a share from 0 to 1"},
		{name: "dirty ratio as a percentage string", payload: `{"dirty_ratio": "5%"}`, wantErr: "dirty_ratio is a string, want a share from 0 to 1"},
		{name: "dirty ratio huge", payload: `{"dirty_ratio": 1e999}`, wantErr: "dirty_ratio 1e999 is not a share"},
		{name: "scheduler time not a time", payload: strings.Replace(schedulerPayload, `2026-11-27T10:00:00Z`, `yesterday`, 1), wantErr: `scheduler payload: scheduled_time "yesterday" is not an RFC 3339 time such as 2026-11-27T10:00:00Z`},
		{name: "scheduler placeholder not filled in", payload: strings.Replace(schedulerPayload, `2026-11-27T10:00:00Z`, `<aws.scheduler.scheduled-time>`, 1), wantErr: `scheduled_time "<aws.scheduler.scheduled-time>" is not an RFC 3339 time`},
		{name: "rule event without a time", payload: `{"source":"aws.events","detail-type":"Scheduled Event"}`, wantErr: `rule event: time "" is not an RFC 3339 time`},
		{name: "run id with slash", payload: `{"run_id": "a/b"}`, wantErr: `run id "a/b" has character '/'`},
		{name: "run id too long", payload: `{"run_id": "` + strings.Repeat("r", 65) + `"}`, wantErr: "65 characters long"},
		{name: "run id number", payload: `{"run_id": 7}`, wantErr: "run_id: is a number, want a string"},
		{name: "source not a string", payload: `{"source": 1}`, wantErr: "payload field source: is a number, want a string"},
		{name: "unknown source", payload: `{"source": "aws.s3"}`, wantErr: `payload source "aws.s3" is unknown`},
		{name: "scheduler missing field", payload: `{"source":"chatstream.scheduler","schedule_arn":"a","scheduled_time":"2026-11-27T10:00:00Z","execution_id":"e"}`, wantErr: "scheduler payload: field attempt is missing"},
		{name: "scheduler placeholder left as number", payload: strings.Replace(schedulerPayload, `"1"}`, `1}`, 1), wantErr: "scheduler payload: field attempt: is a number, want a string"},
		{name: "scheduler empty field", payload: strings.Replace(schedulerPayload, `"e"`, `""`, 1), wantErr: "field execution_id is empty"},
		{name: "scheduler with count", payload: strings.Replace(schedulerPayload, `{`, `{"count":5,`, 1), wantErr: `scheduler payload: unknown field "count"`},
		{name: "rule event not scheduled", payload: `{"source":"aws.events","detail-type":"EC2 Instance State-change Notification"}`, wantErr: `detail-type "EC2 Instance State-change Notification" is not "Scheduled Event"`},
		{name: "rule event with wrong types", payload: `{"source":"aws.events","detail-type":"Scheduled Event","resources":"arn"}`, wantErr: "rule event: json: cannot unmarshal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePayload([]byte(tt.payload))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePayload(%q) = %+v, %v; want an error containing %q", tt.payload, got, err, tt.wantErr)
			}
		})
	}
}

// FuzzParsePayload checks that no input panics, that whatever is accepted
// is within the documented limits, and that a refusal is what the people
// who read it in a log line or a dead letter need: bounded, on one line,
// free of control characters that a log viewer would act on, and the same
// error every time. `go test` runs the seeds; `go test -fuzz
// FuzzParsePayload` explores.
func FuzzParsePayload(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"count":5,"rate":1.5,"run_id":"a"}`, schedulerPayload,
		`{"source":"aws.events","detail-type":"Scheduled Event","time":"2026-11-27T10:00:00Z"}`, `{"dirty_ratio":0.5}`, `[]`, `{"count":1e3}`, `nul`,
		`{"count": 0}`, `{"run_id": "a\nb"}`, `{"source": "\u001b[31m"}`, "{\"\x00\": 1}", `[`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParsePayload(data)
		if err != nil {
			if req != (Request{}) {
				t.Errorf("ParsePayload(%q) returned %+v with error %v, want the zero Request", data, req, err)
			}
			checkRefusal(t, data, err)
			return
		}
		switch req.Trigger {
		case TriggerManual, TriggerRule, TriggerScheduler:
		default:
			t.Errorf("ParsePayload(%q) trigger %q", data, req.Trigger)
		}
		if req.Count < 0 || req.Count > MaxCount {
			t.Errorf("ParsePayload(%q) count %d outside 0..%d", data, req.Count, MaxCount)
		}
		if req.Rate != nil && (*req.Rate < 0 || math.IsInf(*req.Rate, 0) || math.IsNaN(*req.Rate)) {
			t.Errorf("ParsePayload(%q) rate %v", data, *req.Rate)
		}
		if req.DirtyRatio != nil && chat.CheckDirtyRatio(*req.DirtyRatio) != nil {
			t.Errorf("ParsePayload(%q) dirty ratio %v", data, *req.DirtyRatio)
		}
		if req.Trigger != TriggerManual && req.ScheduledAt.IsZero() {
			t.Errorf("ParsePayload(%q) accepted a scheduled payload without a time", data)
		}
		if req.RunID != "" {
			if err := chat.CheckRunID(req.RunID); err != nil {
				t.Errorf("ParsePayload(%q) accepted %v", data, err)
			}
		}
	})
}

// checkRefusal checks the error that ParsePayload refused data with.
func checkRefusal(t *testing.T, data []byte, err error) {
	t.Helper()
	msg := err.Error()
	if len(msg) > maxRefusalBytes {
		t.Errorf("ParsePayload(%.100q…) error is %d bytes, want at most %d", data, len(msg), maxRefusalBytes)
	}
	for i, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("ParsePayload(%.100q…) error %q has control character %U at byte %d", data, msg, r, i)
		}
	}
	if _, again := ParsePayload(data); again == nil || again.Error() != msg {
		t.Errorf("ParsePayload(%.100q…) refused with %q, then with %v", data, msg, again)
	}
}

// TestParsePayloadRefusesDuplicateKeys: encoding/json keeps the last of two
// equal keys, so without a check {"count":10,"count":20} sent 20 events.
func TestParsePayloadRefusesDuplicateKeys(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr string
	}{
		{name: "manual count twice", payload: `{"count":10,"count":20}`, wantErr: `payload: field "count" appears twice`},
		{name: "key spelled with an escape", payload: `{"rate":1,"r\u0061te":2}`, wantErr: `payload: field "rate" appears twice`},
		{name: "unknown key twice", payload: `{"x":1,"x":1}`, wantErr: `payload: field "x" appears twice`},
		{name: "scheduler field twice", payload: strings.Replace(schedulerPayload, `{`, `{"attempt":"2",`, 1), wantErr: `payload: field "attempt" appears twice`},
		{name: "source twice", payload: `{"source":"aws.events","source":"chatstream.scheduler"}`, wantErr: `payload: field "source" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePayload([]byte(tt.payload))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePayload(%q) = %+v, %v; want an error containing %q", tt.payload, got, err, tt.wantErr)
			}
		})
	}
}
