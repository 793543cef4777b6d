package localrun

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FindRoot walks up from dir to the folder holding go.mod, so commands and
// test binaries work from any package directory.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find repository root from %s: %w", dir, err)
	}
	for d := abs; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("find repository root: %w", err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or any parent folder", abs)
		}
		d = parent
	}
}

// WorkDir is the folder under the repository at root where make local
// keeps what it builds and runs: .local, which git ignores.
func WorkDir(root string) string {
	return filepath.Join(root, ".local")
}

// KinesisLocalDir returns the installed kinesis-local package folder under
// root, or an error telling the reader to install the pinned Node tools.
func KinesisLocalDir(root string) (string, error) {
	dir := filepath.Join(root, "node_modules", "kinesis-local")
	if _, err := os.Stat(filepath.Join(dir, "main.js")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("kinesis-local is not installed (%s missing): run make deps", filepath.Join(dir, "main.js"))
		}
		return "", fmt.Errorf("check kinesis-local: %w", err)
	}
	return dir, nil
}
