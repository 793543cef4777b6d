package sql

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

//go:embed ddl/*.sql load/*.sql queries/*.sql smoke/*.sql local/*.sql
var files embed.FS

// Statement is one SQL statement and the name the runner reports it by.
type Statement struct {
	// Name identifies the statement in logs and errors, e.g. create_stream_view.
	Name string
	// SQL is the statement text without a trailing semicolon.
	SQL string
}

// maxStatementBytes is the Data API's limit for one statement.
const maxStatementBytes = 100 * 1024

// markerPattern starts a statement in a template. A rendered value can never
// forge one: names and literals with line breaks are refused.
var markerPattern = regexp.MustCompile(`^-- name: ([a-z][a-z0-9_]*)\s*$`)

// render executes one template file that needs no engine's functions, with
// already quoted values, and splits the result into its named statements.
func render(file string, data any) ([]Statement, error) {
	return renderWith(file, nil, data)
}

// renderWith is render with an engine's template functions.
func renderWith(file string, funcs template.FuncMap, data any) ([]Statement, error) {
	src, err := files.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", file, err)
	}
	tmpl, err := template.New(file).Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", file, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("render template %s: %w", file, err)
	}
	stmts, err := split(out.String())
	if err != nil {
		return nil, fmt.Errorf("split %s: %w", file, err)
	}
	return stmts, nil
}

// named holds rendered statements by name, for a renderer to pick the ones
// it returns.
type named map[string]Statement

// add indexes the statements file rendered; a name already there is an
// error, so that no file's statement silently replaces another's.
func (n named) add(file string, stmts []Statement) error {
	for _, s := range stmts {
		if _, dup := n[s.Name]; dup {
			return fmt.Errorf("statement %s is defined twice (again in %s)", s.Name, file)
		}
		n[s.Name] = s
	}
	return nil
}

// renderNamed renders each file with funcs and data, as renderWith does,
// and indexes the statements of all of them by name.
func renderNamed(funcs template.FuncMap, data any, files ...string) (named, error) {
	n := named{}
	for _, file := range files {
		stmts, err := renderWith(file, funcs, data)
		if err != nil {
			return nil, err
		}
		if err := n.add(file, stmts); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// pick returns the statements called names, in that order. source says
// where they should be, for the error when one is missing.
func (n named) pick(source string, names ...string) ([]Statement, error) {
	out := make([]Statement, 0, len(names))
	for _, name := range names {
		s, ok := n[name]
		if !ok {
			return nil, fmt.Errorf("%s has no statement named %s", source, name)
		}
		out = append(out, s)
	}
	return out, nil
}

// split cuts a script at its "-- name: x" lines. Text before the first marker
// may only be comments and blank lines.
func split(script string) ([]Statement, error) {
	var stmts []Statement
	var body []string
	flush := func() error {
		if len(stmts) == 0 {
			return nil
		}
		last := &stmts[len(stmts)-1]
		text := strings.TrimSpace(strings.Join(body, "\n"))
		text = strings.TrimSpace(strings.TrimSuffix(text, ";"))
		if text == "" {
			return fmt.Errorf("statement %s is empty", last.Name)
		}
		if len(text) > maxStatementBytes {
			return fmt.Errorf("statement %s is %d bytes; the Data API takes at most %d", last.Name, len(text), maxStatementBytes)
		}
		last.SQL = text
		return nil
	}
	for i, line := range strings.Split(script, "\n") {
		if m := markerPattern.FindStringSubmatch(line); m != nil {
			if err := flush(); err != nil {
				return nil, err
			}
			stmts = append(stmts, Statement{Name: m[1]})
			body = body[:0]
			continue
		}
		if len(stmts) == 0 {
			if trimmed := strings.TrimSpace(line); trimmed != "" && !strings.HasPrefix(trimmed, "--") {
				return nil, fmt.Errorf("line %d: SQL before the first %q marker", i+1, "-- name:")
			}
			continue
		}
		body = append(body, line)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("no %q marker", "-- name:")
	}
	return stmts, nil
}

// Format writes statements back as a script that split reads unchanged:
// a name marker, the statement, a semicolon.
func Format(stmts []Statement) string {
	var b strings.Builder
	for i, s := range stmts {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "-- name: %s\n%s;\n", s.Name, s.SQL)
	}
	return b.String()
}

// ParseScript reads a script Format wrote, or one written the same way,
// back into its statements.
func ParseScript(script string) ([]Statement, error) {
	return split(script)
}
