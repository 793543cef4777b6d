package pgserver

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestServesFromArgs(t *testing.T) {
	const dataDir = "/repo/.local/postgres/data"
	tests := []struct {
		name    string
		cmdline string
		want    bool
	}{
		{name: "our postmaster", cmdline: "/repo/node_modules/x/native/bin/postgres\x00-D\x00/repo/.local/postgres/data\x00-p\x005432\x00", want: true},
		{name: "a postmaster of another folder", cmdline: "/usr/lib/postgresql/17/bin/postgres\x00-D\x00/var/lib/postgresql/data\x00"},
		{name: "another program", cmdline: "sleep\x0060\x00"},
		{name: "a postgres child process", cmdline: "postgres: checkpointer \x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := servesFromArgs(splitArgs([]byte(tt.cmdline)), dataDir); got != tt.want {
				t.Errorf("servesFromArgs(%q) = %v, want %v", tt.cmdline, got, tt.want)
			}
		})
	}
}

func TestStartErrorSaysWhatToDo(t *testing.T) {
	// GIVEN a start as root that the kernel refused, as a container's
	// seccomp profile refuses a user namespace
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	err := startError("initdb", attr, &os.PathError{Op: "fork/exec", Path: "initdb", Err: syscall.EPERM})

	// THEN the error names the cause and both ways out
	for _, want := range []string{"operation not permitted", "refuses to run as root", "run as a user other than root", "user.max_user_namespaces", "--security-opt seccomp=unconfined"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("startError = %v; want it to contain %q", err, want)
		}
	}
	if !errors.Is(err, syscall.EPERM) {
		t.Errorf("startError does not wrap the cause")
	}
}
