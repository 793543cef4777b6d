// Package dashboard serves the analytics queries of sql/queries as a page of charts on 127.0.0.1, drawn as SVG on the server, and writes the same charts as one self-contained HTML report.
package dashboard
