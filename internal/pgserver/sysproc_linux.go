package pgserver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// serverProcAttr says how initdb and postgres start: in a process group of
// their own, so that a Ctrl-C in the terminal reaches only us and Close
// decides how the server stops, and killed by the kernel if we die without
// stopping them (SIGKILL, a crashed test binary).
//
// PostgreSQL refuses to run as root ("initdb: cannot be run as root"), and CI
// runs as root, possibly from a clone in root's home (mode 700) that another
// user could not even read. So as root, initdb and postgres run in a new user
// namespace that maps one unprivileged uid inside, nobody's, to root outside:
// PostgreSQL sees a non-root user that owns its files, while the kernel checks
// its file accesses as uid 0's, the owner of the clone and of .local (with
// an owner's rights only: it gains no privilege). Nothing is setuid and no
// file changes owner. The inner uid needs a passwd entry, because initdb looks up its own
// user name. As any other user they run as that user, directly.
func serverProcAttr() (*syscall.SysProcAttr, error) {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		return attr, nil
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root and needs an unprivileged user to run as: %w", err)
	}
	uid, err1 := strconv.Atoi(nobody.Uid)
	gid, err2 := strconv.Atoi(nobody.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user nobody: %w", err)
	}
	attr.Cloneflags = syscall.CLONE_NEWUSER
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: os.Geteuid(), Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: os.Getegid(), Size: 1}}
	return attr, nil
}

// startError explains a failure to start initdb or postgres: as root, the
// likely cause is a machine that forbids user namespaces.
func startError(name string, attr *syscall.SysProcAttr, err error) error {
	if attr.Cloneflags&syscall.CLONE_NEWUSER == 0 {
		return fmt.Errorf("start %s: %w", name, err)
	}
	return fmt.Errorf("start %s as an unprivileged user in a user namespace: %w\n"+
		"PostgreSQL refuses to run as root, and this machine does not allow user namespaces. Either run as a user other than root, "+
		"or allow them: sysctl user.max_user_namespaces=10000 (and kernel.unprivileged_userns_clone=1 where it exists); "+
		"in a container, the default seccomp profile forbids them: run it with --security-opt seccomp=unconfined, or with --user 1000", name, err)
}

// processServes reports whether process pid is a postgres serving dataDir,
// from its command line; known is false where that cannot be read.
func processServes(pid int, dataDir string) (serves, known bool) {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false, errors.Is(err, os.ErrNotExist)
	}
	return servesFromArgs(splitArgs(cmdline), dataDir), true
}

// splitArgs splits a /proc/PID/cmdline into its arguments.
func splitArgs(cmdline []byte) []string {
	var args []string
	for _, a := range bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0}) {
		args = append(args, string(a))
	}
	return args
}

// servesFromArgs reports whether a command line is a postgres started on
// dataDir, as startPostmaster starts it. Its children rename themselves
// ("postgres: checkpointer"), but the postmaster keeps its arguments.
func servesFromArgs(args []string, dataDir string) bool {
	if len(args) < 3 || filepath.Base(args[0]) != "postgres" {
		return false
	}
	for i := 1; i+1 < len(args); i++ {
		if args[i] == "-D" && args[i+1] == dataDir {
			return true
		}
	}
	return false
}
