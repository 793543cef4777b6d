// Tests of the Makefile itself: what make help prints, what make clean
// removes, and the environment the CDK commands run in. Each runs make in a
// child process; none starts a server or touches the network.
package chatstream_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/localrun"
)

// runMake runs make with args in dir and returns its exit code and output.
// MAKEFLAGS and MAKELEVEL are dropped, so that a make test above this test
// does not pass its own flags on.
func runMake(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = dir
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "MAKEFLAGS" || name == "MFLAGS" || name == "MAKELEVEL" || name == "NO_COLOR"
	})
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("make %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errOut.String()
}

// TestHelp: make help wrote colour codes into a pipe or a file, and listed
// no variables.
func TestHelp(t *testing.T) {
	code, out, stderr := runMake(t, ".", "help")
	if code != 0 {
		t.Fatalf("make help exited %d: %s", code, stderr)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("make help into a pipe printed escape codes:\n%q", out)
	}

	// Every documented target is listed, and under it the variables it
	// takes, with the defaults the Makefile sets.
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^([a-z-]+):.*## `).FindAllStringSubmatch(string(makefile), -1) {
		if !regexp.MustCompile(`(?m)^  ` + m[1] + ` +\S`).MatchString(out) {
			t.Errorf("make help does not list target %s", m[1])
		}
	}
	// The local limit in the help is the one the command enforces.
	if limit := "(at most " + strconv.Itoa(localrun.MaxEvents) + " events)"; !regexp.MustCompile(`(?m)^  invoke-local .*` + regexp.QuoteMeta(limit)).MatchString(out) {
		t.Errorf("make help does not give the local limit %s for invoke-local", limit)
	}
	for target, want := range map[string]string{
		"local":        "TICKS=3 INTERVAL=5s EVENTS=500 KINESIS_PORT=0 LAMBDA_PORT=0 RATE USERS SEED RHYTHM DIRTY_RATIO LOSE_ANSWERS=0 WAREHOUSE_PORT=0 DASHBOARD_ADDR=127.0.0.1:0",
		"invoke-local": "EVENTS=500 EVENT=events/scheduler.json KINESIS_PORT=0 LAMBDA_PORT=0 RATE USERS SEED RHYTHM DIRTY_RATIO LOSE_ANSWERS=0",
		"query":        "ENV=staging Q",
		"query-local":  "Q",
		"dashboard":    "ENV=staging DASHBOARD_ADDR=127.0.0.1:0 LOCAL",
		"report":       "ENV=staging REPORT=.local/report.html LOCAL",
		"sql":          "ENV=staging MODE ENGINE FROM_STACK",
		"smoke":        "ENV=staging RATE COUNT=1000 TIMEOUT=5m",
		"fuzz":         "FUZZTIME=1m",
		"deploy":       "ENV=staging",
		"clean":        "ALL",
	} {
		re := regexp.MustCompile(`(?m)^  ` + target + ` .*\n {16}(.*)$`)
		m := re.FindStringSubmatch(out)
		if m == nil || !strings.Contains(m[1], want) {
			t.Errorf("make help lists for %s the variables %q, want them to include %q", target, m, want)
		}
	}
}

// TestReadmeTargets: the README's table of make targets fell behind the
// Makefile, missing query-local, dashboard, report and chromium after they
// were added. Now each target make help lists has exactly one row in it,
// and each row names a target make help lists.
func TestReadmeTargets(t *testing.T) {
	code, help, stderr := runMake(t, ".", "help")
	if code != 0 {
		t.Fatalf("make help exited %d: %s", code, stderr)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range targetTableProblems(help, string(readme)) {
		t.Error(p)
	}

	// The check itself: a row taken out, a row twice, a row for a target
	// that does not exist, and a README without the table are each found.
	queryLocal := "| `make query-local` | run `sql/queries/<Q>.sql` on the local warehouse |\n"
	small := "usage: make [target]\n\n  help           Show this help\n  query-local    Run a query\n                 Q\n"
	table := "# x\n\n## Make targets\n\n| target | what it does |\n|---|---|\n| `make help` | list the targets |\n" + queryLocal + "\n## Measured\n\n| `make nope` | outside the table |\n"
	tests := []struct {
		name, readme string
		want         []string
	}{
		{name: "complete", readme: table},
		{name: "a row missing", readme: strings.Replace(table, queryLocal, "", 1),
			want: []string{"README.md's table of make targets has no row for make query-local, which make help lists"}},
		{name: "a row twice", readme: strings.Replace(table, queryLocal, queryLocal+queryLocal, 1),
			want: []string{"README.md's table of make targets has 2 rows for make query-local; give it one"}},
		{name: "a row for no target", readme: strings.Replace(table, queryLocal, queryLocal+"| `make gone` | removed |\n", 1),
			want: []string{"README.md's table of make targets lists make gone, which make help does not list"}},
		{name: "no table", readme: "# x\n",
			want: []string{`README.md has no "## Make targets" section`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := targetTableProblems(small, tt.readme); !slices.Equal(got, tt.want) {
				t.Errorf("targetTableProblems() = %q, want %q", got, tt.want)
			}
		})
	}
}

// targetTableProblems compares the targets in the output of make help with
// the rows of the README's "## Make targets" section, one `make <target>`
// per row, and says what differs.
func targetTableProblems(help, readme string) []string {
	const heading = "\n## Make targets\n"
	start := strings.Index(readme, heading)
	if start < 0 {
		return []string{`README.md has no "## Make targets" section`}
	}
	section := readme[start+len(heading):]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	rows := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^\\| `make ([a-z][a-z-]*)` \\|").FindAllStringSubmatch(section, -1) {
		rows[m[1]]++
	}
	var problems []string
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z][a-z-]*) +\S`).FindAllStringSubmatch(help, -1) {
		target := m[1]
		listed[target] = true
		switch n := rows[target]; {
		case n == 0:
			problems = append(problems, fmt.Sprintf("README.md's table of make targets has no row for make %s, which make help lists", target))
		case n > 1:
			problems = append(problems, fmt.Sprintf("README.md's table of make targets has %d rows for make %s; give it one", n, target))
		}
	}
	for _, target := range slices.Sorted(maps.Keys(rows)) {
		if !listed[target] {
			problems = append(problems, fmt.Sprintf("README.md's table of make targets lists make %s, which make help does not list", target))
		}
	}
	return problems
}

// TestCDKEnvironment: CDK CLI telemetry was turned off for make synth only,
// not for diff, deploy and destroy; and on Node 20 every synthesis printed
// jsii's 13-line end-of-life banner. Both are now variables that make
// exports to every recipe; a stand-in for the CDK CLI shows what it gets.
func TestCDKEnvironment(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "cdk")
	script := "#!/bin/sh\necho \"$1 telemetry-off=$CDK_DISABLE_CLI_TELEMETRY jsii-eol-ack=$JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION\"\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// make deploy also asks for confirmation first, so it is left out here;
	// the variables are exported to every recipe alike.
	code, out, stderr := runMake(t, ".", "synth", "diff", "destroy", "CDK="+fake)
	if code != 0 {
		t.Fatalf("make exited %d: %s", code, stderr)
	}
	for _, command := range []string{"synth", "diff", "destroy"} {
		if want := command + " telemetry-off=true jsii-eol-ack=20"; !strings.Contains(out, want) {
			t.Errorf("make %s ran the CDK CLI without %q:\n%s", command, want, out)
		}
	}
}

// TestClean runs make clean on a copy of the Makefile in a scratch folder.
func TestClean(t *testing.T) {
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	made := []string{".local/lambda.log", "bin/local", "cdk.out/manifest.json", "node_modules/.package-lock.json"}
	kept := []string{"go.mod", "events/manual.json"}
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		for _, f := range append(append([]string{"Makefile"}, made...), kept...) {
			path := filepath.Join(dir, f)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, makefile, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	exists := func(dir, f string) bool {
		_, err := os.Stat(filepath.Join(dir, f))
		return err == nil
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		gone     []string
	}{
		{name: "clean", args: []string{"clean"}, gone: made[:3]},
		{name: "ALL=1 also node_modules", args: []string{"clean", "ALL=1"}, gone: made},
		{name: "ALL=yes is refused", args: []string{"clean", "ALL=yes"}, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := setup(t)
			code, _, stderr := runMake(t, dir, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("make %s exited %d, want %d: %s", strings.Join(tt.args, " "), code, tt.wantCode, stderr)
			}
			for _, f := range append(append([]string{"Makefile"}, made...), kept...) {
				if want := !slices.Contains(tt.gone, f); exists(dir, f) != want {
					t.Errorf("after make %s, %s exists: %t, want %t", strings.Join(tt.args, " "), f, !want, want)
				}
			}
		})
	}
}
