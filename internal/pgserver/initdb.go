package pgserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// initialize creates the data directory dataDir with initdb unless it holds
// one already, and reports whether it did. initdb writes into a sibling
// folder that is renamed into place when it succeeds, so that an initdb cut
// short leaves nothing a later run would mistake for a data directory.
func initialize(ctx context.Context, binaries, dataDir, logPath string, attr *syscall.SysProcAttr) (bool, error) {
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("check data directory: %w", err)
	}
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return false, fmt.Errorf("%s is not empty but holds no PostgreSQL data directory (no PG_VERSION): remove it, and the next start creates one", dataDir)
	}
	partial := dataDir + ".initdb"
	if err := os.RemoveAll(partial); err != nil {
		return false, fmt.Errorf("remove the remains of an earlier initdb: %w", err)
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return false, fmt.Errorf("open initdb log: %w", err)
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(binaries, "bin", "initdb"),
		"-D", partial,
		"-U", superuser,
		"--auth=trust",
		// UTF-8, and text compared case-sensitively without locale rules,
		// whatever this machine's locale: Redshift's default collation,
		// case_sensitive, has no locale either (COLLATE function).
		"--encoding=UTF8",
		"--locale=C",
		"--no-instructions",
		// 1 s instead of 4 s here. Without the fsyncs, a power loss in the
		// seconds after the first start could leave a broken data directory;
		// removing it makes the next start create a new one, and everything
		// in it is made up by the local producer anyway.
		"--no-sync",
	)
	cmd.SysProcAttr = attr
	cmd.Stdout, cmd.Stderr = log, log
	// initdb runs postgres in bootstrap mode: stop them all.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return false, startError("initdb", attr, err)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return false, fmt.Errorf("initdb %s: %w; end of %s:\n%s", dataDir, err, logPath, logTail(logPath, 15))
	}
	if err := os.Remove(dataDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("replace empty %s: %w", dataDir, err)
	}
	if err := os.Rename(partial, dataDir); err != nil {
		return false, fmt.Errorf("move the new data directory into place: %w", err)
	}
	return true, nil
}
