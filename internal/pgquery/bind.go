package pgquery

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// bind rewrites the Data API's named parameters (":run_id" is
// params["run_id"]) as PostgreSQL's numbered ones ($1, $2, …) and returns
// their values in that order; a name used twice is one parameter. It skips
// what PostgreSQL does not read as SQL (string literals, quoted
// identifiers, dollar-quoted bodies, comments) and casts (x::INT). A
// parameter without a value, and a value no parameter uses, are errors.
func bind(sql string, params map[string]string) (string, []string, error) {
	var out strings.Builder
	var values []string
	number := map[string]int{}
	for i := 0; i < len(sql); {
		end, err := skipNonSQL(sql, i)
		if err != nil {
			return "", nil, err
		}
		if end > i {
			out.WriteString(sql[i:end])
			i = end
			continue
		}
		if strings.HasPrefix(sql[i:], "::") {
			out.WriteString("::")
			i += 2
			continue
		}
		if sql[i] == ':' && i+1 < len(sql) && isNameStart(sql[i+1]) {
			j := i + 1
			for j < len(sql) && isNameChar(sql[j]) {
				j++
			}
			name := sql[i+1 : j]
			n, seen := number[name]
			if !seen {
				v, ok := params[name]
				if !ok {
					return "", nil, fmt.Errorf("no value for parameter :%s", name)
				}
				values = append(values, v)
				n = len(values)
				number[name] = n
			}
			out.WriteString("$" + strconv.Itoa(n))
			i = j
			continue
		}
		out.WriteByte(sql[i])
		i++
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if _, used := number[name]; !used {
			return "", nil, fmt.Errorf("parameter %q is not in the statement", name)
		}
	}
	return out.String(), values, nil
}

// skipNonSQL returns where the literal, quoted identifier, dollar-quoted
// body or comment that starts at i ends, or i when none starts there.
func skipNonSQL(sql string, i int) (int, error) {
	rest := sql[i:]
	switch {
	case strings.HasPrefix(rest, "--"):
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			return i + nl + 1, nil
		}
		return len(sql), nil
	case strings.HasPrefix(rest, "/*"):
		// Block comments nest in PostgreSQL.
		depth := 0
		for j := i; j+1 < len(sql); j++ {
			switch sql[j : j+2] {
			case "/*":
				depth++
				j++
			case "*/":
				depth--
				j++
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated block comment at byte %d", i)
	case rest[0] == '\'':
		// An E'…' string reads backslash escapes; with
		// standard_conforming_strings, the default, no other string does.
		escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i == 1 || !isNameChar(sql[i-2]))
		return skipQuoted(sql, i, '\'', escapes)
	case rest[0] == '"':
		return skipQuoted(sql, i, '"', false)
	case rest[0] == '$':
		tag, ok := dollarTag(rest)
		if !ok {
			return i, nil
		}
		body := strings.Index(rest[len(tag):], tag)
		if body < 0 {
			return 0, fmt.Errorf("unterminated %s quote at byte %d", tag, i)
		}
		return i + len(tag) + body + len(tag), nil
	}
	return i, nil
}

// skipQuoted returns the end of the quoted text starting at i, where a
// doubled quote stands for one.
func skipQuoted(sql string, i int, quote byte, escapes bool) (int, error) {
	for j := i + 1; j < len(sql); j++ {
		switch {
		case escapes && sql[j] == '\\':
			j++
		case sql[j] == quote && j+1 < len(sql) && sql[j+1] == quote:
			j++
		case sql[j] == quote:
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated %c at byte %d", quote, i)
}

// dollarTag returns the $tag$ that s starts with. $1 is a parameter, not a
// tag.
func dollarTag(s string) (string, bool) {
	j := 1
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '$' && (j == 1 || isNameStart(s[1])) {
		return s[:j+1], true
	}
	return "", false
}

func isNameStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isNameChar(c byte) bool {
	return isNameStart(c) || ('0' <= c && c <= '9')
}
