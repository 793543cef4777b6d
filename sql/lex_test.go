package sql

import (
	"fmt"
	"strings"
)

// tokenKind classifies what lex found.
type tokenKind int

const (
	tokOther   tokenKind = iota // keywords, operators, punctuation, numbers
	tokIdent                    // "delimited identifier"
	tokString                   // 'string literal'
	tokComment                  // -- line or /* block */ comment
	tokSemicolon
)

type token struct {
	kind tokenKind
	text string // raw text, quotes included
}

// lex splits SQL the way Redshift's parser sees quoting: it is the
// independent oracle the quoting tests compare against. Inside a string
// literal a backslash escapes the next character, as Redshift treats it;
// $$ ... $$ quotes a procedure's body, as CREATE PROCEDURE writes it.
// Whitespace is dropped.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "--"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			toks = append(toks, token{tokComment, src[i : i+end]})
			i += end
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated block comment at byte %d", i)
			}
			toks = append(toks, token{tokComment, src[i : i+2+end+2]})
			i += 2 + end + 2
		case strings.HasPrefix(src[i:], "$$"):
			end := strings.Index(src[i+2:], "$$")
			if end < 0 {
				return nil, fmt.Errorf("unterminated $$ at byte %d", i)
			}
			toks = append(toks, token{tokString, src[i : i+2+end+2]})
			i += 2 + end + 2
		case c == '"' || c == '\'':
			j := i + 1
			for {
				if j >= len(src) {
					return nil, fmt.Errorf("unterminated %c at byte %d", c, i)
				}
				if c == '\'' && src[j] == '\\' {
					j += 2
					continue
				}
				if src[j] == c {
					if j+1 < len(src) && src[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			kind := tokIdent
			if c == '\'' {
				kind = tokString
			}
			toks = append(toks, token{kind, src[i : j+1]})
			i = j + 1
		case c == ';':
			toks = append(toks, token{tokSemicolon, ";"})
			i++
		default:
			j := i + 1
			for j < len(src) && !strings.ContainsRune(" \t\r\n;'\"", rune(src[j])) &&
				!strings.HasPrefix(src[j:], "--") && !strings.HasPrefix(src[j:], "/*") && !strings.HasPrefix(src[j:], "$$") {
				j++
			}
			toks = append(toks, token{tokOther, src[i:j]})
			i = j
		}
	}
	return toks, nil
}

// unquote returns the value of a quoted token: the outer quotes removed and
// doubled quotes made single.
func unquote(t token) string {
	q := t.text[:1]
	return strings.ReplaceAll(t.text[1:len(t.text)-1], q+q, q)
}
