package sql

import (
	"fmt"
	"regexp"
	"text/template"
	"time"
)

// Engine is the SQL engine a template is rendered for. The templates are
// written once; the few places where Redshift and PostgreSQL differ go
// through the template functions engineFuncs defines, or through a
// {{if redshift}} block around what only Redshift has (the external schema,
// the streaming materialized view, REFRESH, APPEND, AUTO REFRESH, table
// attributes).
type Engine int

const (
	// Redshift is Amazon Redshift Serverless, where the deploy and the loader
	// run the SQL.
	Redshift Engine = iota
	// PostgreSQL is the local stand-in for Redshift.
	PostgreSQL
)

// String returns the engine's name as people write it.
func (e Engine) String() string {
	switch e {
	case Redshift:
		return "Redshift"
	case PostgreSQL:
		return "PostgreSQL"
	}
	return fmt.Sprintf("Engine(%d)", int(e))
}

// ParseEngine reads an engine from its name: redshift or postgres.
func ParseEngine(s string) (Engine, error) {
	switch s {
	case "redshift":
		return Redshift, nil
	case "postgres", "postgresql":
		return PostgreSQL, nil
	}
	return 0, fmt.Errorf("engine %q: want redshift or postgres", s)
}

func (e Engine) valid() error {
	if e != Redshift && e != PostgreSQL {
		return fmt.Errorf("unknown engine %d", int(e))
	}
	return nil
}

// quoteIdentifier quotes name as QuoteIdentifier does; for PostgreSQL it
// also refuses a name longer than PostgreSQL keeps, which it would
// silently truncate.
func (e Engine) quoteIdentifier(name string) (string, error) {
	if e == PostgreSQL {
		return quotePostgresIdentifier(name)
	}
	return QuoteIdentifier(name)
}

// fieldPattern is what a payload field name may be: the producer's keys.
// Nothing else reaches the SQL through the JSON functions.
var fieldPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// unitPattern lists the interval units the templates use.
var unitPattern = regexp.MustCompile(`^(second|minute|hour|day)$`)

// maxText is the longest string, in bytes, the Redshift rendering reads
// out of the payload: VARCHAR's limit. A longer JSON string reads as NULL
// instead of failing the cast, and so the whole statement.
const maxText = 65535

// timestampLayout writes a time as the text of a TIMESTAMP literal, to the
// microsecond, as both engines store it.
const timestampLayout = "2006-01-02 15:04:05.000000"

// engineFuncs returns the template functions for e. asOf, when not zero,
// is the time that now and ago measure from, so that a test's result does
// not depend on when it runs; it is a UTC timestamp without time zone, as
// the tables store. A misuse (an unknown field or unit) fails the
// rendering with the bad value.
//
// Redshift reads the payload as SUPER with PartiQL navigation
// (payload.event_id) and the IS_ type tests ("SUPER type information
// functions"); PostgreSQL reads it as JSONB with -> and ->> and
// jsonb_typeof. Redshift's date functions (DATEADD, DATEDIFF, GETDATE) are
// written with PostgreSQL's interval arithmetic there.
func engineFuncs(e Engine, asOf time.Time) template.FuncMap {
	field := func(name string) (string, error) {
		if !fieldPattern.MatchString(name) {
			return "", fmt.Errorf("payload field %q: want a-z, 0-9 and _", name)
		}
		return name, nil
	}
	unit := func(u string) (string, error) {
		if !unitPattern.MatchString(u) {
			return "", fmt.Errorf("interval unit %q: want second, minute, hour or day", u)
		}
		return u, nil
	}
	now := func() string {
		if !asOf.IsZero() {
			return "CAST('" + asOf.UTC().Format(timestampLayout) + "' AS TIMESTAMP)"
		}
		if e == Redshift {
			// The session's time zone is UTC unless someone changed it;
			// every timestamp the tables hold is UTC.
			return "GETDATE()"
		}
		return "(now() AT TIME ZONE 'UTC')"
	}
	shift := func(expr string, n int, u string) (string, error) {
		u, err := unit(u)
		if err != nil {
			return "", err
		}
		if e == Redshift {
			return fmt.Sprintf("DATEADD(%s, %d, %s)", u, n, expr), nil
		}
		return fmt.Sprintf("(%s + INTERVAL '%d %s')", expr, n, u), nil
	}
	typeTest := func(rs, pg string) func(string) (string, error) {
		return func(name string) (string, error) {
			f, err := field(name)
			if err != nil {
				return "", err
			}
			if e == Redshift {
				return fmt.Sprintf(rs, f), nil
			}
			return fmt.Sprintf(pg, f), nil
		}
	}
	return template.FuncMap{
		// redshift is true when rendering for Redshift: it guards what only
		// Redshift has.
		"redshift": func() bool { return e == Redshift },
		// jsonType is the column type of a parsed payload.
		"jsonType": func() string {
			if e == Redshift {
				return "SUPER"
			}
			return "JSONB"
		},
		// isObject is true when payload is a JSON object.
		"isObject": func() string {
			if e == Redshift {
				return "IS_OBJECT(payload)"
			}
			return "(jsonb_typeof(payload) = 'object')"
		},
		// text is the payload's string field as text, or NULL when it is
		// missing or not a string (in Redshift also when it is longer than
		// maxText bytes serialized).
		"text": typeTest(
			"CASE WHEN IS_VARCHAR(payload.%[1]s) AND JSON_SIZE(payload.%[1]s) <= "+fmt.Sprint(maxText)+" THEN payload.%[1]s::VARCHAR("+fmt.Sprint(maxText)+") END",
			"CASE WHEN jsonb_typeof(payload->'%[1]s') = 'string' THEN payload->>'%[1]s' END"),
		// bigint is the payload's integer field as BIGINT, or NULL when it
		// is missing, not a number or not a whole number in range.
		// PostgreSQL's test reads the number's text: at most 18 digits, so
		// the cast cannot overflow.
		"bigint": typeTest(
			"CASE WHEN IS_BIGINT(payload.%[1]s) THEN payload.%[1]s::BIGINT END",
			"CASE WHEN jsonb_typeof(payload->'%[1]s') = 'number' AND payload->>'%[1]s' ~ '^-?[0-9]{1,18}$' THEN (payload->>'%[1]s')::BIGINT END"),
		// integer is the same for INTEGER: at most 9 digits in PostgreSQL.
		"integer": typeTest(
			"CASE WHEN IS_INTEGER(payload.%[1]s) THEN payload.%[1]s::INTEGER END",
			"CASE WHEN jsonb_typeof(payload->'%[1]s') = 'number' AND payload->>'%[1]s' ~ '^-?[0-9]{1,9}$' THEN (payload->>'%[1]s')::INTEGER END"),
		// boolean is the payload's true or false field, or NULL.
		"boolean": typeTest(
			"CASE WHEN IS_BOOLEAN(payload.%[1]s) THEN payload.%[1]s::BOOLEAN END",
			"CASE WHEN jsonb_typeof(payload->'%[1]s') = 'boolean' THEN (payload->>'%[1]s')::BOOLEAN END"),
		// now is the current UTC time as a TIMESTAMP, or asOf.
		"now": now,
		// ago is the UTC time n units before now.
		"ago": func(n int, u string) (string, error) { return shift(now(), -n, u) },
		// shift moves the timestamp expression expr by n units (n < 0: back).
		"shift": shift,
		// msBetween is the whole milliseconds from timestamp a to b:
		// Redshift's DATEDIFF counts millisecond boundaries, which is the
		// difference of the two values truncated to milliseconds, as
		// PostgreSQL computes it here. EXTRACT returns an exact numeric
		// since PostgreSQL 14.
		"msBetween": func(a, b string) string {
			if e == Redshift {
				return fmt.Sprintf("DATEDIFF(millisecond, %s, %s)", a, b)
			}
			return fmt.Sprintf("((EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', %[2]s)) - EXTRACT(EPOCH FROM DATE_TRUNC('milliseconds', %[1]s))) * 1000)::BIGINT", a, b)
		},
		// grantee names the analyst role after GRANT ... TO: Redshift writes
		// ROLE before a role's name, PostgreSQL does not.
		"grantee": func() string {
			if e == Redshift {
				return "ROLE " + AnalystRole
			}
			return AnalystRole
		},
		// roleExists is true when the analyst role exists: Redshift lists
		// roles in SVV_ROLES, PostgreSQL in pg_roles.
		"roleExists": func() string {
			if e == Redshift {
				return "EXISTS (SELECT 1 FROM svv_roles WHERE role_name = '" + AnalystRole + "')"
			}
			return "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + AnalystRole + "')"
		},
	}
}
