package updatecheck

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Options change what Check accepts.
type Options struct {
	// AllowRebuild accepts an update that drops and recreates the streaming
	// materialized view; the finding still says what that loses.
	AllowRebuild bool
}

// Finding is one thing an update would do that the check reports.
type Finding struct {
	// Rule names the rule that found it.
	Rule string
	// Resource is the resource's logical id in the new template.
	Resource string
	// Message says what changes, why CloudFormation cannot apply it safely,
	// and what to do instead.
	Message string
	// Allowed is true when Options accept it; Message then says what it
	// costs.
	Allowed bool
}

// Report is what Check found.
type Report struct {
	Findings []Finding
}

// Refused reports whether any finding stops the update.
func (r Report) Refused() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return !f.Allowed })
}

// rule checks one kind of update CloudFormation cannot apply safely.
type rule struct {
	name  string
	check func(base, next Template, opts Options) []Finding
}

// rules are the checks, in the order their findings are reported. A rule
// reads its own table below, so a new resource, setting or trigger is a new
// row, not new code.
func rules() []rule {
	return []rule{
		{"create-only name", createOnlyNames},
		{"one setting per update", oneSettingPerUpdate},
		{"streaming view rebuild", streamingViewRebuild},
	}
}

// Check compares base, the template deployed now, with next, the one about
// to be deployed.
func Check(base, next Template, opts Options) Report {
	var r Report
	for _, rl := range rules() {
		for _, f := range rl.check(base, next, opts) {
			f.Rule = rl.name
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

// createOnlyName is a property that names a resource and cannot change once
// the resource exists, and why changing it cannot deploy.
type createOnlyName struct {
	typ, property string
	// setting is the cdk.json key that sets it.
	setting string
	what    string
	why     string
}

// createOnlyNameTable lists the names the stack fixes. CloudFormation replaces a
// resource whose create-only property changes, creating the new one before
// deleting the old; the AWS::RedshiftServerless::Workgroup, ::Namespace and
// AWS::Kinesis::Stream resource references mark these properties
// create-only.
func createOnlyNameTable() []createOnlyName {
	const namespaceHoldsOne = "a namespace holds one workgroup, so the new workgroup cannot be created next to the old one"
	return []createOnlyName{
		{"AWS::RedshiftServerless::Workgroup", "WorkgroupName", "warehouse.workgroupName", "workgroup name", namespaceHoldsOne},
		{"AWS::RedshiftServerless::Workgroup", "NamespaceName", "warehouse.namespaceName", "workgroup's namespace", namespaceHoldsOne},
		{"AWS::RedshiftServerless::Namespace", "NamespaceName", "warehouse.namespaceName", "namespace name",
			"the replacement is a new, empty namespace: the data in the old one stays behind (retained) or is deleted with it"},
		{"AWS::RedshiftServerless::Namespace", "DbName", "warehouse.databaseName", "database name",
			"the database is the namespace's first database, so the namespace would be replaced, with its data"},
		{"AWS::Kinesis::Stream", "Name", "stream.name", "stream name",
			"the replacement is a new, empty stream, and the streaming view would re-read it from scratch"},
	}
}

func createOnlyNames(base, next Template, _ Options) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, n := range createOnlyNameTable() {
		for _, p := range pairs(base, next, n.typ) {
			before, after := p.base.Properties[n.property], p.next.Properties[n.property]
			if !reflect.DeepEqual(before, after) {
				out = append(out, Finding{Resource: p.nextID, Message: fmt.Sprintf(
					"the %s changes from %s to %s (%s): it is create-only, so CloudFormation would replace the %s, and %s. Keep the name; to use another, deploy a new environment",
					n.what, show(before), show(after), n.setting, kind(n.typ), n.why)})
			}
			if p.baseID != p.nextID && !seen[p.nextID] {
				seen[p.nextID] = true
				out = append(out, Finding{Resource: p.nextID, Message: fmt.Sprintf(
					"the %s's logical id changes from %s to %s: CloudFormation would create the new one before deleting the old, and both carry the same fixed names. Keep the construct id",
					kind(n.typ), p.baseID, p.nextID)})
			}
		}
	}
	return out
}

// updateAPI is a resource whose update CloudFormation's handler sends as one
// API call, which refuses more than one changed setting.
type updateAPI struct {
	typ, api string
	// settings maps each property to the cdk.json key that sets it.
	settings map[string]string
	// ignored are properties that are no setting of the call: tags, which
	// have their own API, and the create-only names of createOnlyNameTable.
	ignored []string
}

// updateAPITable lists them. Redshift Serverless's UpdateWorkgroup and
// UpdateNamespace accept one changed setting per call (Amazon Redshift
// Serverless API Reference), and CloudFormation's handler sends every
// changed property in one call, so two changes in one deploy fail halfway.
func updateAPITable() []updateAPI {
	return []updateAPI{
		{
			typ: "AWS::RedshiftServerless::Workgroup", api: "UpdateWorkgroup",
			settings: map[string]string{
				"BaseCapacity": "warehouse.baseCapacity", "MaxCapacity": "warehouse.maxCapacity",
				"EnhancedVpcRouting": "warehouse.enhancedVpcRouting", "PubliclyAccessible": "warehouse.publiclyAccessible",
				"Port": "warehouse.port", "ConfigParameters": "warehouse.logExports (user activity logging)",
				"SubnetIds": "network", "SecurityGroupIds": "network",
			},
			ignored: []string{"Tags", "WorkgroupName", "NamespaceName"},
		},
		{
			typ: "AWS::RedshiftServerless::Namespace", api: "UpdateNamespace",
			settings: map[string]string{
				"LogExports": "warehouse.logExports", "IamRoles": "the streaming role", "DefaultIamRoleArn": "the streaming role",
				"AdminUsername": "warehouse.adminUsername", "ManageAdminPassword": "the admin password",
			},
			ignored: []string{"Tags", "NamespaceName", "DbName"},
		},
	}
}

// change is one property that differs.
type change struct {
	property    string
	before, now any
}

func oneSettingPerUpdate(base, next Template, _ Options) []Finding {
	var out []Finding
	for _, u := range updateAPITable() {
		for _, p := range pairs(base, next, u.typ) {
			var changes []change
			for _, prop := range propertyNames(p.base.Properties, p.next.Properties) {
				before, now := p.base.Properties[prop], p.next.Properties[prop]
				if !slices.Contains(u.ignored, prop) && !reflect.DeepEqual(before, now) {
					changes = append(changes, change{prop, before, now})
				}
			}
			if len(changes) < 2 {
				continue
			}
			var steps []string
			for i, c := range splitOrder(changes) {
				setting := u.settings[c.property]
				if setting == "" {
					setting = "a property no setting names"
				}
				steps = append(steps, fmt.Sprintf("%d. %s (%s), deploy", i+1, describe(c), setting))
			}
			out = append(out, Finding{Resource: p.nextID, Message: fmt.Sprintf(
				"%d settings of the %s change in one deploy, but %s takes one changed setting per call and CloudFormation sends them together, so the update would fail halfway. Deploy them one at a time, in this order: %s",
				len(changes), kind(u.typ), u.api, strings.Join(steps, "; "))})
		}
	}
	return out
}

// splitOrder orders changes so that each step deploys on its own. The base
// capacity may never exceed the maximum: raising both, the maximum goes
// first; lowering both, the base. Everything else keeps its name's order.
func splitOrder(changes []change) []change {
	out := slices.Clone(changes)
	rank := func(c change) int {
		switch c.property {
		case "MaxCapacity":
			if lowered(c) {
				return 1
			}
			return 0
		case "BaseCapacity":
			if lowered(c) {
				return 0
			}
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b change) int { return rank(a) - rank(b) })
	return out
}

// lowered reports whether a numeric change goes down.
func lowered(c change) bool {
	before, ok1 := c.before.(float64)
	now, ok2 := c.now.(float64)
	return ok1 && ok2 && now < before
}

// describe says what one step does, such as "raise MaxCapacity from 16 to 32".
func describe(c change) string {
	switch {
	case c.before == nil:
		return fmt.Sprintf("set %s to %s", c.property, show(c.now))
	case c.now == nil:
		return fmt.Sprintf("remove %s (now %s)", c.property, show(c.before))
	}
	before, ok1 := c.before.(float64)
	now, ok2 := c.now.(float64)
	if ok1 && ok2 && strings.HasSuffix(c.property, "Capacity") {
		verb := "raise"
		if now < before {
			verb = "lower"
		}
		return fmt.Sprintf("%s %s from %s to %s", verb, c.property, show(c.before), show(c.now))
	}
	return fmt.Sprintf("change %s from %s to %s", c.property, show(c.before), show(c.now))
}

// rebuildTrigger is a custom resource whose runner drops and recreates the
// streaming materialized view when one of these properties changes.
type rebuildTrigger struct {
	typ        string
	properties []string
}

// rebuildTriggerTable lists them: lambda/ddl rebuilds the view when the
// stream DDL's hash, the stream or a schema changes (its updateStatements).
// A materialized view cannot be altered, only dropped and recreated, and a
// new streaming view reads the stream from its oldest record ("Streaming
// ingestion to a materialized view", Amazon Redshift Database Developer
// Guide).
func rebuildTriggerTable() []rebuildTrigger {
	return []rebuildTrigger{
		{typ: "Custom::IngestionDdl", properties: []string{"StreamSqlHash", "StreamName", "StreamSchema", "Schema"}},
	}
}

func streamingViewRebuild(base, next Template, opts Options) []Finding {
	var out []Finding
	for _, t := range rebuildTriggerTable() {
		for _, p := range pairs(base, next, t.typ) {
			var changed []string
			for _, prop := range t.properties {
				if !reflect.DeepEqual(p.base.Properties[prop], p.next.Properties[prop]) {
					changed = append(changed, prop)
				}
			}
			if len(changed) == 0 {
				continue
			}
			loss := fmt.Sprintf("the deploy drops and recreates the streaming materialized view (%s changed), and the new view reads stream %s again from its oldest record, "+
				"up to %s of records for the next load to move and skip as duplicates; rows the old view held that no load had moved yet are lost once the stream no longer holds them",
				strings.Join(changed, ", "), show(p.next.Properties["StreamName"]), retention(next))
			if before, now := p.base.Properties["Schema"], p.next.Properties["Schema"]; !reflect.DeepEqual(before, now) {
				loss += fmt.Sprintf("; schema %s becomes %s, whose new tables start with what the stream still holds while the history stays in %s's tables, which the loader and the queries no longer read",
					show(before), show(now), show(before))
			}
			if opts.AllowRebuild {
				out = append(out, Finding{Resource: p.nextID, Allowed: true, Message: "allowed by ALLOW_REBUILD=1: " + loss})
				continue
			}
			out = append(out, Finding{Resource: p.nextID, Message: loss + ". Deploy with ALLOW_REBUILD=1 to accept that"})
		}
	}
	return out
}

// retention says how long the next template's stream keeps records.
func retention(t Template) string {
	for _, id := range t.ofType("AWS::Kinesis::Stream") {
		if h, ok := t.Resources[id].Properties["RetentionPeriodHours"].(float64); ok {
			return fmt.Sprintf("%g hours", h)
		}
	}
	// Kinesis's default retention.
	return "24 hours"
}

// propertyNames returns the property names of both sides, sorted.
func propertyNames(a, b map[string]any) []string {
	var names []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return names
}

// kind names a resource type the way a person says it.
func kind(typ string) string {
	switch typ {
	case "AWS::RedshiftServerless::Workgroup":
		return "workgroup"
	case "AWS::RedshiftServerless::Namespace":
		return "namespace"
	case "AWS::Kinesis::Stream":
		return "stream"
	}
	return typ
}

// show renders a template value compactly, as JSON.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 120
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
