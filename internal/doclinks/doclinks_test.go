package doclinks

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSlug(t *testing.T) {
	tests := []struct {
		name, heading, want string
	}{
		{name: "words", heading: "What a deploy creates and costs", want: "what-a-deploy-creates-and-costs"},
		{name: "capitals", heading: "How Redshift reaches Kinesis", want: "how-redshift-reaches-kinesis"},
		{name: "apostrophe", heading: "The producer's environment", want: "the-producers-environment"},
		{name: "apostrophe and capitals", heading: "When the deploy's DDL fails", want: "when-the-deploys-ddl-fails"},
		{name: "dot in a file name", heading: "Environments in cdk.json", want: "environments-in-cdkjson"},
		{name: "colon and comma", heading: "The local warehouse: one source, two renderings", want: "the-local-warehouse-one-source-two-renderings"},
		{name: "hyphen kept", heading: "Zipf–Mandelbrot and make check-update", want: "zipfmandelbrot-and-make-check-update"},
		{name: "underscore kept", heading: "chat_events_rejected", want: "chat_events_rejected"},
		{name: "spaces around a removed character are not collapsed", heading: "Set up & run", want: "set-up--run"},
		{name: "two spaces", heading: "a  b", want: "a--b"},
		{name: "symbols and punctuation", heading: "C++ (and Go): 100% — done!", want: "c-and-go-100--done"},
		{name: "digits kept", heading: "Step 1. Bootstrap", want: "step-1-bootstrap"},
		{name: "arrow and math", heading: "A → B × 2", want: "a--b--2"},
		{name: "letters beyond ASCII", heading: "Über Größe", want: "über-größe"},
		{name: "superscripts and fractions are other numbers", heading: "x² and ½", want: "x-and-"},
		{name: "emoji", heading: "Launch 🚀 now", want: "launch--now"},
		{name: "alphabetic symbol kept", heading: "Ⓐ circled", want: "ⓐ-circled"},
		{name: "tab is a control character", heading: "a\tb", want: "ab"},
		{name: "empty", heading: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Slug(tt.heading); got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.heading, got, tt.want)
			}
		})
	}
}

func TestAnchors(t *testing.T) {
	page := "# Title\n\n## Title\n\n## Title-1\n\n## Title\n\n" +
		"Setext heading\n--------------\n\n" +
		"## `make local`.\n\n" +
		"## The *pipeline* and [its links](x.md)\n\n" +
		"## A &amp; B\n\n" +
		"## snake\\_case\n\n" +
		"    ## indented: code, not a heading\n\n" +
		"```\n## fenced: code, not a heading\n```\n\n" +
		"<h2>HTML is not a Markdown heading</h2>\n"
	want := []string{
		"title", "title-1",
		// "Title-1" reads like the second "Title", which took its slug.
		"title-1-1",
		"title-2",
		"setext-heading",
		"make-local",
		"the-pipeline-and-its-links",
		"a--b",
		"snake_case",
	}
	if diff := cmp.Diff(want, Anchors([]byte(page))); diff != "" {
		t.Errorf("Anchors (-want +got):\n%s", diff)
	}
}

func TestCheckFindsEveryBrokenLink(t *testing.T) {
	// GIVEN two pages whose links resolve, except those marked broken
	got, err := Check(filepath.Join("testdata", "site"), []string{"README.md", "docs/guide.md"})
	if err != nil {
		t.Fatal(err)
	}
	// THEN exactly the broken ones are reported, each on its line
	want := []Problem{
		{File: "README.md", Line: 21, Target: "docs/gone.md", Reason: "no file or folder docs/gone.md"},
		{File: "README.md", Line: 23, Target: "docs/guide.md#no-such-heading", Reason: `no heading of docs/guide.md has the anchor "no-such-heading"`},
		{File: "README.md", Line: 24, Target: "#nope", Reason: `no heading of README.md has the anchor "nope"`},
		{File: "README.md", Line: 25, Target: "pkg/#x", Reason: "an anchor on pkg, which is not a Markdown page"},
		{File: "README.md", Line: 26, Target: "../../outside.md", Reason: "leaves the repository"},
		{File: "README.md", Line: 27, Target: "docs/missing.png", Reason: "no file or folder docs/missing.png"},
		{File: "README.md", Line: 28, Target: "docs/also-gone.md", Reason: "no file or folder docs/also-gone.md"},
		{File: "docs/guide.md", Line: 5, Target: "../README.md#usage-2", Reason: `no heading of README.md has the anchor "usage-2"`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
}

func TestCheckRefusesAPageItCannotRead(t *testing.T) {
	if _, err := Check(filepath.Join("testdata", "site"), []string{"no-such-page.md"}); err == nil {
		t.Error("Check of a missing page: no error, want one")
	}
}

// TestRepositoryDocs holds the README and every page under docs/ to their
// links: a moved section, a renamed heading or a deleted file fails here.
func TestRepositoryDocs(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no pages in docs/")
	}
	files := []string{"README.md"}
	for _, p := range pages {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	slices.Sort(files[1:])
	problems, err := Check(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
