package pgserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// platformPackage is the npm package that holds the server binaries for
// goos and goarch, as package.json pins them.
func platformPackage(goos, goarch string) (string, error) {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[goarch]
	if (goos != "linux" && goos != "darwin") || arch == "" {
		return "", fmt.Errorf("no PostgreSQL server package for %s/%s: package.json pins @embedded-postgres for linux and darwin on amd64 and arm64", goos, goarch)
	}
	return "@embedded-postgres/" + goos + "-" + arch, nil
}

// Binaries returns the folder with bin/initdb and bin/postgres for this
// machine, installed under root's node_modules by make deps. npm cannot ship
// symbolic links, so the package's install script recreates the shared
// libraries' links; when they are missing (an install with --ignore-scripts,
// or an npm that blocks install scripts), Binaries recreates them as that
// script would.
func Binaries(root string) (string, error) {
	pkg, err := platformPackage(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "node_modules", filepath.FromSlash(pkg))
	native := filepath.Join(dir, "native")
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(native, "bin", name)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%s is not installed (%s missing): run make deps (npm ci)", pkg, filepath.Join(native, "bin", name))
			}
			return "", fmt.Errorf("check %s: %w", pkg, err)
		}
	}
	if err := linkLibraries(dir); err != nil {
		return "", fmt.Errorf("%s: %w; reinstall it with make deps (npm ci)", pkg, err)
	}
	return native, nil
}

// symlinksFile lists, in a server package, the links its install script
// makes: each target is a link to source, both relative to the package.
const symlinksFile = "native/pg-symlinks.json"

// linkLibraries makes every link of symlinksFile that does not exist yet.
func linkLibraries(pkgDir string) error {
	data, err := os.ReadFile(filepath.Join(pkgDir, filepath.FromSlash(symlinksFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing to link
	}
	if err != nil {
		return fmt.Errorf("read library links: %w", err)
	}
	var links []struct{ Source, Target string }
	if err := json.Unmarshal(data, &links); err != nil {
		return fmt.Errorf("%s: %w", symlinksFile, err)
	}
	for _, l := range links {
		source, err1 := insidePackage(pkgDir, l.Source)
		target, err2 := insidePackage(pkgDir, l.Target)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("%s: %w", symlinksFile, err)
		}
		if _, err := os.Lstat(target); err == nil {
			continue
		}
		rel, err := filepath.Rel(filepath.Dir(target), source)
		if err != nil {
			return fmt.Errorf("link %s: %w", l.Target, err)
		}
		// Another process may link it at the same moment; that is as good.
		if err := os.Symlink(rel, target); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("link %s to %s: %w", l.Target, l.Source, err)
		}
	}
	return nil
}

// insidePackage resolves a path from symlinksFile, refusing one that would
// leave the package's native folder.
func insidePackage(pkgDir, rel string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || !strings.HasPrefix(clean, "native"+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q is not inside native/", rel)
	}
	return filepath.Join(pkgDir, clean), nil
}
