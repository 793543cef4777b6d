package updatecheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/golden"
	"github.com/google/go-cmp/cmp"
)

// base returns the fixture template, parsed afresh so that each case may
// change it.
func base(t *testing.T) Template {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "base.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// set changes one property of resource id in t.
func set(t Template, id, property string, value any) {
	t.Resources[id].Properties[property] = value
}

const (
	workgroup = "WarehouseWorkgroup507BB996"
	namespace = "WarehouseNamespace78ED5B58"
	stream    = "Stream790BDEE4"
	ddl       = "Ingestion47A52C70"
	onEvent   = "IngestionOnEvent814DC9BD"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t Template)
		opts  Options
		rules []string // the rules of the findings, in order
		// refused says whether the update is stopped.
		refused bool
	}{
		{name: "nothing changes", edit: func(Template) {}},
		{
			// Editing a comment in sql/ddl changes the sqlrunner binary, so its asset, but not the
			// normalized SQL hashes.
			name: "comment-only change to the DDL",
			edit: func(t Template) {
				set(t, onEvent, "Code", map[string]any{"S3Bucket": "b", "S3Key": "0000000000000000000000000000000000000000000000000000000000000000.zip"})
			},
		},
		{name: "one setting", edit: func(t Template) { set(t, workgroup, "MaxCapacity", 32.0) }},
		{name: "tables only", edit: func(t Template) { set(t, ddl, "TableSqlHash", strings.Repeat("ab", 32)) }},
		{
			// The runner alters AUTO REFRESH in place: the view keeps its rows and its stream position.
			name: "mode switch to realtime: an ordinary update",
			edit: func(t Template) { set(t, ddl, "Mode", "realtime") },
		},
		{
			name: "mode switch with the tables' SQL: still no rebuild",
			edit: func(t Template) {
				set(t, ddl, "Mode", "realtime")
				set(t, ddl, "TableSqlHash", strings.Repeat("ab", 32))
			},
		},
		{
			name: "mode switch with a change to the view's SQL: the rebuild is refused",
			edit: func(t Template) {
				set(t, ddl, "Mode", "realtime")
				set(t, ddl, "StreamSqlHash", strings.Repeat("cd", 32))
			},
			rules: []string{"streaming view rebuild"}, refused: true,
		},
		{
			name:  "two workgroup settings, raised",
			edit:  func(t Template) { set(t, workgroup, "BaseCapacity", 16.0); set(t, workgroup, "MaxCapacity", 32.0) },
			rules: []string{"one setting per update"}, refused: true,
		},
		{
			name:  "the maximum lowered to the base: one setting",
			edit:  func(t Template) { set(t, workgroup, "BaseCapacity", 8.0); set(t, workgroup, "MaxCapacity", 8.0) },
			rules: nil,
		},
		{
			name: "two namespace settings",
			edit: func(t Template) {
				set(t, namespace, "LogExports", []any{"connectionlog"})
				set(t, namespace, "IamRoles", []any{"arn:aws:iam::123456789012:role/other"})
			},
			rules: []string{"one setting per update"}, refused: true,
		},
		{
			name:  "workgroup renamed",
			edit:  func(t Template) { set(t, workgroup, "WorkgroupName", "chatstream-staging-2") },
			rules: []string{"create-only name"}, refused: true,
		},
		{
			name: "stream renamed",
			edit: func(t Template) {
				set(t, stream, "Name", "chat-events-staging-2")
				set(t, ddl, "StreamName", "chat-events-staging-2")
			},
			rules: []string{"create-only name", "streaming view rebuild"}, refused: true,
		},
		{
			name: "database renamed",
			edit: func(t Template) {
				set(t, namespace, "DbName", "analytics")
				set(t, ddl, "Database", "analytics")
			},
			rules: []string{"create-only name"}, refused: true,
		},
		{
			name: "namespace's logical id changed",
			edit: func(t Template) {
				t.Resources["WarehouseNamespaceV2"] = t.Resources[namespace]
				delete(t.Resources, namespace)
			},
			rules: []string{"create-only name"}, refused: true,
		},
		{
			name:  "view rebuild",
			edit:  func(t Template) { set(t, ddl, "StreamSqlHash", strings.Repeat("cd", 32)) },
			rules: []string{"streaming view rebuild"}, refused: true,
		},
		{
			name:  "view rebuild allowed",
			edit:  func(t Template) { set(t, ddl, "StreamSqlHash", strings.Repeat("cd", 32)) },
			opts:  Options{AllowRebuild: true},
			rules: []string{"streaming view rebuild"}, refused: false,
		},
		{
			name:  "schema renamed",
			edit:  func(t Template) { set(t, ddl, "Schema", "analytics") },
			rules: []string{"streaming view rebuild"}, refused: true,
		},
		{
			name:  "new resource in the next template",
			edit:  func(t Template) { t.Resources["NewQueue"] = Resource{Type: "AWS::SQS::Queue"} },
			rules: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the deployed template and the next one, which the case edits
			deployed, next := base(t), base(t)
			tt.edit(next)
			// WHEN the update is checked
			r := Check(deployed, next, tt.opts)
			// THEN it finds what the case expects, and stops the update exactly when it must
			var rules []string
			for _, f := range r.Findings {
				rules = append(rules, f.Rule)
			}
			if diff := cmp.Diff(tt.rules, rules); diff != "" {
				t.Errorf("rules of the findings (-want +got):\n%s\nfindings: %+v", diff, r.Findings)
			}
			if r.Refused() != tt.refused {
				t.Errorf("Refused() = %v, want %v: %+v", r.Refused(), tt.refused, r.Findings)
			}
		})
	}
}

func TestFindingsSayWhatToDo(t *testing.T) {
	// The messages are the product: a golden file pins them, one case per rule and order.
	cases := []struct {
		name string
		edit func(t Template)
		opts Options
	}{
		{"raise both capacities", func(t Template) { set(t, workgroup, "BaseCapacity", 16.0); set(t, workgroup, "MaxCapacity", 32.0) }, Options{}},
		{"lower both capacities", func(t Template) {
			set(t, workgroup, "BaseCapacity", 8.0)
			set(t, workgroup, "MaxCapacity", 16.0)
		}, Options{}},
		{"routing and port", func(t Template) {
			set(t, workgroup, "EnhancedVpcRouting", false)
			set(t, workgroup, "Port", 5440.0)
		}, Options{}},
		{"rename the workgroup", func(t Template) { set(t, workgroup, "WorkgroupName", "chatstream-staging-2") }, Options{}},
		{"rename the stream", func(t Template) {
			set(t, stream, "Name", "chat-events-staging-2")
			set(t, ddl, "StreamName", "chat-events-staging-2")
		}, Options{}},
		{"rebuild the view", func(t Template) { set(t, ddl, "StreamSqlHash", strings.Repeat("cd", 32)) }, Options{}},
		{"rebuild the view, allowed", func(t Template) { set(t, ddl, "StreamSqlHash", strings.Repeat("cd", 32)) }, Options{AllowRebuild: true}},
		{"rename the schema", func(t Template) { set(t, ddl, "Schema", "analytics") }, Options{}},
	}
	var b strings.Builder
	for _, c := range cases {
		deployed, next := base(t), base(t)
		if c.name == "lower both capacities" {
			set(deployed, workgroup, "BaseCapacity", 16.0)
			set(deployed, workgroup, "MaxCapacity", 32.0)
		}
		c.edit(next)
		b.WriteString("== " + c.name + "\n")
		for _, f := range Check(deployed, next, c.opts).Findings {
			b.WriteString(f.Rule + " " + f.Resource + ": " + f.Message + "\n")
		}
	}
	golden.Check(t, "testdata/findings.golden", b.String())
}

func TestSplitOrderKeepsBaseAtMostMax(t *testing.T) {
	tests := []struct {
		name      string
		base, max [2]float64 // before, after
		want      []string   // nil: any order whose steps are valid
	}{
		{name: "raise both", base: [2]float64{8, 16}, max: [2]float64{16, 32}, want: []string{"MaxCapacity", "BaseCapacity"}},
		{name: "lower both", base: [2]float64{16, 8}, max: [2]float64{32, 16}, want: []string{"BaseCapacity", "MaxCapacity"}},
		// Either order is valid here; the loop checks each step.
		{name: "raise base, lower max", base: [2]float64{8, 16}, max: [2]float64{64, 32}},
		{name: "lower base, raise max", base: [2]float64{16, 8}, max: [2]float64{16, 32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes := []change{{"BaseCapacity", tt.base[0], tt.base[1]}, {"MaxCapacity", tt.max[0], tt.max[1]}}
			var got []string
			base, max := tt.base[0], tt.max[0]
			for _, c := range splitOrder(changes) {
				got = append(got, c.property)
				if c.property == "BaseCapacity" {
					base = c.now.(float64)
				} else {
					max = c.now.(float64)
				}
				// Every intermediate deploy must itself be valid.
				if base > max {
					t.Errorf("after %s, base %g exceeds max %g", c.property, base, max)
				}
			}
			if diff := cmp.Diff(tt.want, got); tt.want != nil && diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{"Resources:\n  A: {}", `{"Resources": {}}`, `[]`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want one", in)
		}
	}
	if _, err := Parse([]byte(`{"Resources": {"A": {"Type": "AWS::SQS::Queue"}}}`)); err != nil {
		t.Errorf("Parse(one queue) = %v, want nil", err)
	}
}
