package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pgload"
	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	"github.com/chatstream/chatstream/lambda/load"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// chromiumEnv names a browser binary other than Debian's, such as Google
// Chrome on a Mac.
const chromiumEnv = "CHROMIUM"

// chromiumPaths are where Debian's chromium package puts the browser: the
// binary itself first, without the launcher script that adds flags of its
// own.
var chromiumPaths = []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"}

// findChromium returns the browser the test drives, or fails the test
// saying how to install it: the browser test is part of make test, and a
// missing browser is a broken setup, not a reason to skip.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(chromiumEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", chromiumEnv, p, err)
		}
		return p
	}
	for _, p := range chromiumPaths {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	t.Fatalf("the browser test needs Chromium, which is not installed (looked for %s). make chromium installs Debian's package "+
		"(make test runs it; it needs root and apt-get), or set %s to a Chrome or Chromium binary", strings.Join(chromiumPaths, ", "), chromiumEnv)
	return ""
}

// newBrowser starts a headless Chromium with a new, empty profile and
// returns its context; each tab is a child of it. The flags let it run as
// root (no sandbox), keep it from talking to anyone but this machine, and
// make every host name but 127.0.0.1 fail to resolve.
func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(findChromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first run starts the browser, bound to this context's life.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browser
}

// tab is a browser tab that records what the page writes to the console
// and every request it makes.
type tab struct {
	ctx      context.Context
	mu       sync.Mutex
	console  []string
	requests []string
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	tb.ctx = ctx
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1400, 900),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
			return err
		}),
	); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) listen(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			tb.console = append(tb.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		desc := ""
		if d.Exception != nil {
			desc = d.Exception.Description
		}
		tb.console = append(tb.console, fmt.Sprintf("exception at %s:%d: %s %s", d.URL, d.LineNumber+1, d.Text, desc))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			tb.console = append(tb.console, fmt.Sprintf("%s %s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		tb.requests = append(tb.requests, ev.Request.URL)
	}
}

// checkQuiet fails the test for anything the page wrote to the console as a
// warning or an error, and for any request outside the allowed prefixes.
func (tb *tab) checkQuiet(t *testing.T, allowed ...string) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.console {
		t.Errorf("the page wrote to the console: %s", m)
	}
	for _, u := range tb.requests {
		ok := false
		for _, prefix := range allowed {
			ok = ok || strings.HasPrefix(u, prefix)
		}
		if !ok {
			t.Errorf("the page requested %s; only %s are allowed", u, strings.Join(allowed, " and "))
		}
	}
}

// panelSeen is a panel as the browser shows it.
type panelSeen struct {
	Query  string `json:"query"`
	State  string `json:"state"`
	Points int    `json:"points"`
	Status string `json:"status"`
	Error  string `json:"error"`
	// Clipped are the chart texts drawn partly outside their chart.
	Clipped []string `json:"clipped"`
}

// readPanels is the script that reads the panels off the page.
const readPanels = `Array.from(document.querySelectorAll("section.panel")).map(p => ({
	query: p.dataset.query,
	state: p.dataset.state,
	points: p.querySelectorAll(".datum").length,
	status: (p.querySelector(".status") || {}).textContent || "",
	error: (p.querySelector(".error") || {}).textContent || "",
	clipped: Array.from(p.querySelectorAll("svg.chart text")).filter(t => {
		const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
		return box.x < 0 || box.x + box.width > view.width;
	}).map(t => t.textContent),
}))`

// waitPanels waits until no panel is pending and returns them.
func (tb *tab) waitPanels(t *testing.T) []panelSeen {
	t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Steps(
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[chromedp.Void](`document.querySelector('main[data-pending="false"]')`, chromedp.WithPollingTimeout(time.Minute))(ctx, t)
			return err
		}),
	)); err != nil {
		t.Fatalf("wait for every panel: %v", err)
	}
	panels, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]panelSeen](readPanels))
	if err != nil {
		t.Fatal(err)
	}
	return panels
}

// warehouse starts a local PostgreSQL and builds the test's schemas the
// way make local builds its own: the PostgreSQL rendering of the DDL, the
// stand-in for the streaming materialized view seeded with
// testdata/stream.sql, and the real loader typing it into the tables. In
// the schema failing, the rejected table is then dropped with the DDL's own
// statement, so that malformed_records fails there while the other panels
// draw. It returns a pool on the server.
func warehouse(t *testing.T, ctx context.Context) *pgxpool.Pool {
	t.Helper()
	s := pgservertest.ForTest(ctx, t)
	pool, err := pgxpool.New(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, schema := range []string{chatsql.DefaultSchema, failingSchema} {
		p := chatsql.LocalParams()
		p.Schema = schema
		exec := &pgload.Executor{Pool: pool}
		stmts, err := chatsql.Apply(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			if _, err := exec.Exec(ctx, st); err != nil {
				t.Fatalf("apply the DDL to %s: %v", schema, err)
			}
		}
		runScript(t, ctx, s.URL, schema, "stream.sql")
		loader, err := load.New(exec, p, time.Now, rand.New(rand.NewPCG(1, 2)), slog.New(slog.NewTextHandler(t.Output(), nil)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := loader.Run(ctx)
		if err != nil {
			t.Fatalf("load %s: %v", schema, err)
		}
		if res.Inserted != seededEvents || res.Rejected != seededRejects || res.Duplicates != 0 {
			t.Fatalf("the loader took %+v from testdata/stream.sql; want %d events and %d rejects", res, seededEvents, seededRejects)
		}
		runScript(t, ctx, s.URL, schema, "loaded.sql")
	}
	drop, err := chatsql.Teardown(chatsql.Params{Schema: failingSchema, Engine: chatsql.PostgreSQL})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range drop {
		if st.Name != "drop_rejected_table" {
			continue
		}
		if _, err := pool.Exec(ctx, st.SQL); err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
	}
	return pool
}

// What testdata/stream.sql holds, and the schema whose rejected table is
// dropped.
const (
	seededEvents  = 8176
	seededRejects = 5
	failingSchema = "no_rejects"
)

// runScript runs the SQL script testdata/name on the server at url, with
// schema as the search path, statement after statement.
func runScript(t *testing.T, ctx context.Context, url, schema, name string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// The simple protocol runs the whole script.
	if _, err := conn.Exec(ctx, string(script)).ReadAll(); err != nil {
		t.Fatalf("run testdata/%s in %s: %v", name, schema, err)
	}
}

// serve serves a dashboard of the default charts over the schema of the
// local warehouse, as make local does, on a free port until the test ends,
// and returns it and its URL.
func serve(t *testing.T, ctx context.Context, pool *pgxpool.Pool, schema string) (*Dashboard, string) {
	t.Helper()
	d, err := New(Config{Source: Local(pool, schema, "local warehouse, schema "+schema), Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return d, URL(ln)
}

// artefacts is where the test keeps what a person may want to look at:
// .local/dashboard under the repository.
func artefacts(t *testing.T) string {
	t.Helper()
	root, err := localrun.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".local", "dashboard")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInTheBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	browser := newBrowser(t, ctx)
	pool := warehouse(t, ctx)
	dir := artefacts(t)
	var measured strings.Builder

	t.Run("every chart draws its data, and the page refreshes itself", func(t *testing.T) {
		// GIVEN a browser tab open, and a dashboard that starts now
		tb := newTab(t, browser)
		start := time.Now()
		_, url := serve(t, ctx, pool, "chatstream")

		// WHEN the page is opened
		if err := chromedp.Do(tb.ctx, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](`document.querySelector('section[data-state="ok"] .datum')`,
			chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
			t.Fatalf("wait for the first chart: %v", err)
		}
		firstChart := time.Since(start)
		panels := tb.waitPanels(t)
		allCharts := time.Since(start)

		// THEN every panel draws points, and says when it was queried
		if len(panels) != len(Charts()) {
			t.Fatalf("the page shows %d panels, want %d", len(panels), len(Charts()))
		}
		for _, p := range panels {
			if p.State != string(OK) || p.Points == 0 || !strings.Contains(p.Status, "queried at") {
				t.Errorf("panel %s is %s with %d points: %s %s", p.Query, p.State, p.Points, p.Status, p.Error)
			}
			if len(p.Clipped) > 0 {
				t.Errorf("panel %s draws texts past its chart's edge: %q", p.Query, p.Clipped)
			}
		}

		// AND the page asks for news by itself: the refresh time moves on
		before, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector(".refreshed").dataset.refreshed`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](
			fmt.Sprintf(`document.querySelector(".refreshed").dataset.refreshed !== %q`, before), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Errorf("the page did not refresh itself after %s: %v", before, err)
		}

		shot, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "screenshot.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
		weight, err := chromedp.Run(tb.ctx, chromedp.Evaluate[map[string]int](`(() => {
			const out = {document: performance.getEntriesByType("navigation")[0].encodedBodySize};
			for (const r of performance.getEntriesByType("resource")) {
				const name = new URL(r.name).pathname;
				out[name] = Math.max(out[name] || 0, r.encodedBodySize);
			}
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		tb.checkQuiet(t, url, "data:")
		page := weight["document"] + weight["/assets/style.css"] + weight["/assets/refresh.js"]
		fmt.Fprintf(&measured, "server start to first chart in the browser: %s\nserver start to every chart: %s\n", firstChart.Round(time.Millisecond), allCharts.Round(time.Millisecond))
		fmt.Fprintf(&measured, "page weight: %d bytes (document %d, style.css %d, refresh.js %d); each refresh (/panels): %d bytes\n",
			page, weight["document"], weight["/assets/style.css"], weight["/assets/refresh.js"], weight["/panels"])
	})

	t.Run("a failing query shows its error in its own panel", func(t *testing.T) {
		// GIVEN a schema without the rejected table
		tb := newTab(t, browser)
		_, url := serve(t, ctx, pool, failingSchema)

		// WHEN the page is opened
		if err := chromedp.Do(tb.ctx, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		panels := tb.waitPanels(t)

		// THEN that query's panel shows PostgreSQL's error, and every other
		// panel draws
		for _, p := range panels {
			switch {
			case p.Query == "malformed_records":
				if p.State != string(Failed) || p.Points != 0 || !strings.Contains(p.Error, `relation "no_rejects.chat_events_rejected" does not exist`) ||
					!strings.Contains(p.Status, "sql/queries/malformed_records.sql failed at") {
					t.Errorf("panel %s is %s with %d points: %s %s; want it failed with the missing relation", p.Query, p.State, p.Points, p.Status, p.Error)
				}
			case p.State != string(OK) || p.Points == 0:
				t.Errorf("panel %s is %s with %d points: %s %s", p.Query, p.State, p.Points, p.Status, p.Error)
			}
		}
		tb.checkQuiet(t, url, "data:")
		shot, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "screenshot-failing-query.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the report opens offline with every chart", func(t *testing.T) {
		// GIVEN a report written from the seeded warehouse
		d, _ := serve(t, ctx, pool, "chatstream")
		path := filepath.Join(dir, "report.html")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		err = d.Report(ctx, f)
		if err := errors.Join(err, f.Close()); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}

		// WHEN it is opened in a tab with the network off
		tb := newTab(t, browser)
		if err := chromedp.Do(tb.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
			})
			return err
		}), chromedp.Navigate("file://"+path)); err != nil {
			t.Fatal(err)
		}
		panels, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]panelSeen](readPanels))
		if err != nil {
			t.Fatal(err)
		}

		// THEN every panel draws, and the file asked for nothing
		if len(panels) != len(Charts()) {
			t.Fatalf("the report shows %d panels, want %d", len(panels), len(Charts()))
		}
		for _, p := range panels {
			if p.State != string(OK) || p.Points == 0 {
				t.Errorf("report panel %s is %s with %d points: %s %s", p.Query, p.State, p.Points, p.Status, p.Error)
			}
		}
		tb.checkQuiet(t, "file://", "data:")
		fmt.Fprintf(&measured, "report file: %d bytes\n", info.Size())
	})

	t.Log("\n" + measured.String())
	if err := os.WriteFile(filepath.Join(dir, "measurements.txt"), []byte(measured.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
