package produce

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// maxRefusalBytes bounds the error of a refused payload. The error is
// logged, returned to the caller and, for an asynchronous invocation, kept
// in the on-failure record; a payload of a megabyte must not make it a
// megabyte too.
const maxRefusalBytes = 512

// The payloads the existing tables leave out, through the entry point the
// Lambda runtime calls: Invoke with the raw bytes. Each must be refused as
// a whole: a *PayloadError that names the problem in a bounded message,
// nothing sent, one log line, and the zero Request from ParsePayload.
func TestInvokeRefusesBadPayloadsWholly(t *testing.T) {
	megabyte := 1 << 20
	digits := strings.Repeat("9", megabyte)
	tests := []struct {
		name    string
		payload string
		wantErr string
	}{
		{name: "byte order mark", payload: "\ufeff{}", wantErr: "payload is not JSON: invalid character"},
		{name: "NUL", payload: "\x00", wantErr: "payload is not JSON: invalid character '\\x00'"},
		{name: "nested beyond any parser's depth", payload: strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), wantErr: "exceeded max depth"},
		{name: "two objects", payload: `{"count": 1}{"count": 2}`, wantErr: "payload is not JSON: invalid character '{' after top-level value"},
		{name: "count negative fraction", payload: `{"count": -1.5}`, wantErr: "count -1.5 is not a whole number"},
		{name: "count as a numeric string", payload: `{"count": "1e3"}`, wantErr: "count is a string, want a whole number"},
		{name: "count boolean", payload: `{"count": true}`, wantErr: "count is a boolean, want a whole number"},
		{name: "count array", payload: `{"count": [5]}`, wantErr: "count is an array, want a whole number"},
		{name: "count object", payload: `{"count": {"n": 5}}`, wantErr: "count is an object, want a whole number"},
		{name: "count beyond int64", payload: `{"count": 9223372036854775808}`, wantErr: "count 92233720368547"},
		{name: "count negative zero", payload: `{"count": -0}`, wantErr: "count 0 is out of range: want 1 to 1000000"},
		{name: "count of a million digits", payload: `{"count": ` + digits + `}`, wantErr: "manual payload: count 9999999999999999999999999999999999999999… (1048576 bytes) is out of range"},
		{name: "rate as a string", payload: `{"rate": "5"}`, wantErr: "rate is a string, want a number of events per second"},
		{name: "rate null", payload: `{"rate": null}`, wantErr: "rate is null"},
		{name: "rate negative tiny", payload: `{"rate": -1e-9}`, wantErr: "rate -1e-9 is negative"},
		{name: "rate of a million digits", payload: `{"rate": ` + digits + `}`, wantErr: "rate 9999999999999999999999999999999999999999… (1048576 bytes) is not a finite number"},
		{name: "run id of a megabyte", payload: `{"run_id": "` + strings.Repeat("r", megabyte) + `"}`, wantErr: "1048576 characters long, more than 64"},
		{name: "run id with invalid UTF-8", payload: "{\"run_id\": \"a\xffb\"}", wantErr: "run id"},
		{name: "run id with a newline", payload: `{"run_id": "a\nb"}`, wantErr: `has character '\n' at byte 1`},
		{name: "run id with a quote", payload: `{"run_id": "a\"; DROP"}`, wantErr: `has character '"' at byte 1`},
		{name: "capitalised field", payload: `{"Count": 5}`, wantErr: `unknown field "Count" (allowed: count, rate, run_id, dirty_ratio)`},
		{name: "field name of a megabyte", payload: `{"` + strings.Repeat("k", megabyte) + `": 1}`, wantErr: `manual payload: unknown field "` + strings.Repeat("k", 40) + `… (1048576 bytes)"`},
		{name: "field name clipped between whole runes", payload: `{"a` + strings.Repeat("é", megabyte/2) + `": 1}`, wantErr: `unknown field "a` + strings.Repeat("é", 19) + `… (1048577 bytes)"`},
		{name: "source of a megabyte", payload: `{"source": "` + strings.Repeat("s", megabyte) + `"}`, wantErr: `payload source "` + strings.Repeat("s", 40) + `… (1048576 bytes)" is unknown`},
		{name: "source null", payload: `{"source": null}`, wantErr: "payload field source: is null, want a string"},
		{name: "rule without detail-type", payload: `{"source": "aws.events"}`, wantErr: `rule event: detail-type "" is not "Scheduled Event"`},
		{name: "rule with a megabyte detail-type", payload: `{"source": "aws.events", "detail-type": "` + strings.Repeat("d", megabyte) + `"}`, wantErr: `rule event: detail-type "` + strings.Repeat("d", 40) + `… (1048576 bytes)" is not`},
		{name: "scheduler with an extra field", payload: strings.Replace(schedulerPayload, `{`, `{"extra": 1,`, 1), wantErr: `scheduler payload: unknown field "extra"`},
		{name: "scheduler with every field empty", payload: `{"source":"chatstream.scheduler","schedule_arn":"","scheduled_time":"","execution_id":"","attempt":""}`, wantErr: "scheduler payload: field schedule_arn is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeKinesis{}
			h := newTestHandler(testConfig(), fake)

			out, err := h.Invoke(t.Context(), []byte(tt.payload))

			var refused *PayloadError
			if !errors.As(err, &refused) || out != nil {
				t.Fatalf("Invoke() = %q, %v; want no output and a *PayloadError", out, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Invoke() error = %.300q…, want it to contain %q", err, tt.wantErr)
			}
			if n := len(err.Error()); n > maxRefusalBytes {
				t.Errorf("Invoke() error is %d bytes (%.200q…), want at most %d", n, err, maxRefusalBytes)
			}
			if calls, _, _ := fake.snapshot(); calls != 0 {
				t.Errorf("a refused payload made %d PutRecords calls, want none", calls)
			}
			lines := h.logLines(t)
			if len(lines) != 1 || lines[0]["level"] != "ERROR" || lines[0]["msg"] != "refused invocation" || lines[0]["error"] != refused.Err.Error() {
				t.Errorf("logged %.500v, want one ERROR line %q with the error", lines, "refused invocation")
			}
			req, parseErr := ParsePayload([]byte(tt.payload))
			if diff := cmp.Diff(Request{}, req); diff != "" || parseErr == nil || parseErr.Error() != refused.Err.Error() {
				t.Errorf("ParsePayload() = %+v, %.200v; want the zero Request and the error Invoke refused with", req, parseErr)
			}
		})
	}
}

// A configuration that is refused must not be half applied: LoadConfig
// returns the zero Config with an error naming the variable and its value.
func TestLoadConfigRefusesWholly(t *testing.T) {
	good := map[string]string{
		"STREAM_NAME": "chat-events", "EVENTS_PER_INVOCATION": "500", "RATE": "20", "USERS": "50", "SEED": "7",
	}
	tests := []struct {
		name    string
		env     map[string]string // laid over good; "" values are set but empty
		unset   string            // a variable of good to leave unset
		wantErr string
	}{
		{name: "stream of blanks", env: map[string]string{"STREAM_NAME": "  "}, wantErr: `STREAM_NAME="  ": character ' ' at byte 0`},
		{name: "stream with a slash", env: map[string]string{"STREAM_NAME": "chat/events"}, wantErr: `STREAM_NAME="chat/events": character '/' at byte 4`},
		{name: "stream unset", unset: "STREAM_NAME", wantErr: `STREAM_NAME="": required`},
		{name: "count with a leading blank", env: map[string]string{"EVENTS_PER_INVOCATION": " 5"}, wantErr: `EVENTS_PER_INVOCATION=" 5": " 5" is not a number`},
		{name: "count in hex", env: map[string]string{"EVENTS_PER_INVOCATION": "0x10"}, wantErr: `EVENTS_PER_INVOCATION="0x10": "0x10" is not a number`},
		{name: "count negative", env: map[string]string{"EVENTS_PER_INVOCATION": "-5"}, wantErr: `EVENTS_PER_INVOCATION="-5": -5 is out of range: want 1 to 1000000`},
		{name: "count infinite", env: map[string]string{"EVENTS_PER_INVOCATION": "Inf"}, wantErr: `EVENTS_PER_INVOCATION="Inf": "Inf" is not a number in plain decimal digits`},
		{name: "count NaN", env: map[string]string{"EVENTS_PER_INVOCATION": "NaN"}, wantErr: `EVENTS_PER_INVOCATION="NaN": "NaN" is not a number in plain decimal digits`},
		{name: "count with underscores", env: map[string]string{"EVENTS_PER_INVOCATION": "1_000"}, wantErr: `EVENTS_PER_INVOCATION="1_000": "1_000" is not a number in plain decimal digits, such as 500`},
		{name: "count as a hex float", env: map[string]string{"EVENTS_PER_INVOCATION": "0x1p4"}, wantErr: `EVENTS_PER_INVOCATION="0x1p4": "0x1p4" is not a number in plain decimal digits`},
		{name: "count with an exponent", env: map[string]string{"EVENTS_PER_INVOCATION": "1e3"}, wantErr: `EVENTS_PER_INVOCATION="1e3": "1e3" is not a number in plain decimal digits`},
		{name: "count with a plus sign", env: map[string]string{"EVENTS_PER_INVOCATION": "+5"}, wantErr: `EVENTS_PER_INVOCATION="+5": "+5" is not a number in plain decimal digits`},
		{name: "count beyond int64", env: map[string]string{"EVENTS_PER_INVOCATION": "99999999999999999999"}, wantErr: `EVENTS_PER_INVOCATION="99999999999999999999": 99999999999999999999 is out of range: want 1 to 1000000`},
		{name: "rate as a hex float", env: map[string]string{"RATE": "0x1p4"}, wantErr: `RATE="0x1p4": "0x1p4" is not a number in plain decimal, such as 12.5`},
		{name: "rate with underscores", env: map[string]string{"RATE": "1_0.5"}, wantErr: `RATE="1_0.5": "1_0.5" is not a number in plain decimal`},
		{name: "rate with an exponent", env: map[string]string{"RATE": "1e3"}, wantErr: `RATE="1e3": "1e3" is not a number in plain decimal`},
		{name: "rate inf", env: map[string]string{"RATE": "inf"}, wantErr: `RATE="inf": "inf" is not a number in plain decimal`},
		{name: "rate nan", env: map[string]string{"RATE": "nan"}, wantErr: `RATE="nan": "nan" is not a number in plain decimal`},
		{name: "rate without a whole part", env: map[string]string{"RATE": ".5"}, wantErr: `RATE=".5": ".5" is not a number in plain decimal`},
		{name: "rate without a fraction after the dot", env: map[string]string{"RATE": "5."}, wantErr: `RATE="5.": "5." is not a number in plain decimal`},
		{name: "rate with a plus sign", env: map[string]string{"RATE": "+1"}, wantErr: `RATE="+1": "+1" is not a number in plain decimal`},
		{name: "users with underscores", env: map[string]string{"USERS": "1_000"}, wantErr: `USERS="1_000": "1_000" is not a number in plain decimal digits`},
		{name: "users in hex", env: map[string]string{"USERS": "0x10"}, wantErr: `USERS="0x10": "0x10" is not a number in plain decimal digits`},
		{name: "users with an exponent", env: map[string]string{"USERS": "1e3"}, wantErr: `USERS="1e3": "1e3" is not a number in plain decimal digits`},
		{name: "seed with underscores", env: map[string]string{"SEED": "1_0"}, wantErr: `SEED="1_0": want a whole number`},
		{name: "seed with a plus sign", env: map[string]string{"SEED": "+1"}, wantErr: `SEED="+1": want a whole number`},
		{name: "rate with a unit", env: map[string]string{"RATE": "50/s"}, wantErr: `RATE="50/s": "50/s" is not a number`},
		{name: "rate empty", env: map[string]string{"RATE": ""}, wantErr: `RATE="": set but empty; unset it to use the default`},
		{name: "users negative", env: map[string]string{"USERS": "-1"}, wantErr: `USERS="-1": -1 is out of range: want 1 to 10000000`},
		{name: "users fractional", env: map[string]string{"USERS": "1.5"}, wantErr: `USERS="1.5": 1.5 is not a whole number`},
		{name: "users words", env: map[string]string{"USERS": "many"}, wantErr: `USERS="many": "many" is not a number`},
		{name: "seed fractional", env: map[string]string{"SEED": "1.0"}, wantErr: `SEED="1.0": want a whole number from 0 to 18446744073709551615`},
		{name: "seed in hex", env: map[string]string{"SEED": "0x1"}, wantErr: `SEED="0x1": want a whole number`},
		{name: "seed blank", env: map[string]string{"SEED": " "}, wantErr: `SEED=" ": set but empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				if k != tt.unset {
					env[k] = v
				}
			}
			for k, v := range tt.env {
				env[k] = v
			}
			got, err := LoadConfig(lookup(env))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadConfig() error = %v, want one containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(Config{}, got); diff != "" {
				t.Errorf("LoadConfig() returned a partial configuration with its error (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := LoadConfig(lookup(good)); err != nil {
		t.Fatalf("LoadConfig(good) error = %v; the cases above change one thing each from it", err)
	}
}
