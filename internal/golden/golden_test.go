package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder keeps what check reports instead of failing the test.
type recorder struct {
	errors, fatals []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		file      *string // nil: no golden file
		got       string
		update    bool
		wantError string // substring of the one Errorf, or "" for none
		wantFatal string // substring of the one Fatalf, or "" for none
		wantFile  string // the file's content afterwards
	}{
		{name: "same", file: ptr("a\nb\n"), got: "a\nb\n", wantFile: "a\nb\n"},
		{name: "different", file: ptr("a\nb\n"), got: "a\nc\n", wantError: "mismatch (-want +got)", wantFile: "a\nb\n"},
		{name: "missing file", got: "a\n", wantFatal: "run the test with -update to create it"},
		{name: "update rewrites", file: ptr("old\n"), got: "new\n", update: true, wantFile: "new\n"},
		{name: "update creates", got: "new\n", update: true, wantFile: "new\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "testdata", "x.golden")
			if tt.file != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(*tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var r recorder
			check(&r, path, tt.got, tt.update)

			expectOne(t, "Errorf", r.errors, tt.wantError)
			expectOne(t, "Fatalf", r.fatals, tt.wantFatal)
			if tt.wantFile == "" {
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.wantFile {
				t.Errorf("golden file holds %q, want %q", b, tt.wantFile)
			}
		})
	}
}

func TestCheckShowsTheDifference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("kept line\nwanted line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var r recorder
	check(&r, path, "kept line\nactual line\n", false)
	if len(r.errors) != 1 {
		t.Fatalf("check reported %d errors, want 1", len(r.errors))
	}
	for _, want := range []string{path, "wanted line", "actual line"} {
		if !strings.Contains(r.errors[0], want) {
			t.Errorf("mismatch report %q does not mention %q", r.errors[0], want)
		}
	}
}

// expectOne checks that msgs is empty when want is "", else one message
// containing want.
func expectOne(t *testing.T, what string, msgs []string, want string) {
	t.Helper()
	switch {
	case want == "" && len(msgs) != 0:
		t.Errorf("%s called with %q, want no call", what, msgs)
	case want != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], want)):
		t.Errorf("%s called with %q, want one message containing %q", what, msgs, want)
	}
}

func ptr(s string) *string { return &s }
