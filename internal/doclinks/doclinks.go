package doclinks

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Problem is a link that does not resolve.
type Problem struct {
	// File is the page that holds the link, as given to Check.
	File string
	// Line is the link's line, counted from 1.
	Line int
	// Target is the link's destination as written.
	Target string
	// Reason says why it does not resolve.
	Reason string
}

// String renders the problem as file:line: target: reason.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Target, p.Reason)
}

// Check reads the Markdown pages files, given as slash-separated paths
// relative to the folder root, and returns a Problem for every relative link
// whose file or folder does not exist inside root, and for every #anchor
// that names no heading of its page. A link that starts with / is relative to
// root, as GitHub reads it in a repository. Check fails only when a page
// cannot be read or parsed.
func Check(root string, files []string) ([]Problem, error) {
	c := checker{root: root, pages: map[string]*page{}}
	var problems []Problem
	for _, file := range files {
		p, err := c.page(file)
		if err != nil {
			return nil, err
		}
		for _, l := range p.links {
			if reason := c.resolve(file, l.target); reason != "" {
				problems = append(problems, Problem{File: file, Line: l.line, Target: l.target, Reason: reason})
			}
		}
	}
	return problems, nil
}

// checker resolves links, parsing each page it needs once.
type checker struct {
	root  string
	pages map[string]*page
}

// page is what Check needs of a Markdown page: its links and its anchors.
type page struct {
	links   []link
	anchors map[string]bool
}

// link is one link or image of a page.
type link struct {
	target string
	line   int
}

// page parses the page at name, a slash-separated path relative to root.
func (c *checker) page(name string) (*page, error) {
	if p, ok := c.pages[name]; ok {
		return p, nil
	}
	source, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	p := parse(source)
	c.pages[name] = p
	return p, nil
}

// resolve says why target, a link on the page from, does not resolve, or ""
// when it does.
func (c *checker) resolve(from, target string) string {
	if external(target) {
		return ""
	}
	rawPath, fragment, _ := strings.Cut(target, "#")
	file, err := url.PathUnescape(rawPath)
	if err != nil {
		return fmt.Sprintf("not a valid URL path: %v", err)
	}
	switch {
	case file == "":
		file = from
	case strings.HasPrefix(file, "/"):
		file = path.Clean(strings.TrimPrefix(file, "/"))
	default:
		file = path.Join(path.Dir(from), file)
	}
	if file == ".." || strings.HasPrefix(file, "../") {
		return "leaves the repository"
	}
	info, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(file)))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("no file or folder %s", file)
	}
	if err != nil {
		return err.Error()
	}
	if fragment == "" {
		return ""
	}
	if info.IsDir() || !strings.EqualFold(path.Ext(file), ".md") {
		return fmt.Sprintf("an anchor on %s, which is not a Markdown page", file)
	}
	anchor, err := url.PathUnescape(fragment)
	if err != nil {
		return fmt.Sprintf("not a valid anchor: %v", err)
	}
	p, err := c.page(file)
	if err != nil {
		return err.Error()
	}
	if !p.anchors[anchor] {
		return fmt.Sprintf("no heading of %s has the anchor %q", file, anchor)
	}
	return ""
}

// external reports whether target leaves the repository by itself: it has a
// scheme, or it is protocol-relative.
func external(target string) bool {
	if strings.HasPrefix(target, "//") {
		return true
	}
	u, err := url.Parse(target)
	return err == nil && u.Scheme != ""
}

// markdown parses as GitHub does: CommonMark with tables, strikethrough,
// autolinks and task lists.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// parse reads a page's links and anchors.
func parse(source []byte) *page {
	doc := markdown.Parser().Parse(text.NewReader(source))
	p := &page{anchors: map[string]bool{}}
	for _, a := range anchors(doc, source) {
		p.anchors[a] = true
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest []byte
		switch n := n.(type) {
		case *ast.Link:
			dest = n.Destination
		case *ast.Image:
			dest = n.Destination
		default:
			return ast.WalkContinue, nil
		}
		p.links = append(p.links, link{target: string(dest), line: line(n, source)})
		return ast.WalkContinue, nil
	})
	return p
}

// Anchors returns the anchors of a Markdown page's headings, in order: each
// heading's Slug, a repeated one suffixed -1, -2, … as GitHub does.
func Anchors(source []byte) []string {
	return anchors(markdown.Parser().Parse(text.NewReader(source)), source)
}

func anchors(doc ast.Node, source []byte) []string {
	var out []string
	seen := map[string]int{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		// A slug that was handed out takes the next free suffix; the suffixed
		// slug is taken too, so that a heading that reads like it later gets
		// a suffix of its own (github-slugger's rule).
		base := Slug(plainText(h, source))
		slug := base
		for {
			if _, taken := seen[slug]; !taken {
				break
			}
			seen[base]++
			slug = fmt.Sprintf("%s-%d", base, seen[base])
		}
		seen[slug] = 0
		out = append(out, slug)
		return ast.WalkSkipChildren, nil
	})
	return out
}

// plainText is a heading's text as a reader sees it: the text of its code
// spans, emphasis and links, without the markup, escapes resolved.
func plainText(n ast.Node, source []byte) string {
	var b bytes.Buffer
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			v := n.Segment.Value(source)
			if !n.IsRaw() {
				v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
			}
			b.Write(v)
			if n.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// line is the line a link starts on: that of its first text, or of the
// block that holds it when it has none.
func line(n ast.Node, source []byte) int {
	offset := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			offset = t.Segment.Start
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	for b := n; offset < 0 && b != nil; b = b.Parent() {
		if b.Type() == ast.TypeBlock && b.Lines().Len() > 0 {
			offset = b.Lines().At(0).Start
		}
	}
	if offset < 0 {
		return 0
	}
	return bytes.Count(source[:offset], []byte("\n")) + 1
}

// Slug returns the anchor GitHub gives a heading whose text is heading, as
// the github-slugger package computes it: lower case; every character
// removed that is punctuation other than the connector kind (_) and the
// hyphen-minus, a symbol, a separator other than the space, a control or
// format character, or a number other than a decimal digit or a letter
// number, unless it is alphabetic; then each space replaced by "-". Runs of
// spaces are not collapsed: "a  b" is "a--b".
func Slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-',
			unicode.IsLetter(r), unicode.IsMark(r),
			unicode.In(r, unicode.Nd, unicode.Nl, unicode.Pc, unicode.Other_Alphabetic):
			b.WriteRune(r)
		}
	}
	return b.String()
}
