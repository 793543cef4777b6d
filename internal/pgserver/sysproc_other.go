//go:build unix && !linux

package pgserver

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// serverProcAttr says how initdb and postgres start: in a process group of
// their own, so that a Ctrl-C in the terminal reaches only us and Close
// decides how the server stops. PostgreSQL refuses to run as root, and only
// Linux lets us run it as another user without privileges of our own.
func serverProcAttr() (*syscall.SysProcAttr, error) {
	if os.Geteuid() == 0 {
		return nil, errors.New("PostgreSQL refuses to run as root, and on this system there is no user namespace to run it as another user: run as your own user")
	}
	return &syscall.SysProcAttr{Setpgid: true}, nil
}

// startError explains a failure to start initdb or postgres.
func startError(name string, _ *syscall.SysProcAttr, err error) error {
	return fmt.Errorf("start %s: %w", name, err)
}

// processServes cannot tell here whether pid serves dataDir.
func processServes(int, string) (serves, known bool) {
	return false, false
}
