//go:build linux

// Only Linux lets the kernel stop a server whose parent died (Pdeathsig).

package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests run a server in a child test binary, TestHelperServer,
// and check from outside what is left when that binary fails or dies.
const (
	helperModeEnv = "PGSERVER_TEST_HELPER_MODE" // "fail" or "hang"
	helperDirEnv  = "PGSERVER_TEST_HELPER_DIR"
)

// TestHelperServer is not a test of its own: run by the crash tests, it
// starts a server on $PGSERVER_TEST_HELPER_DIR, writes the postmaster's pid
// to pid in that folder, then fails or waits to be killed.
func TestHelperServer(t *testing.T) {
	mode, dir := os.Getenv(helperModeEnv), os.Getenv(helperDirEnv)
	if mode == "" {
		return
	}
	s := startServer(t, Config{Dir: dir})
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(s.proc.pid())), 0o644); err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "fail":
		t.Fatal("failing on purpose, with the server running")
	case "hang":
		<-t.Context().Done()
	}
}

// startHelper runs TestHelperServer in mode on dir.
func startHelper(t *testing.T, mode, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServer$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperDirEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// helperPID waits until the helper has written the postmaster's pid.
func helperPID(t *testing.T, dir string, helper *exec.Cmd) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil && len(b) > 0 {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		if helper.ProcessState != nil {
			t.Fatalf("helper exited before starting the server: %v", helper.ProcessState)
		}
		time.Sleep(20 * time.Millisecond)
	}
	helper.Process.Kill()
	t.Fatal("helper did not start a server within a minute")
	return 0
}

func TestNothingOutlivesTheTest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := testContext(t, 2*time.Minute)

	t.Run("a failing test stops its server", func(t *testing.T) {
		// GIVEN a test that starts a server and fails
		helper := startHelper(t, "fail", dir)
		pid := helperPID(t, dir, helper)

		// WHEN it ends
		err := helper.Wait()

		// THEN it failed, and no process of its server is left
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("helper = %v; want it to fail", err)
		}
		waitGone(t, pid, 5*time.Second)
	})

	t.Run("an interrupted test binary takes its server with it", func(t *testing.T) {
		// GIVEN a test binary that runs a server
		os.Remove(filepath.Join(dir, "pid"))
		helper := startHelper(t, "hang", dir)
		pid := helperPID(t, dir, helper)

		// WHEN it is interrupted, as by Ctrl-C, which ends it without cleanups
		if err := helper.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		_ = helper.Wait()

		// THEN the kernel has killed the server, which left its lock file
		waitGone(t, pid, 10*time.Second)
		if _, err := os.Stat(filepath.Join(dir, "data", lockFileName)); err != nil {
			t.Fatalf("%s after a killed server: %v; want it left behind", lockFileName, err)
		}
	})

	t.Run("the next start clears the stale lock", func(t *testing.T) {
		s := startServer(t, Config{Dir: dir})
		var n int
		if err := connect(t, s).QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		// Simulate a crash of the whole tree, which leaves the lock too.
		if err := syscall.Kill(-s.proc.pid(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, s.proc.pid(), 5*time.Second)
	})

	t.Run("a stale lock whose pid another process has now", func(t *testing.T) {
		// GIVEN the lock of the killed server, naming a live process that
		// is not a postgres, as after a restart of the machine
		other := exec.CommandContext(ctx, "sleep", "60")
		if err := other.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Process.Kill(); other.Wait() })
		if err := rewriteLockPID(filepath.Join(dir, "data"), other.Process.Pid); err != nil {
			t.Fatal(err)
		}

		// WHEN a server starts, THEN it does, and the other process lives on
		s := startServer(t, Config{Dir: dir})
		var n int
		if err := connect(t, s).QueryRow(ctx, "SELECT 2").Scan(&n); err != nil || n != 2 {
			t.Fatalf("SELECT 2 = %d, %v", n, err)
		}
		if err := other.Process.Signal(syscall.Signal(0)); err != nil {
			t.Errorf("the process named in the stale lock: %v; want it untouched", err)
		}
	})
}

// rewriteLockPID replaces the pid in dataDir's postmaster.pid.
func rewriteLockPID(dataDir string, pid int) error {
	path := filepath.Join(dataDir, lockFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, rest, _ := strings.Cut(string(b), "\n")
	return os.WriteFile(path, []byte(fmt.Sprintf("%d\n%s", pid, rest)), 0o600)
}
