package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the -update flag of every test binary that imports this
// package; registering it here, once, keeps the test packages from each
// defining their own.
var update = flag.Bool("update", false, "rewrite the golden files with what the tests produce")

// reporter is the part of testing.TB that check reports through.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Check compares got with the golden file at path, relative to the test's
// package directory (by convention testdata/NAME). With -update it writes
// got to path instead.
func Check(t testing.TB, path, got string) {
	t.Helper()
	check(t, path, got, *update)
}

func check(t reporter, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("update golden file: %v", err)
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run the test with -update to create it): %v", err)
		return
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got); run the test with -update if the change is intended:\n%s", path, diff)
	}
}
