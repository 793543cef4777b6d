package pgserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the file a running postmaster keeps in its data
// directory: its pid on the first line, its port on the fourth (PostgreSQL
// documentation, "Database File Layout").
const lockFileName = "postmaster.pid"

// lock is what postmaster.pid says.
type lock struct {
	pid  int
	port int
}

// readLock reads dataDir's postmaster.pid; ok is false when there is none.
func readLock(dataDir string) (l lock, ok bool, err error) {
	path := filepath.Join(dataDir, lockFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return lock{}, false, nil
	}
	if err != nil {
		return lock{}, false, fmt.Errorf("read %s: %w", path, err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 {
		// A postmaster writes the file in steps; the port comes later.
		lines = append(lines, make([]string, 4-len(lines))...)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return lock{}, false, fmt.Errorf("%s: first line %q is not a process id", path, lines[0])
	}
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	return lock{pid: pid, port: port}, true, nil
}

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ServingError says that a server already serves the data directory: one
// that another run started and still runs.
type ServingError struct {
	// DataDir is the data directory.
	DataDir string
	// PID is the server's process id.
	PID int
	// Port is its port on 127.0.0.1, 0 while it is still starting.
	Port int
}

// Error implements error.
func (e *ServingError) Error() string {
	return fmt.Sprintf("a PostgreSQL server (pid %d, port %d on 127.0.0.1) already serves %s: use it, or stop the run that started it (kill -INT %d)", e.PID, e.Port, e.DataDir, e.PID)
}

// clearStaleLock removes a postmaster.pid that no running server owns: the
// one a killed run leaves behind. PostgreSQL removes such a file itself only
// when no process has its pid; after a restart of a container or a busy
// machine another process often has, and the server would then refuse to
// start. A file whose server still runs is a *ServingError. Where the
// process's command line cannot be read, a live pid counts as a server.
func clearStaleLock(dataDir string) error {
	l, ok, err := readLock(dataDir)
	if err != nil || !ok {
		return err
	}
	if alive(l.pid) {
		if serves, known := processServes(l.pid, dataDir); serves || !known {
			return &ServingError{DataDir: dataDir, PID: l.pid, Port: l.port}
		}
	}
	if err := os.Remove(filepath.Join(dataDir, lockFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", lockFileName, err)
	}
	return nil
}
