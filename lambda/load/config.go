package load

import (
	"fmt"
	"regexp"

	chatsql "github.com/chatstream/chatstream/sql"
)

// Config is the loader Lambda's configuration, read once at start-up.
type Config struct {
	// Target is WORKGROUP_NAME, DATABASE_NAME and ADMIN_SECRET_ARN: where
	// the loads run, and as whom.
	Target Target
	// Params is the warehouse: SCHEMA_NAME (default chatstream) and
	// LOAD_MODE, realtime or scheduled.
	Params chatsql.Params
}

var (
	workgroupPattern = regexp.MustCompile(`^[a-z0-9-]{3,63}$`)
	// secretARNPattern is a secret ARN. Secret names take letters, digits and /_+=.@-, and
	// secrets a service manages start with the service's name and "!", as the admin secret
	// Redshift manages does ("redshift!…"; "Secrets managed by other AWS services", Secrets
	// Manager User Guide).
	secretARNPattern = regexp.MustCompile(`^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:([a-z-]+!)?[A-Za-z0-9/_+=.@-]+$`)
)

// LoadConfig reads the configuration through lookupEnv (os.LookupEnv in
// production). A missing or malformed value is an error naming the
// variable and the value.
func LoadConfig(lookupEnv func(string) (string, bool)) (Config, error) {
	get := func(name string) string {
		v, _ := lookupEnv(name)
		return v
	}
	var cfg Config
	cfg.Target.Workgroup = get("WORKGROUP_NAME")
	if !workgroupPattern.MatchString(cfg.Target.Workgroup) {
		return Config{}, fmt.Errorf("WORKGROUP_NAME=%q: want the workgroup's name, 3 to 63 of a-z, 0-9 and -", cfg.Target.Workgroup)
	}
	cfg.Target.Database = get("DATABASE_NAME")
	if _, err := chatsql.QuoteIdentifier(cfg.Target.Database); err != nil {
		return Config{}, fmt.Errorf("DATABASE_NAME=%q: %w", cfg.Target.Database, err)
	}
	cfg.Target.SecretARN = get("ADMIN_SECRET_ARN")
	if !secretARNPattern.MatchString(cfg.Target.SecretARN) {
		return Config{}, fmt.Errorf("ADMIN_SECRET_ARN=%q: want the ARN of the Secrets Manager secret of the admin user, who owns the materialized view", cfg.Target.SecretARN)
	}
	schema, ok := lookupEnv("SCHEMA_NAME")
	if !ok {
		schema = chatsql.DefaultSchema
	}
	mode, err := chatsql.ParseMode(get("LOAD_MODE"))
	if err != nil {
		return Config{}, fmt.Errorf("LOAD_MODE: %w", err)
	}
	// The loader names no stream: its statements read the materialized view.
	cfg.Params = chatsql.Params{Schema: schema, Mode: mode, Engine: chatsql.Redshift}
	if err := cfg.Params.ValidateLoad(); err != nil {
		return Config{}, fmt.Errorf("SCHEMA_NAME=%q: %w", schema, err)
	}
	return cfg, nil
}
