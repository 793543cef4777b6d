package sql

import (
	"crypto/sha256"
	"encoding/hex"
)

// Hashes fingerprints the rendered DDL, one hash per part that can be
// applied on its own. A custom resource carries them as properties so that
// CloudFormation sends an Update exactly when the SQL changes, and the runner
// can tell whether the materialized view must be rebuilt or only the tables
// and grants applied. The mode is left out: switching it alters the view in
// place.
type Hashes struct {
	// Stream covers the schemas and the materialized view.
	Stream string
	// Tables covers the tables and the analyst role's grants.
	Tables string
}

// hashRoleARN stands in for Params.RoleARN in Hash.
const hashRoleARN = "arn:aws:iam::000000000000:role/hashed-without-role"

// Hash returns the fingerprints of the Redshift DDL rendered with p,
// leaving the role ARN out (at synthesis time it is an unresolved token, so
// the runner compares the ARN property itself) and the mode.
func Hash(p Params) (Hashes, error) {
	p.RoleARN = hashRoleARN
	p.Engine, p.Mode = Redshift, Realtime
	byFile, err := renderDDL(p)
	if err != nil {
		return Hashes{}, err
	}
	return Hashes{
		Stream: digest(byFile[schemaFile], byFile[streamFile]),
		Tables: digest(byFile[tablesFile], byFile[accessFile]),
	}, nil
}

func digest(parts ...[]Statement) string {
	h := sha256.New()
	for _, stmts := range parts {
		for _, s := range stmts {
			// Rendered SQL never holds a NUL (names with one are refused and
			// the templates have none), so the framing is unambiguous.
			h.Write([]byte(s.Name))
			h.Write([]byte{0})
			h.Write([]byte(s.SQL))
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
