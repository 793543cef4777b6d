package ddl

import (
	"fmt"

	chatsql "github.com/chatstream/chatstream/sql"
)

// priorProperties are the properties a resource was last applied with: an
// Update's OldResourceProperties and a Delete's ResourceProperties. An
// earlier or a later version of this handler may have written them, and
// refusing them would fail the Update, its rollback (UPDATE_ROLLBACK_FAILED)
// or the Delete. So they are read leniently: unknown properties are ignored,
// and each value is checked on its own; one that is missing or unusable is
// left out with the reason, and the caller decides what is safe without it.
type priorProperties struct {
	values   map[string]string // usable values, by property name
	unusable map[string]error  // why each other property cannot be used
	// retain is false only when RetainOnDelete says "false": dropping data
	// needs explicit consent, so a missing or unreadable value keeps it.
	retain bool
	// firstDesign is true when the first design applied them: its
	// materialized view was the record and chatstream.chat_events a view.
	firstDesign bool
}

func parsePriorProperties(m map[string]any) priorProperties {
	p := priorProperties{values: map[string]string{}, unusable: map[string]error{}}
	for _, c := range valueChecks() {
		v, err := readValue(m, c)
		if err != nil {
			p.unusable[c.name] = err
			continue
		}
		p.values[c.name] = v
	}
	retain, err := readBool(m, propRetainOnDelete)
	p.retain = retain || err != nil
	if err != nil {
		p.unusable[propRetainOnDelete] = err
	}
	_, views := m[propViewSQLHash]
	_, tables := m[propTableSQLHash]
	p.firstDesign = views && !tables
	return p
}

// mode returns the mode the properties name; the first design's is
// realtime, which it always was.
func (p priorProperties) mode() (chatsql.Mode, error) {
	if p.firstDesign {
		return chatsql.Realtime, nil
	}
	if err := p.need(propMode); err != nil {
		return "", err
	}
	return chatsql.Mode(p.value(propMode)), nil
}

// value returns the property's value, or "" when it is missing or unusable.
func (p priorProperties) value(name string) string {
	return p.values[name]
}

// need reports the first of names that cannot be used.
func (p priorProperties) need(names ...string) error {
	for _, n := range names {
		if err, bad := p.unusable[n]; bad {
			return err
		}
	}
	return nil
}

// standInStream stands in for the stream name when only objects are
// dropped. The drop statements name nothing but the two schemas, yet the
// renderer validates every parameter; TestDropNamesOnlyTheSchemas pins that
// this value never reaches the SQL.
const standInStream = "unused-by-drop"

// dropParams returns parameters that render the drop statements of the
// objects in streamSchema and schema.
func dropParams(streamSchema, schema string) chatsql.Params {
	return chatsql.Params{StreamName: standInStream, StreamSchema: streamSchema, Schema: schema}
}

// priorDropParams returns the drop parameters of the objects the prior
// properties created, or an error naming the schema property they lack.
func (p priorProperties) priorDropParams() (chatsql.Params, error) {
	if err := p.need(propStreamSchema, propSchema); err != nil {
		return chatsql.Params{}, err
	}
	params := dropParams(p.value(propStreamSchema), p.value(propSchema))
	if err := params.Validate(); err != nil {
		return chatsql.Params{}, fmt.Errorf("properties %s and %s: %w", propStreamSchema, propSchema, err)
	}
	return params, nil
}
