package main

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeModule lays out a tiny module: a main package that imports one local package and embeds
// a file, plus a package and a test file the binary does not use.
func writeModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":              "module example.com/m\n\ngo 1.24\n",
		"go.sum":              "",
		"cmd/fn/main.go":      "package main\n\nimport \"example.com/m/greet\"\n\nfunc main() { println(greet.Hello()) }\n",
		"cmd/fn/main_test.go": "package main\n",
		"greet/greet.go":      "package greet\n\nimport _ \"embed\"\n\n//go:embed hello.txt\nvar hello string\n\n// Hello greets.\nfunc Hello() string { return hello }\n",
		"greet/hello.txt":     "hello",
		"unused/unused.go":    "package unused\n",
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestSourceHashCoversExactlyWhatTheBinaryIsBuiltFrom(t *testing.T) {
	root := writeModule(t)
	b := &GoBundler{Root: root, Package: "./cmd/fn"}
	before, err := b.SourceHash()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		changes bool
	}{
		{name: "the main package", file: "cmd/fn/main.go", changes: true},
		{name: "an imported package", file: "greet/greet.go", changes: true},
		{name: "an embedded file", file: "greet/hello.txt", changes: true},
		{name: "go.mod", file: "go.mod", changes: true},
		{name: "go.sum", file: "go.sum", changes: true},
		{name: "a test file", file: "cmd/fn/main_test.go", changes: false},
		{name: "a package the binary does not import", file: "unused/unused.go", changes: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the module's hash, WHEN one file gets an extra line (a comment where Go allows one)
			path := filepath.Join(root, tt.file)
			original, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.WriteFile(path, original, 0o644) })
			extra := "\n// changed\n"
			if strings.HasSuffix(tt.file, ".txt") || strings.HasSuffix(tt.file, ".sum") {
				extra = "changed\n"
			}
			if err := os.WriteFile(path, append(bytes.Clone(original), extra...), 0o644); err != nil {
				t.Fatal(err)
			}
			after, err := b.SourceHash()
			if err != nil {
				t.Fatal(err)
			}
			// THEN the hash changes exactly when the binary could change
			if got := after != before; got != tt.changes {
				t.Errorf("hash changed = %t, want %t", got, tt.changes)
			}
		})
	}
}

func TestTryBundleBuildsALinuxArm64Bootstrap(t *testing.T) {
	// GIVEN a module with a main package
	root := writeModule(t)
	out := t.TempDir()
	var log bytes.Buffer
	b := &GoBundler{Root: root, Package: "./cmd/fn", Log: &log}
	// WHEN CDK asks it to bundle
	ok := b.TryBundle(&out, nil)
	// THEN it reports success and leaves a static linux/arm64 executable named bootstrap
	if !*ok {
		t.Fatalf("TryBundle = false, want true; go output:\n%s", log.String())
	}
	f, err := elf.Open(filepath.Join(out, "bootstrap"))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF file: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("bootstrap machine = %v, want EM_AARCH64", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap has a dynamic loader, want a static binary (CGO_ENABLED=0)")
		}
	}
}

func TestTryBundleReportsABrokenPackage(t *testing.T) {
	// GIVEN a main package that does not compile
	root := writeModule(t)
	if err := os.WriteFile(filepath.Join(root, "cmd/fn/main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var log bytes.Buffer
	// WHEN CDK asks it to bundle
	ok := (&GoBundler{Root: root, Package: "./cmd/fn", Log: &log}).TryBundle(&out, nil)
	// THEN it declines, and says which package failed and why
	if *ok {
		t.Fatal("TryBundle = true for a broken package, want false")
	}
	for _, want := range []string{"./cmd/fn", "undefined"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log = %q, want it to mention %q", log.String(), want)
		}
	}
}

func TestModuleRoot(t *testing.T) {
	root := writeModule(t)
	tests := []struct {
		name, dir, want string
	}{
		{name: "the root itself", dir: root, want: root},
		{name: "a nested package", dir: filepath.Join(root, "cmd", "fn"), want: root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ModuleRoot(tt.dir)
			if err != nil || got != tt.want {
				t.Errorf("ModuleRoot(%s) = %q, %v; want %q", tt.dir, got, err, tt.want)
			}
		})
	}
	if _, err := ModuleRoot("/"); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("ModuleRoot(/) error = %v, want one saying no go.mod was found", err)
	}
}
