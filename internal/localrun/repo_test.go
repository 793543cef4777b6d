package localrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindRoot(t *testing.T) {
	root := t.TempDir()
	nested := filepath.Join(root, "internal", "pkg")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{root, nested} {
		got, err := FindRoot(dir)
		if err != nil {
			t.Fatalf("FindRoot(%s): %v", dir, err)
		}
		if got != root {
			t.Errorf("FindRoot(%s) = %s, want %s", dir, got, root)
		}
	}
}

func TestFindRootWithoutGoMod(t *testing.T) {
	dir := t.TempDir()
	// Only meaningful when no parent of the temp dir holds a go.mod.
	if _, err := FindRoot(filepath.Dir(dir)); err == nil {
		t.Skip("a parent of the temp folder holds a go.mod")
	}
	_, err := FindRoot(dir)
	if err == nil || !strings.Contains(err.Error(), "no go.mod in "+dir) {
		t.Errorf("FindRoot(%s) error = %v, want one naming the folder", dir, err)
	}
}

func TestKinesisLocalDirMissing(t *testing.T) {
	_, err := KinesisLocalDir(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run make deps") {
		t.Errorf("KinesisLocalDir(empty folder) error = %v, want one telling to run make deps", err)
	}
}

func TestKinesisLocalDirInstalled(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "node_modules", "kinesis-local")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.js"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := KinesisLocalDir(root)
	if err != nil || got != dir {
		t.Errorf("KinesisLocalDir = %q, %v; want %q, nil", got, err, dir)
	}
}
