package sql

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestQuoteIdentifier(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string // substring of the error; empty means success
	}{
		{name: "plain", in: "chatstream", want: `"chatstream"`},
		{name: "stream name with dashes", in: "chat-events-staging", want: `"chat-events-staging"`},
		{name: "double quote is doubled", in: `a"b`, want: `"a""b"`},
		{name: "only quotes", in: `""`, want: `""""""`},
		{name: "statement terminator stays inside", in: `x"; DROP TABLE users; --`, want: `"x""; DROP TABLE users; --"`},
		{name: "comment markers stay inside", in: "a/*b*/--c", want: `"a/*b*/--c"`},
		{name: "single quote needs no escaping", in: "it's", want: `"it's"`},
		{name: "non-ASCII", in: "événements_チャット", want: `"événements_チャット"`},
		{name: "spaces", in: "chat events", want: `"chat events"`},
		{name: "exactly 127 bytes", in: strings.Repeat("a", 127), want: `"` + strings.Repeat("a", 127) + `"`},
		{name: "127 bytes of multibyte runes", in: strings.Repeat("é", 63) + "a", want: `"` + strings.Repeat("é", 63) + `a"`},
		{name: "empty", in: "", wantErr: "identifier is empty"},
		{name: "128 bytes", in: strings.Repeat("a", 128), wantErr: "is 128 bytes; Redshift allows at most 127"},
		{name: "128 bytes of multibyte runes", in: strings.Repeat("é", 64), wantErr: "is 128 bytes"},
		{name: "NUL", in: "a\x00b", wantErr: "U+0000 at byte 1 is not printable"},
		{name: "newline", in: "a\n-- name: evil", wantErr: "U+000A at byte 1 is not printable"},
		{name: "tab", in: "a\tb", wantErr: "U+0009"},
		{name: "no-break space", in: "a\u00a0b", wantErr: "U+00A0"},
		{name: "zero-width space", in: "a\u200bb", wantErr: "U+200B"},
		{name: "right-to-left override", in: "a\u202eb", wantErr: "U+202E"},
		{name: "invalid UTF-8", in: "a\xffb", wantErr: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := QuoteIdentifier(tt.in)
			checkQuoted(t, "QuoteIdentifier", tt.in, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestQuoteLiteral(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "plain", in: "arn:aws:iam::123456789012:role/r", want: `'arn:aws:iam::123456789012:role/r'`},
		{name: "empty", in: "", want: `''`},
		{name: "single quote is doubled", in: "it's", want: `'it''s'`},
		{name: "quote then terminator", in: "x'; DROP SCHEMA chatstream; --", want: `'x''; DROP SCHEMA chatstream; --'`},
		{name: "double quote needs no escaping", in: `a"b`, want: `'a"b'`},
		{name: "non-ASCII", in: "café", want: `'café'`},
		{name: "backslash", in: `a\'b`, wantErr: "backslash at byte 1"},
		{name: "trailing backslash", in: `ab\`, wantErr: "backslash at byte 2"},
		{name: "NUL", in: "a\x00", wantErr: "U+0000"},
		{name: "carriage return", in: "a\rb", wantErr: "U+000D"},
		{name: "invalid UTF-8", in: "\xc3", wantErr: "not valid UTF-8"},
		{name: "too long", in: strings.Repeat("a", 65536), wantErr: "65536 bytes is longer than 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := QuoteLiteral(tt.in)
			checkQuoted(t, "QuoteLiteral", tt.in, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestQuoteStreamName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "staging", in: "chat-events-staging", want: `"chat-events-staging"`},
		{name: "dots and underscores", in: "a.b_c-1", want: `"a.b_c-1"`},
		{name: "upper case is folded by Redshift", in: "Chat-Events", wantErr: `stream name "Chat-Events": use only a-z`},
		{name: "quote", in: `chat"events`, wantErr: "use only a-z"},
		{name: "semicolon", in: "chat;events", wantErr: "use only a-z"},
		{name: "space", in: "chat events", wantErr: "use only a-z"},
		{name: "empty", in: "", wantErr: `stream name ""`},
		{name: "longer than Redshift allows", in: strings.Repeat("a", 128), wantErr: "at most 127"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := QuoteStreamName(tt.in)
			checkQuoted(t, "QuoteStreamName", tt.in, got, err, tt.want, tt.wantErr)
		})
	}
}

func checkQuoted(t *testing.T, fn, in, got string, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s(%q) = %q, %v; want an error containing %q", fn, in, got, err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		t.Fatalf("%s(%q) = %q, %v; want %q, nil", fn, in, got, err, want)
	}
}

// FuzzQuoteIdentifier checks, for any input, that QuoteIdentifier either
// refuses it for a stated reason or returns a single delimited identifier
// that Redshift reads back as exactly the input.
func FuzzQuoteIdentifier(f *testing.F) {
	for _, seed := range []string{"chatstream", `a"b`, `x"; DROP TABLE t; --`, "é", "a\x00", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := QuoteIdentifier(in)
		refusable := in == "" || len(in) > maxIdentifierBytes || !allPrintable(in)
		if err != nil {
			if !refusable {
				t.Fatalf("QuoteIdentifier(%q) refused a valid name: %v", in, err)
			}
			return
		}
		if refusable {
			t.Fatalf("QuoteIdentifier(%q) = %q; want an error", in, got)
		}
		assertSingleToken(t, got, tokIdent, in)
	})
}

// FuzzQuoteLiteral checks, for any input, that QuoteLiteral either refuses it
// for a stated reason or returns a single string literal that Redshift reads
// back as exactly the input.
func FuzzQuoteLiteral(f *testing.F) {
	for _, seed := range []string{"arn:aws:iam::123456789012:role/r", "it's", `a\'b`, "'", "\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := QuoteLiteral(in)
		refusable := len(in) > maxLiteralBytes || !allPrintable(in) || strings.Contains(in, `\`)
		if err != nil {
			if !refusable {
				t.Fatalf("QuoteLiteral(%q) refused a valid value: %v", in, err)
			}
			return
		}
		if refusable {
			t.Fatalf("QuoteLiteral(%q) = %q; want an error", in, got)
		}
		assertSingleToken(t, got, tokString, in)
	})
}

func allPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// assertSingleToken checks that quoted, placed inside a statement, lexes as
// one token of kind whose value is want, with the statement around it intact.
func assertSingleToken(t *testing.T, quoted string, kind tokenKind, want string) {
	t.Helper()
	toks, err := lex("SELECT " + quoted + " FROM t")
	if err != nil {
		t.Fatalf("lex(%q): %v", quoted, err)
	}
	if len(toks) != 4 || toks[1].kind != kind || toks[1].text != quoted || toks[3].text != "t" {
		t.Fatalf("%q does not lex as one quoted token inside a statement: %+v", quoted, toks)
	}
	if got := unquote(toks[1]); got != want {
		t.Fatalf("%q reads back as %q, want %q", quoted, got, want)
	}
}
