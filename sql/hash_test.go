package sql

import (
	"strings"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "whitespace runs", in: "  SELECT\n\t1 ,\r\n  2  ", want: "SELECT 1 , 2"},
		{name: "line comment", in: "SELECT 1 -- one\n, 2", want: "SELECT 1 , 2"},
		{name: "line comment at the end", in: "SELECT 1 -- the end", want: "SELECT 1"},
		{name: "comment glued to a token", in: "SELECT 1--one\n", want: "SELECT 1"},
		{name: "block comment", in: "SELECT /* a\nb */ 1", want: "SELECT 1"},
		{name: "block comment between tokens", in: "a/*x*/b", want: "a b"},
		{name: "nested block comment", in: "SELECT /* a /* b */ c */ 1", want: "SELECT 1"},
		{name: "comment markers inside a literal stay", in: "SELECT '-- not a comment /* no */'", want: "SELECT '-- not a comment /* no */'"},
		{name: "whitespace inside a literal stays", in: "SELECT 'a  \n b'", want: "SELECT 'a  \n b'"},
		{name: "doubled quote inside a literal", in: "SELECT 'it''s -- x'  , 1", want: "SELECT 'it''s -- x' , 1"},
		{name: "backslash-escaped quote inside a literal", in: `SELECT 'a\' -- b'`, want: `SELECT 'a\' -- b'`},
		{name: "quoted identifier keeps its spaces", in: `FROM  "my  schema"."x--y"`, want: `FROM "my  schema"."x--y"`},
		{name: "unterminated literal runs to the end", in: "SELECT 'abc", want: "SELECT 'abc"},
		{name: "unterminated comment runs to the end", in: "SELECT 1 /* abc", want: "SELECT 1"},
		{name: "only a comment", in: "-- nothing\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalize(tt.in); got != tt.want {
				t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHashIgnoresCommentsAndLayoutButNotCode(t *testing.T) {
	// GIVEN the staging DDL as the templates render it
	byFile, err := renderDDL(stagingParams(t))
	if err != nil {
		t.Fatal(err)
	}
	base := digest(byFile[schemaFile], byFile[streamFile])
	edited := func(edit func(string) string) string {
		var stmts []Statement
		for _, file := range []string{schemaFile, streamFile} {
			for _, s := range byFile[file] {
				stmts = append(stmts, Statement{Name: s.Name + "_renamed", SQL: edit(s.SQL)})
			}
		}
		return digest(stmts)
	}
	// WHEN every statement gets other comments, other line breaks and other names
	// THEN the hash stays
	for name, edit := range map[string]func(string) string{
		"comment added":     func(s string) string { return "-- reviewed again\n" + s + " /* trailing note */" },
		"comments dropped":  normalize,
		"lines reflowed":    func(s string) string { return strings.ReplaceAll(s, "\n", "\n\n    ") },
		"spaces doubled":    func(s string) string { return strings.ReplaceAll(s, " ", "  ") },
		"comment rewritten": func(s string) string { return strings.ReplaceAll(s, "-- ", "--   changed: ") },
	} {
		if got := edited(edit); got != base {
			t.Errorf("%s: hash %s, want %s", name, got, base)
		}
	}
	// WHEN a token changes THEN the hash changes
	for name, edit := range map[string]func(string) string{
		"keyword":               func(s string) string { return strings.Replace(s, "AUTO REFRESH YES", "AUTO REFRESH NO", 1) },
		"literal's spacing":     func(s string) string { return strings.Replace(s, `"kinesis"`, `"kinesis "`, 1) },
		"a comment uncommented": func(s string) string { return strings.Replace(s, "-- ", "", 1) },
	} {
		if got := edited(edit); got == base {
			t.Errorf("%s: hash unchanged, want a new one", name)
		}
	}
}

func TestStatementTimeout(t *testing.T) {
	got, err := StatementTimeout(28 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "set_statement_timeout" || normalize(got.SQL) != "SET statement_timeout TO 1680000" {
		t.Errorf("StatementTimeout(28m) = %+v, want set_statement_timeout with 1680000 ms", got)
	}
	assertOneStatement(t, got)
	for _, d := range []time.Duration{0, -time.Minute, 999 * time.Millisecond, time.Second + time.Microsecond, 25 * 24 * time.Hour} {
		if _, err := StatementTimeout(d); err == nil || !strings.Contains(err.Error(), "statement timeout "+d.String()) {
			t.Errorf("StatementTimeout(%s) error = %v, want one naming the value", d, err)
		}
	}
}
