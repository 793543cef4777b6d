package ddl

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	chatsql "github.com/chatstream/chatstream/sql"
)

// Property names of the custom resource.
const (
	propWorkgroupName  = "WorkgroupName"
	propDatabase       = "Database"
	propSecretArn      = "SecretArn"
	propStreamName     = "StreamName"
	propRoleArn        = "RoleArn"
	propStreamSchema   = "StreamSchema"
	propSchema         = "Schema"
	propRetainOnDelete = "RetainOnDelete"
	propStreamSQLHash  = "StreamSqlHash"
	propViewSQLHash    = "ViewSqlHash"
	// propServiceToken is added by CloudFormation; the handlers ignore it.
	propServiceToken = "ServiceToken"
)

// Properties configure one application of the DDL. CloudFormation passes
// every property value as a string.
type Properties struct {
	// WorkgroupName is the Redshift Serverless workgroup (name or ARN).
	WorkgroupName string
	// Database is the database the DDL runs in.
	Database string
	// SecretArn is the Secrets Manager secret holding the admin user's
	// username and password.
	SecretArn string
	// Params names the stream, the role and the schemas.
	Params chatsql.Params
	// RetainOnDelete keeps the views, the materialized view (and the rows in
	// it) and the schemas when the resource is deleted.
	RetainOnDelete bool
	// Hashes fingerprint the rendered SQL, so that CloudFormation sends an
	// Update when it changes.
	Hashes chatsql.Hashes
}

// ResourceProperties returns the custom resource's properties for the CDK
// app. Values may be unresolved CDK tokens except the stream name and the
// schema names, which the SQL hashes are computed from at synthesis time.
func ResourceProperties(workgroup, database, secretARN string, p chatsql.Params, retainOnDelete bool) (map[string]any, error) {
	h, err := chatsql.Hash(p)
	if err != nil {
		return nil, fmt.Errorf("hash DDL: %w", err)
	}
	return map[string]any{
		propWorkgroupName:  workgroup,
		propDatabase:       database,
		propSecretArn:      secretARN,
		propStreamName:     p.StreamName,
		propRoleArn:        p.RoleARN,
		propStreamSchema:   p.StreamSchema,
		propSchema:         p.Schema,
		propRetainOnDelete: strconv.FormatBool(retainOnDelete),
		propStreamSQLHash:  h.Stream,
		propViewSQLHash:    h.Views,
	}, nil
}

// workgroupPattern is the Data API's own rule for WorkgroupName.
var workgroupPattern = regexp.MustCompile(`^([a-z0-9-]{3,63}|arn:aws(-[a-z]+)*:redshift-serverless:[a-z0-9-]+:[0-9]{12}:workgroup/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

var secretARNPattern = regexp.MustCompile(`^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// parseProperties reads and validates the resource properties of an event.
// Unknown properties are refused so that a misspelt one cannot be silently
// ignored.
func parseProperties(m map[string]any) (Properties, error) {
	known := []string{
		propWorkgroupName, propDatabase, propSecretArn, propStreamName, propRoleArn,
		propStreamSchema, propSchema, propRetainOnDelete, propStreamSQLHash, propViewSQLHash,
		propServiceToken,
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(known, k) {
			return Properties{}, fmt.Errorf("unknown property %s", k)
		}
	}
	r := propertyReader{m: m}
	p := Properties{
		WorkgroupName: r.string(propWorkgroupName),
		Database:      r.string(propDatabase),
		SecretArn:     r.string(propSecretArn),
		Params: chatsql.Params{
			StreamName:   r.string(propStreamName),
			RoleARN:      r.string(propRoleArn),
			StreamSchema: r.string(propStreamSchema),
			Schema:       r.string(propSchema),
		},
		RetainOnDelete: r.bool(propRetainOnDelete),
		Hashes: chatsql.Hashes{
			Stream: r.string(propStreamSQLHash),
			Views:  r.string(propViewSQLHash),
		},
	}
	if r.err != nil {
		return Properties{}, r.err
	}
	if !workgroupPattern.MatchString(p.WorkgroupName) {
		return Properties{}, fmt.Errorf("property %s: %q is not a workgroup name (3-63 of a-z, 0-9, -) or workgroup ARN", propWorkgroupName, p.WorkgroupName)
	}
	if _, err := chatsql.QuoteIdentifier(p.Database); err != nil {
		return Properties{}, fmt.Errorf("property %s: %w", propDatabase, err)
	}
	if !secretARNPattern.MatchString(p.SecretArn) {
		return Properties{}, fmt.Errorf("property %s: %q is not a Secrets Manager secret ARN", propSecretArn, p.SecretArn)
	}
	checks := []struct {
		name  string
		quote func(string) (string, error)
		value string
	}{
		{propStreamName, chatsql.QuoteStreamName, p.Params.StreamName},
		{propRoleArn, chatsql.QuoteRoleARN, p.Params.RoleARN},
		{propStreamSchema, chatsql.QuoteIdentifier, p.Params.StreamSchema},
		{propSchema, chatsql.QuoteIdentifier, p.Params.Schema},
	}
	for _, c := range checks {
		if _, err := c.quote(c.value); err != nil {
			return Properties{}, fmt.Errorf("property %s: %w", c.name, err)
		}
	}
	// Rules that span properties.
	if err := p.Params.Validate(); err != nil {
		return Properties{}, fmt.Errorf("properties %s and %s: %w", propStreamSchema, propSchema, err)
	}
	for name, h := range map[string]string{propStreamSQLHash: p.Hashes.Stream, propViewSQLHash: p.Hashes.Views} {
		if !hashPattern.MatchString(h) {
			return Properties{}, fmt.Errorf("property %s: %q is not a SHA-256 hex digest", name, h)
		}
	}
	return p, nil
}

// propertyReader reads required properties and keeps the first error.
type propertyReader struct {
	m   map[string]any
	err error
}

func (r *propertyReader) string(name string) string {
	if r.err != nil {
		return ""
	}
	v, ok := r.m[name]
	if !ok {
		r.err = fmt.Errorf("property %s is missing", name)
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.err = fmt.Errorf("property %s: want a string, got %T %v", name, v, v)
	}
	return s
}

func (r *propertyReader) bool(name string) bool {
	if r.err != nil {
		return false
	}
	switch v := r.m[name].(type) {
	case bool:
		return v
	case string:
		switch v {
		case "true":
			return true
		case "false":
			return false
		}
	case nil:
		r.err = fmt.Errorf("property %s is missing", name)
		return false
	}
	r.err = fmt.Errorf("property %s: want \"true\" or \"false\", got %v", name, r.m[name])
	return false
}
