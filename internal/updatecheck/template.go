package updatecheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Template is the part of a CloudFormation template the rules read: its
// resources by logical id.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one resource of a template.
type Resource struct {
	// Type is the resource type, such as AWS::RedshiftServerless::Workgroup.
	Type string `json:"Type"`
	// Properties are the resource's properties as JSON decodes them.
	Properties map[string]any `json:"Properties"`
}

// Parse reads a template in JSON, the form the CDK synthesizes and
// CloudFormation's GetTemplate returns for it.
func Parse(data []byte) (Template, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return Template{}, fmt.Errorf("parse template as JSON: %w", err)
	}
	if len(t.Resources) == 0 {
		return Template{}, fmt.Errorf("the template has no Resources")
	}
	return t, nil
}

// ofType returns the logical ids of the resources of type typ, sorted.
func (t Template) ofType(typ string) []string {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		if t.Resources[id].Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// pair is one resource as it is and as it will be.
type pair struct {
	baseID, nextID string
	base, next     Resource
}

// pairs matches the resources of type typ in base and next. The stacks
// hold one resource of each type the rules read, so a type matches its one
// resource even when its logical id changed; with several on a side, ids
// match ids. A resource only on one side (created or deleted) has no pair.
func pairs(base, next Template, typ string) []pair {
	b, n := base.ofType(typ), next.ofType(typ)
	if len(b) == 1 && len(n) == 1 {
		return []pair{{b[0], n[0], base.Resources[b[0]], next.Resources[n[0]]}}
	}
	var out []pair
	for _, id := range b {
		if slices.Contains(n, id) {
			out = append(out, pair{id, id, base.Resources[id], next.Resources[id]})
		}
	}
	return out
}
