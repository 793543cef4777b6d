package produce

import (
	"strings"
	"testing"
	"time"
)

func TestRequestTimeout(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    time.Duration
		wantErr string
	}{
		{name: "unset: publish's default", env: nil, want: 0},
		{name: "a local run's", env: map[string]string{"PUT_RECORDS_TIMEOUT": "60s"}, want: time.Minute},
		{name: "the least", env: map[string]string{"PUT_RECORDS_TIMEOUT": "1s"}, want: time.Second},
		{name: "no unit", env: map[string]string{"PUT_RECORDS_TIMEOUT": "30"}, wantErr: `PUT_RECORDS_TIMEOUT="30": want a duration from 1s to 1m0s, such as 30s`},
		{name: "too short", env: map[string]string{"PUT_RECORDS_TIMEOUT": "500ms"}, wantErr: `PUT_RECORDS_TIMEOUT="500ms": want a duration from 1s`},
		{name: "too long", env: map[string]string{"PUT_RECORDS_TIMEOUT": "2m"}, wantErr: `PUT_RECORDS_TIMEOUT="2m": want a duration`},
		{name: "empty", env: map[string]string{"PUT_RECORDS_TIMEOUT": ""}, wantErr: `PUT_RECORDS_TIMEOUT="": want a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RequestTimeout(lookup(tt.env))
			switch {
			case tt.wantErr == "" && (err != nil || got != tt.want):
				t.Errorf("RequestTimeout() = %v, %v; want %v", got, err, tt.want)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("RequestTimeout() = %v, %v; want an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}
