package sql

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIdentifierBytes is Redshift's limit for a name, quotes not counted.
const maxIdentifierBytes = 127

// maxLiteralBytes bounds a string literal to Redshift's longest VARCHAR.
const maxLiteralBytes = 65535

// QuoteIdentifier returns name as a Redshift delimited identifier: wrapped in
// double quotes, with every double quote inside doubled.
//
// It refuses what Redshift would reject or silently change: an empty name, a
// name longer than 127 bytes, invalid UTF-8, and characters that are not
// printable (control characters such as NUL or newline, and invisible ones
// such as U+00A0 or U+200B). Quoting makes everything else inert: semicolons,
// comment markers and quotes cannot end the identifier.
//
// Redshift folds ASCII letters in delimited identifiers to lower case unless
// enable_case_sensitive_identifier is set, so "Chat" and "chat" name the same
// object.
func QuoteIdentifier(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("identifier is empty")
	}
	if len(name) > maxIdentifierBytes {
		return "", fmt.Errorf("identifier %q is %d bytes; Redshift allows at most %d", name, len(name), maxIdentifierBytes)
	}
	if err := checkPrintable(name); err != nil {
		return "", fmt.Errorf("identifier %q: %w", name, err)
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, nil
}

// QuoteLiteral returns s as a Redshift string literal: wrapped in single
// quotes, with every single quote inside doubled.
//
// Redshift reads a backslash in a string literal as the start of an escape
// sequence, so a value with a backslash is refused rather than guessed at,
// as are invalid UTF-8, characters that are not printable, and values longer
// than 65535 bytes.
func QuoteLiteral(s string) (string, error) {
	if len(s) > maxLiteralBytes {
		return "", fmt.Errorf("string literal of %d bytes is longer than %d", len(s), maxLiteralBytes)
	}
	if err := checkPrintable(s); err != nil {
		return "", fmt.Errorf("string literal %q: %w", s, err)
	}
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		return "", fmt.Errorf("string literal %q: backslash at byte %d is an escape character in Redshift", s, i)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

func checkPrintable(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for i, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("character %U at byte %d is not printable", r, i)
		}
	}
	return nil
}

// streamNamePattern is Kinesis's stream-name alphabet without upper case:
// Redshift folds a quoted identifier to lower case, so a stream named with
// capitals could never be found.
var streamNamePattern = regexp.MustCompile(`^[a-z0-9_.-]+$`)

// QuoteStreamName validates a Kinesis stream name and returns it quoted.
func QuoteStreamName(name string) (string, error) {
	if !streamNamePattern.MatchString(name) {
		return "", fmt.Errorf("stream name %q: use only a-z, 0-9, '_', '.' and '-' (Redshift folds quoted names to lower case)", name)
	}
	return QuoteIdentifier(name)
}
