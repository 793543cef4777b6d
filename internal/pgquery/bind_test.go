package pgquery

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBind(t *testing.T) {
	tests := []struct {
		name       string
		sql        string
		params     map[string]string
		want       string
		wantValues []string
	}{
		{
			name:       "names become numbers in order of first use",
			sql:        "SELECT * FROM t WHERE run_id = :run_id AND n > :min OR run_id = :run_id",
			params:     map[string]string{"run_id": "r1", "min": "5"},
			want:       "SELECT * FROM t WHERE run_id = $1 AND n > $2 OR run_id = $1",
			wantValues: []string{"r1", "5"},
		},
		{
			name:       "casts are not parameters",
			sql:        "SELECT :n::INT, payload.run_id::VARCHAR(128)",
			params:     map[string]string{"n": "1"},
			want:       "SELECT $1::INT, payload.run_id::VARCHAR(128)",
			wantValues: []string{"1"},
		},
		{
			name: "what is not SQL is left alone",
			sql: "SELECT ':a', E'\\':b', \"col:c\", $$ :d $$, $body$ :e $body$ -- :f\n" +
				"/* :g /* nested :h */ :i */ FROM t WHERE x = :x",
			params: map[string]string{"x": "1"},
			want: "SELECT ':a', E'\\':b', \"col:c\", $$ :d $$, $body$ :e $body$ -- :f\n" +
				"/* :g /* nested :h */ :i */ FROM t WHERE x = $1",
			wantValues: []string{"1"},
		},
		{
			name:       "doubled quotes stay inside the literal",
			sql:        "SELECT 'it''s :not', :yes",
			params:     map[string]string{"yes": "y"},
			want:       "SELECT 'it''s :not', $1",
			wantValues: []string{"y"},
		},
		{
			name: "numbered parameters are not dollar quotes",
			sql:  "SELECT $1, 'a'",
			want: "SELECT $1, 'a'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, values, err := bind(tt.sql, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("bind SQL = %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantValues, values); diff != "" {
				t.Errorf("bind values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBindRefuses(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		params  map[string]string
		wantErr string
	}{
		{name: "parameter without a value", sql: "SELECT :run_id", wantErr: "no value for parameter :run_id"},
		{name: "value no parameter uses", sql: "SELECT :a", params: map[string]string{"a": "1", "stream": "s"}, wantErr: `parameter "stream" is not in the statement`},
		{name: "value only a comment names", sql: "SELECT 1 -- :a", params: map[string]string{"a": "1"}, wantErr: `parameter "a" is not in the statement`},
		{name: "unterminated literal", sql: "SELECT 'abc", wantErr: "unterminated ' at byte 7"},
		{name: "unterminated identifier", sql: `SELECT "abc`, wantErr: `unterminated " at byte 7`},
		{name: "unterminated comment", sql: "SELECT /* /* */", wantErr: "unterminated block comment at byte 7"},
		{name: "unterminated dollar quote", sql: "SELECT $x$ abc", wantErr: "unterminated $x$ quote at byte 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := bind(tt.sql, tt.params)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("bind(%q) = %v; want an error containing %q", tt.sql, err, tt.wantErr)
			}
		})
	}
}
