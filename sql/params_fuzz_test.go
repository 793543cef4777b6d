package sql

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shape is a statement with every quoted value replaced by its kind: what
// the statement does, whatever the names it acts on.
func shape(t *testing.T, s Statement) []string {
	t.Helper()
	toks, err := lex(s.SQL)
	if err != nil {
		t.Fatalf("statement %s does not lex: %v\n%s", s.Name, err, s.SQL)
	}
	out := make([]string, len(toks))
	for i, tok := range toks {
		switch tok.kind {
		case tokIdent:
			out[i] = "<identifier>"
		case tokString:
			out[i] = "<string>"
		default:
			out[i] = tok.text
		}
	}
	return out
}

// FuzzPlansKeepTheirShape checks, for any names, that every plan
// either refuses them, exactly when Validate does and without a partial
// plan, or renders the same statements as for staging, token for token
// outside quotes: a name can change what a quoted identifier says, never
// what a statement does.
func FuzzPlansKeepTheirShape(f *testing.F) {
	seeds := [][3]string{
		{"chat-events-staging", "kinesis", "chatstream"},
		{"chat-events-production", `x"; DROP TABLE users; --`, "événements"},
		{"chat-events-staging", "kinesis", "a\n-- name: evil"},
		{"chat-events-staging", "/* comment */", "it's"},
		{"Chat-Events", "kinesis", "ChatStream"},
		{"chat;events", "kinesis", "chatstream"},
		{"chat-events-staging", strings.Repeat("é", 63) + "a", "chatstream"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	plans := []struct {
		name string
		plan func(Params) ([]Statement, error)
	}{{"Apply", Apply}, {"ApplyFromViews", ApplyFromViews}, {"ApplyTables", ApplyTables}, {"SetAutoRefresh", SetAutoRefresh},
		{"Drop", Drop}, {"DropFromViews", DropFromViews}, {"Teardown", Teardown}, {"TeardownFromViews", TeardownFromViews}}
	base := Params{StreamName: "chat-events-staging", StreamSchema: "kinesis", Schema: "chatstream"}

	f.Fuzz(func(t *testing.T, stream, streamSchema, schema string) {
		p := Params{StreamName: stream, StreamSchema: streamSchema, Schema: schema}
		invalid := p.Validate()
		for _, pl := range plans {
			got, err := pl.plan(p)
			if (err == nil) != (invalid == nil) {
				t.Fatalf("%s(%+v) error = %v, but Validate() = %v", pl.name, p, err, invalid)
			}
			if err != nil {
				if got != nil {
					t.Fatalf("%s(%+v) returned %d statements with its error %v", pl.name, p, len(got), err)
				}
				continue
			}
			want, err := pl.plan(base)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s(%+v) has %d statements, staging has %d", pl.name, p, len(got), len(want))
			}
			for i := range got {
				if got[i].Name != want[i].Name {
					t.Errorf("%s(%+v) statement %d is %s, staging's is %s", pl.name, p, i, got[i].Name, want[i].Name)
				}
				assertOneStatement(t, got[i])
				if diff := cmp.Diff(shape(t, want[i]), shape(t, got[i])); diff != "" {
					t.Errorf("%s(%+v) statement %s changed shape (-staging +got):\n%s", pl.name, p, got[i].Name, diff)
				}
			}
		}
	})
}
