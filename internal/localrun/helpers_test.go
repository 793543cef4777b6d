package localrun

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// testContext is cancelled when the test ends or after limit.
func testContext(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)
	return ctx
}

// repoRoot is the repository this package lives in.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// startKinesis starts kinesis-local for the test and stops it afterwards.
func startKinesis(t testing.TB) *Kinesis {
	t.Helper()
	dir, err := KinesisLocalDir(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	k, err := StartKinesis(testContext(t, 2*time.Minute), KinesisConfig{Dir: dir, WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Stop(); err != nil {
			t.Error(err)
		}
		dumpLogOnFailure(t, k.Log)
	})
	return k
}

// dumpLogOnFailure prints a server's log when the test failed.
func dumpLogOnFailure(t testing.TB, path string) {
	t.Helper()
	if !t.Failed() {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("read %s: %v", path, err)
		return
	}
	if len(b) > 8192 {
		b = b[len(b)-8192:]
	}
	t.Logf("tail of %s:\n%s", path, b)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
