// Package doclinks checks the relative links of Markdown pages as GitHub renders them: every linked file or folder exists, and every #anchor names a heading of its page.
//
// Pages are parsed with goldmark (CommonMark with GitHub's extensions), so a
// link is what a reader can click: links in code blocks and code spans are
// not links, and reference-style links count. An anchor is a heading's slug
// as GitHub makes it (see [Slug]), with a repeated slug suffixed -1, -2, ….
// Links with a scheme (https:, mailto:) are not checked, nor are links
// written as raw HTML.
package doclinks
