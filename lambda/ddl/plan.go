package ddl

import (
	"fmt"

	"github.com/aws/aws-lambda-go/cfn"
	chatsql "github.com/chatstream/chatstream/sql"
)

// plan is what one custom-resource request does. It is a pure function of
// the event, so isComplete, which receives the same event on every poll,
// recomputes exactly what onEvent planned.
type plan struct {
	// target says where the statements run.
	target Properties
	// physicalID identifies the database objects: a new one on Update makes
	// CloudFormation delete the old resource, with the old properties.
	physicalID string
	stmts      []chatsql.Statement
	// data is returned to CloudFormation once the statements finished.
	data map[string]any
}

// oldPrefix marks, in logs and errors, statements that remove the objects
// an Update renamed.
const oldPrefix = "old_"

func newPlan(e cfn.Event) (plan, error) {
	props, err := parseProperties(e.ResourceProperties)
	if err != nil {
		return plan{}, err
	}
	p := plan{target: props, physicalID: physicalID(props)}
	switch e.RequestType {
	case cfn.RequestCreate:
		p.stmts, err = chatsql.Apply(props.Params)
	case cfn.RequestUpdate:
		p.stmts, err = updateStatements(e, props)
	case cfn.RequestDelete:
		// Deleting must keep the physical ID, and CloudFormation sends the
		// properties the resource was last applied with.
		p.physicalID = e.PhysicalResourceID
		if !props.RetainOnDelete {
			p.stmts, err = teardown(props.Params)
		}
	default:
		return plan{}, fmt.Errorf("request type %q: want Create, Update or Delete", e.RequestType)
	}
	if err != nil {
		return plan{}, err
	}
	if e.RequestType != cfn.RequestDelete {
		schema, err := chatsql.QuoteIdentifier(props.Params.Schema)
		if err != nil {
			return plan{}, fmt.Errorf("property %s: %w", propSchema, err)
		}
		// The typed view's qualified name, ready to paste into SQL.
		p.data = map[string]any{"EventsView": schema + "." + chatsql.EventsView}
	}
	return p, nil
}

// physicalID names the database the objects live in. Renaming the stream or
// a schema is handled inside one resource (see updateStatements); moving to
// another workgroup or database replaces it.
func physicalID(p Properties) string {
	return p.WorkgroupName + "/" + p.Database
}

func updateStatements(e cfn.Event, cur Properties) ([]chatsql.Statement, error) {
	old, err := parseProperties(e.OldResourceProperties)
	if err != nil {
		return nil, fmt.Errorf("old %w", err)
	}
	if physicalID(old) != physicalID(cur) {
		// A new database: build everything there. CloudFormation then
		// deletes the old resource, which tears down the old objects.
		return chatsql.Apply(cur.Params)
	}
	renamed := old.Params.StreamName != cur.Params.StreamName ||
		old.Params.StreamSchema != cur.Params.StreamSchema ||
		old.Params.Schema != cur.Params.Schema
	streamChanged := renamed ||
		old.Params.RoleARN != cur.Params.RoleARN ||
		old.Hashes.Stream != cur.Hashes.Stream
	switch {
	case streamChanged:
		var stmts []chatsql.Statement
		if renamed && !cur.RetainOnDelete {
			if stmts, err = oldObjects(old.Params, cur.Params); err != nil {
				return nil, fmt.Errorf("old properties: %w", err)
			}
		}
		apply, err := chatsql.Apply(cur.Params)
		if err != nil {
			return nil, err
		}
		return append(stmts, apply...), nil
	case old.Hashes.Views != cur.Hashes.Views:
		// The materialized view stays, and with it every row already read.
		return chatsql.ApplyViews(cur.Params)
	default:
		// Only the secret or the retention changed: nothing to run.
		return nil, nil
	}
}

// oldObjects drops what the old names created, so a rename leaves nothing
// behind that refreshes (and bills) on its own.
func oldObjects(old, cur chatsql.Params) ([]chatsql.Statement, error) {
	stmts, err := chatsql.Drop(old)
	if err != nil {
		return nil, err
	}
	if old.Schema != cur.Schema {
		s, err := chatsql.DropSchema(old)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, s...)
	}
	for i := range stmts {
		stmts[i].Name = oldPrefix + stmts[i].Name
	}
	return stmts, nil
}

func teardown(p chatsql.Params) ([]chatsql.Statement, error) {
	stmts, err := chatsql.Drop(p)
	if err != nil {
		return nil, err
	}
	schema, err := chatsql.DropSchema(p)
	if err != nil {
		return nil, err
	}
	return append(stmts, schema...), nil
}
