package sql

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Hashes fingerprints the rendered DDL, one hash per part that can be
// applied on its own. A custom resource carries them as properties so that
// CloudFormation sends an Update exactly when the SQL changes, and the runner
// can tell whether the materialized view must be rebuilt or only the tables
// and grants applied. The mode is left out: switching it alters the view in
// place. Comments and the amount of whitespace are left out too, so editing
// a comment or reflowing a statement changes neither hash.
type Hashes struct {
	// Stream covers the schemas and the materialized view.
	Stream string
	// Tables covers the tables and the analyst role's grants.
	Tables string
}

// Hash returns the fingerprints of the Redshift DDL rendered with p,
// whatever p's engine and mode.
func Hash(p Params) (Hashes, error) {
	p.Engine, p.Mode = Redshift, Realtime
	byFile, err := renderDDL(p)
	if err != nil {
		return Hashes{}, err
	}
	return Hashes{
		Stream: digest(byFile[schemaFile], byFile[streamFile]),
		Tables: digest(byFile[tablesFile], byFile[accessFile]),
	}, nil
}

// digest hashes what the statements do: their SQL with comments and
// whitespace normalized, in order. Statement names are labels for logs and
// take no part.
func digest(parts ...[]Statement) string {
	h := sha256.New()
	for _, stmts := range parts {
		for _, s := range stmts {
			// Normalized SQL never holds a NUL (names with one are refused
			// and the templates have none), so the framing is unambiguous.
			h.Write([]byte(normalize(s.SQL)))
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// normalize returns sql without its comments and with every run of
// whitespace outside quotes made one space, trimmed: two texts that differ
// only there normalize alike. Quoted identifiers and string literals are
// kept byte for byte, with Redshift's quoting: a doubled quote stays inside,
// and in a string literal a backslash escapes the next character. Block
// comments nest, as in PostgreSQL. Unterminated quotes or comments run to
// the end, so normalize never fails; such SQL fails when it runs.
func normalize(sql string) string {
	var b strings.Builder
	space := false // whitespace or a comment since the last token
	emit := func(s string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(s)
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			space = true
			i++
		case strings.HasPrefix(sql[i:], "--"):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			space = true
			i += end
		case strings.HasPrefix(sql[i:], "/*"):
			depth, j := 1, i+2
			for j < len(sql) && depth > 0 {
				switch {
				case strings.HasPrefix(sql[j:], "/*"):
					depth, j = depth+1, j+2
				case strings.HasPrefix(sql[j:], "*/"):
					depth, j = depth-1, j+2
				default:
					j++
				}
			}
			space = true
			i = j
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if c == '\'' && sql[j] == '\\' {
					j += 2
					continue
				}
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(sql))
			emit(sql[i:end])
			i = end
		default:
			j := i + 1
			for j < len(sql) && !strings.ContainsRune(" \t\n\r\f\v'\"", rune(sql[j])) &&
				!strings.HasPrefix(sql[j:], "--") && !strings.HasPrefix(sql[j:], "/*") {
				j++
			}
			emit(sql[i:j])
			i = j
		}
	}
	return b.String()
}
