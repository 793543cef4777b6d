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
	// target says where the statements run: its WorkgroupName, Database
	// and SecretArn.
	target Properties
	// physicalID identifies the database objects: a new one on Update makes
	// CloudFormation delete the old resource, with the old properties.
	physicalID string
	stmts      []chatsql.Statement
	// data is returned to CloudFormation once the statements finished.
	data map[string]any
	// warnings say what the plan leaves out because the properties the
	// resource was last applied with did not tell; onEvent logs them.
	warnings []string
}

// EventsTableAttribute is the resource attribute holding the events
// table's schema-qualified name, such as "chatstream".chat_events.
const EventsTableAttribute = "EventsTable"

// oldPrefix marks, in logs and errors, statements that remove the objects
// an Update renamed.
const oldPrefix = "old_"

func newPlan(e cfn.Event) (plan, error) {
	switch e.RequestType {
	case cfn.RequestCreate, cfn.RequestUpdate:
		return applyPlan(e)
	case cfn.RequestDelete:
		return deletePlan(e)
	}
	return plan{}, fmt.Errorf("request type %q: want Create, Update or Delete", e.RequestType)
}

func applyPlan(e cfn.Event) (plan, error) {
	props, err := parseProperties(e.ResourceProperties)
	if err != nil {
		return plan{}, err
	}
	p := plan{target: props, physicalID: physicalID(props)}
	if e.RequestType == cfn.RequestCreate {
		p.stmts, err = chatsql.Apply(props.Params)
	} else {
		p.stmts, p.warnings, err = updateStatements(e, props)
	}
	if err != nil {
		return plan{}, err
	}
	// parseProperties validated the schema, so quoting it cannot fail.
	schema, _ := chatsql.QuoteIdentifier(props.Params.Schema)
	// The events table's qualified name, ready to paste into SQL.
	p.data = map[string]any{EventsTableAttribute: schema + "." + chatsql.EventsTable}
	return p, nil
}

// deletePlan drops what the resource created, reading the properties it was
// last applied with leniently and needing only what the teardown needs:
// nothing when the data is retained, else where to run and the two schemas.
func deletePlan(e cfn.Event) (plan, error) {
	prior := parsePriorProperties(e.ResourceProperties)
	// Deleting must keep the physical ID.
	p := plan{physicalID: e.PhysicalResourceID}
	if prior.retain {
		if err := prior.need(propRetainOnDelete); err != nil {
			p.warnings = append(p.warnings, fmt.Sprintf("%v: keeping the objects, as with \"true\"", err))
		}
		return p, nil
	}
	params, err := prior.priorDropParams()
	if err == nil {
		err = prior.need(propWorkgroupName, propDatabase, propSecretArn)
	}
	if err != nil {
		return plan{}, fmt.Errorf("%w; without it the objects cannot be dropped (delete the stack with --retain-resources %s to keep them)", err, e.LogicalResourceID)
	}
	p.target = Properties{
		WorkgroupName: prior.value(propWorkgroupName),
		Database:      prior.value(propDatabase),
		SecretArn:     prior.value(propSecretArn),
		Timeout:       minTimeout,
	}
	if err := prior.need(propTimeoutSeconds); err != nil {
		// The shortest timeout cancels the drops before any Provider gives up.
		p.warnings = append(p.warnings, fmt.Sprintf("%v: cancelling what still runs after %s", err, minTimeout-cancelMargin))
	} else {
		p.target.Timeout, _ = parseTimeout(prior.value(propTimeoutSeconds))
	}
	teardown := chatsql.Teardown
	if prior.firstDesign {
		teardown = chatsql.TeardownFromViews
	}
	if p.stmts, err = teardown(params); err != nil {
		return plan{}, err
	}
	return p, nil
}

// physicalID names the database the objects live in. Renaming the stream or
// a schema is handled inside one resource (see updateStatements); moving to
// another workgroup or database replaces it.
func physicalID(p Properties) string {
	return p.WorkgroupName + "/" + p.Database
}

// updateStatements compares the new properties with the old ones. An old
// value that is missing or unusable counts as changed, which at worst
// rebuilds more than needed; objects are dropped under old names only when
// those names are known. No Update drops a table: the tables hold the
// history.
func updateStatements(e cfn.Event, cur Properties) ([]chatsql.Statement, []string, error) {
	old := parsePriorProperties(e.OldResourceProperties)
	if err := old.need(propWorkgroupName, propDatabase); err != nil {
		// Where the old objects live is unknown: build everything, as after
		// a move, and drop nothing.
		stmts, aerr := chatsql.Apply(cur.Params)
		return stmts, []string{fmt.Sprintf("old %v: building everything in %s", err, physicalID(cur))}, aerr
	}
	if physicalID(Properties{WorkgroupName: old.value(propWorkgroupName), Database: old.value(propDatabase)}) != physicalID(cur) {
		// A new database: build everything there. CloudFormation then
		// deletes the old resource, which tears down the old objects.
		stmts, err := chatsql.Apply(cur.Params)
		return stmts, nil, err
	}
	var warnings []string
	counted := []string{propStreamName, propStreamSchema, propSchema, propStreamSQLHash}
	if !old.firstDesign {
		counted = append(counted, propTableSQLHash)
	}
	for _, name := range counted {
		if err := old.need(name); err != nil {
			warnings = append(warnings, fmt.Sprintf("old %v: counted as changed", err))
		}
	}
	oldMode, err := old.mode()
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("old %v: setting AUTO REFRESH to be sure", err))
	}
	renamed := old.value(propStreamName) != cur.Params.StreamName ||
		old.value(propStreamSchema) != cur.Params.StreamSchema ||
		old.value(propSchema) != cur.Params.Schema
	// The role is not compared: the external schema names IAM_ROLE default,
	// so a new streaming role changes no SQL.
	streamChanged := renamed || old.value(propStreamSQLHash) != cur.Hashes.Stream
	var stmts []chatsql.Statement
	if renamed && !cur.RetainOnDelete {
		drops, err := oldObjects(old)
		if err != nil {
			// Guessing names to drop could hit objects that are not
			// ours; leaving unknown ones costs only their refreshes.
			warnings = append(warnings, fmt.Sprintf("old %v: objects under the old names, if any, are left in place", err))
		}
		stmts = drops
	}
	var apply func(chatsql.Params) ([]chatsql.Statement, error)
	switch {
	case old.firstDesign && !renamed:
		// The first design's materialized view was the record: its rows go
		// to the landing table before it is rebuilt in the new shape.
		apply = chatsql.ApplyFromViews
	case old.firstDesign, streamChanged:
		apply = chatsql.Apply
	}
	if apply != nil {
		more, err := apply(cur.Params)
		if err != nil {
			return nil, nil, err
		}
		return append(stmts, more...), warnings, nil
	}
	// The materialized view stays, and with it its position in the stream.
	if old.value(propTableSQLHash) != cur.Hashes.Tables {
		more, err := chatsql.ApplyTables(cur.Params)
		if err != nil {
			return nil, nil, err
		}
		stmts = append(stmts, more...)
	}
	if oldMode != cur.Params.Mode {
		more, err := chatsql.SetAutoRefresh(cur.Params)
		if err != nil {
			return nil, nil, err
		}
		stmts = append(stmts, more...)
	}
	// Nothing at all when only the secret, the retention or the timeout
	// changed.
	return stmts, warnings, nil
}

// oldObjects drops what streams under the old names, so that a rename
// leaves nothing behind that refreshes (and bills) on its own. The old
// schema and its tables stay: they hold the history until someone moves or
// drops it.
func oldObjects(old priorProperties) ([]chatsql.Statement, error) {
	params, err := old.priorDropParams()
	if err != nil {
		return nil, err
	}
	drop := chatsql.Drop
	if old.firstDesign {
		drop = chatsql.DropFromViews
	}
	stmts, err := drop(params)
	if err != nil {
		return nil, err
	}
	for i := range stmts {
		stmts[i].Name = oldPrefix + stmts[i].Name
	}
	return stmts, nil
}
