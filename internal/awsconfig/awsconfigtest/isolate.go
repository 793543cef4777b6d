package awsconfigtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Isolate clears every AWS_* variable that names a Region, a profile or
// credentials, points the SDK at a config file and a credentials file with
// the given contents, and turns off the EC2 instance metadata service, for
// the rest of the test. The test must not run in parallel (t.Setenv).
func Isolate(t *testing.T, configFile, credentialsFile string) {
	t.Helper()
	for _, name := range []string{
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	} {
		t.Setenv(name, "")
	}
	dir := t.TempDir()
	for variable, content := range map[string]string{"AWS_CONFIG_FILE": configFile, "AWS_SHARED_CREDENTIALS_FILE": credentialsFile} {
		path := filepath.Join(dir, variable)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(variable, path)
	}
	// Without credentials the SDK would ask 169.254.169.254 for a role.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
