package ddl

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"

	chatsql "github.com/chatstream/chatstream/sql"
)

// Property names of the custom resource.
const (
	propWorkgroupName  = "WorkgroupName"
	propDatabase       = "Database"
	propSecretArn      = "SecretArn"
	propStreamName     = "StreamName"
	propStreamSchema   = "StreamSchema"
	propSchema         = "Schema"
	propRetainOnDelete = "RetainOnDelete"
	propStreamSQLHash  = "StreamSqlHash"
	propTableSQLHash   = "TableSqlHash"
	propMode           = "Mode"
	propTimeoutSeconds = "TimeoutSeconds"
	// propViewSQLHash is the first design's hash of its typed views. A
	// resource whose properties have it and no TableSqlHash was last applied
	// by that design.
	propViewSQLHash = "ViewSqlHash"
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
	// Params names the stream and the schemas, and the mode.
	Params chatsql.Params
	// RetainOnDelete keeps the tables (and the history in them), the
	// materialized view and the schemas when the resource is deleted.
	RetainOnDelete bool
	// Hashes fingerprint the rendered SQL, so that CloudFormation sends an
	// Update when it changes.
	Hashes chatsql.Hashes
	// Timeout is how long the DDL may run: the Provider framework's total
	// timeout. The runner cancels what still runs shortly before it.
	Timeout time.Duration
}

// Bounds of TimeoutSeconds: long enough to poll a statement a few times,
// and no longer than the Provider framework's two-hour maximum.
const (
	minTimeout = 5 * time.Minute
	maxTimeout = 2 * time.Hour
)

// ResourceProperties returns the custom resource's properties for the CDK
// app. Values may be unresolved CDK tokens except the stream name and the
// schema names, which the SQL hashes are computed from at synthesis time,
// and the mode (empty: realtime). timeout is the Provider framework's total
// timeout.
func ResourceProperties(workgroup, database, secretARN string, p chatsql.Params, retainOnDelete bool, timeout time.Duration) (map[string]any, error) {
	h, err := chatsql.Hash(p)
	if err != nil {
		return nil, fmt.Errorf("hash DDL: %w", err)
	}
	if err := checkTimeout(timeout); err != nil {
		return nil, err
	}
	mode := p.Mode
	if mode == "" {
		mode = chatsql.Realtime
	}
	if err := mode.Validate(); err != nil {
		return nil, err
	}
	return map[string]any{
		propWorkgroupName:  workgroup,
		propDatabase:       database,
		propSecretArn:      secretARN,
		propStreamName:     p.StreamName,
		propStreamSchema:   p.StreamSchema,
		propSchema:         p.Schema,
		propRetainOnDelete: strconv.FormatBool(retainOnDelete),
		propStreamSQLHash:  h.Stream,
		propTableSQLHash:   h.Tables,
		propMode:           string(mode),
		propTimeoutSeconds: strconv.Itoa(int(timeout / time.Second)),
	}, nil
}

// checkTimeout refuses a timeout the runner cannot keep.
func checkTimeout(d time.Duration) error {
	if d < minTimeout || d > maxTimeout || d%time.Second != 0 {
		return fmt.Errorf("timeout %s: want whole seconds from %s to %s", d, minTimeout, maxTimeout)
	}
	return nil
}

// workgroupPattern is the Data API's own rule for WorkgroupName.
var workgroupPattern = regexp.MustCompile(`^([a-z0-9-]{3,63}|arn:aws(-[a-z]+)*:redshift-serverless:[a-z0-9-]+:[0-9]{12}:workgroup/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

// secretARNPattern is a secret ARN. Secret names take letters, digits and /_+=.@-, and secrets
// a service manages for you start with the service's name and "!", as the admin secret Redshift
// manages does ("redshift!…"; "Secrets managed by other AWS services", Secrets Manager User Guide).
var secretARNPattern = regexp.MustCompile(`^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:([a-z-]+!)?[A-Za-z0-9/_+=.@-]+$`)

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// valueCheck validates one string property on its own.
type valueCheck struct {
	name  string
	check func(string) error
	// added marks a property a later version added: a request without it
	// reads it as "" (see parseProperties).
	added bool
}

// valueChecks lists the string properties in the order they are reported.
func valueChecks() []valueCheck {
	quoted := func(quote func(string) (string, error)) func(string) error {
		return func(v string) error {
			_, err := quote(v)
			return err
		}
	}
	matches := func(re *regexp.Regexp, what string) func(string) error {
		return func(v string) error {
			if !re.MatchString(v) {
				return fmt.Errorf("%q is not %s", v, what)
			}
			return nil
		}
	}
	hash := matches(hashPattern, "a SHA-256 hex digest")
	mode := func(v string) error {
		_, err := chatsql.ParseMode(v)
		return err
	}
	return []valueCheck{
		{name: propWorkgroupName, check: matches(workgroupPattern, "a workgroup name (3-63 of a-z, 0-9, -) or workgroup ARN")},
		{name: propDatabase, check: quoted(chatsql.QuoteIdentifier)},
		{name: propSecretArn, check: matches(secretARNPattern, "a Secrets Manager secret ARN")},
		{name: propStreamName, check: quoted(chatsql.QuoteStreamName)},
		{name: propStreamSchema, check: quoted(chatsql.QuoteIdentifier)},
		{name: propSchema, check: quoted(chatsql.QuoteIdentifier)},
		{name: propStreamSQLHash, check: hash},
		{name: propTableSQLHash, check: hash, added: true},
		{name: propMode, check: mode, added: true},
		{name: propTimeoutSeconds, check: func(v string) error {
			_, err := parseTimeout(v)
			return err
		}},
	}
}

// parseTimeout reads TimeoutSeconds: whole seconds in decimal digits.
func parseTimeout(v string) (time.Duration, error) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of seconds", v)
	}
	d := time.Duration(n) * time.Second
	return d, checkTimeout(d)
}

// readValue reads the string property name and checks it.
func readValue(m map[string]any, c valueCheck) (string, error) {
	v, ok := m[c.name]
	if !ok {
		return "", fmt.Errorf("property %s is missing", c.name)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("property %s: want a string, got %T %v", c.name, v, v)
	}
	if err := c.check(s); err != nil {
		return "", fmt.Errorf("property %s: %w", c.name, err)
	}
	return s, nil
}

// parseProperties reads and validates the properties a request asks for:
// Create's and Update's ResourceProperties, which this version's CDK app
// wrote. Every property is required and unknown ones are refused, so that a
// misspelt one cannot be silently ignored.
//
// A property added in a later version must still get a default when it is
// missing: the rollback of a failed Update sends the previous version's
// properties as ResourceProperties, and refusing them would leave the stack
// in UPDATE_ROLLBACK_FAILED. So a missing Mode is realtime, what the first
// design always was; a missing TableSqlHash is "", which no later request
// matches; and the first design's ViewSqlHash is accepted and ignored.
func parseProperties(m map[string]any) (Properties, error) {
	known := []string{propRetainOnDelete, propServiceToken, propViewSQLHash}
	checks := valueChecks()
	for _, c := range checks {
		known = append(known, c.name)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(known, k) {
			return Properties{}, fmt.Errorf("unknown property %s", k)
		}
	}
	values := make(map[string]string, len(checks))
	for _, c := range checks {
		if _, present := m[c.name]; c.added && !present {
			continue
		}
		v, err := readValue(m, c)
		if err != nil {
			return Properties{}, err
		}
		values[c.name] = v
	}
	retain, err := readBool(m, propRetainOnDelete)
	if err != nil {
		return Properties{}, err
	}
	p := Properties{
		WorkgroupName: values[propWorkgroupName],
		Database:      values[propDatabase],
		SecretArn:     values[propSecretArn],
		Params: chatsql.Params{
			StreamName:   values[propStreamName],
			StreamSchema: values[propStreamSchema],
			Schema:       values[propSchema],
			Mode:         chatsql.Mode(values[propMode]),
			Engine:       chatsql.Redshift,
		},
		RetainOnDelete: retain,
		Hashes: chatsql.Hashes{
			Stream: values[propStreamSQLHash],
			Tables: values[propTableSQLHash],
		},
	}
	// Validated by its check above.
	p.Timeout, _ = parseTimeout(values[propTimeoutSeconds])
	if p.Params.Mode == "" {
		p.Params.Mode = chatsql.Realtime
	}
	// The one rule that spans properties.
	if err := p.Params.Validate(); err != nil {
		return Properties{}, fmt.Errorf("properties %s and %s: %w", propStreamSchema, propSchema, err)
	}
	return p, nil
}

func readBool(m map[string]any, name string) (bool, error) {
	switch v := m[name].(type) {
	case bool:
		return v, nil
	case string:
		switch v {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case nil:
		return false, fmt.Errorf("property %s is missing", name)
	}
	return false, fmt.Errorf("property %s: want \"true\" or \"false\", got %v", name, m[name])
}
