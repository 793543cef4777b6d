package dashboard

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/golden"
)

// get sends a GET for path to h as a browser on this machine would.
func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = "127.0.0.1:8080"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestDataEndpoints(t *testing.T) {
	// GIVEN a dashboard whose queries each end a different way, refreshed once
	d := newTestDashboard(t, seededAnswers())
	if err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	h, err := d.handler(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		wantStatus int
		golden     string
	}{
		{name: "every panel", path: "/api/panels", wantStatus: http.StatusOK, golden: "testdata/panels.golden.json"},
		{name: "one panel", path: "/api/panels/busiest_chats", wantStatus: http.StatusOK, golden: "testdata/panel_busiest_chats.golden.json"},
		{name: "unknown panel", path: "/api/panels/drop_everything", wantStatus: http.StatusNotFound, golden: "testdata/panel_unknown.golden.json"},
		{name: "the page's panels", path: "/panels", wantStatus: http.StatusOK, golden: "testdata/panels.golden.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// WHEN the endpoint is asked
			rec := get(t, h, tt.path)

			// THEN it answers with what the panels hold
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, rec.Code, rec.Body, tt.wantStatus)
			}
			golden.Check(t, tt.golden, rec.Body.String())
		})
	}
}

func TestPageAndAssets(t *testing.T) {
	d := newTestDashboard(t, seededAnswers())
	h, err := d.handler(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, wantType, wantBody string
	}{
		{path: "/", wantType: "text/html; charset=utf-8", wantBody: `<script src="assets/refresh.js" defer></script>`},
		{path: "/assets/style.css", wantType: "text/css; charset=utf-8", wantBody: ".panels {"},
		{path: "/assets/refresh.js", wantType: "text/javascript; charset=utf-8", wantBody: `fetch("panels"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != tt.wantType || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s = %d, %q, body without %q:\n%s", tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.wantBody, rec.Body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; script-src 'self'") {
				t.Errorf("GET %s has Content-Security-Policy %q; want one that loads nothing from elsewhere", tt.path, csp)
			}
		})
	}
	for _, path := range []string{"/assets/page.html.tmpl", "/nope", "/assets/"} {
		if rec := get(t, h, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
}

func TestRefusesOtherHosts(t *testing.T) {
	d := newTestDashboard(t, seededAnswers())
	h, err := d.handler(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]int{
		"127.0.0.1:9000":       http.StatusOK,
		"localhost:9000":       http.StatusOK,
		"localhost":            http.StatusOK,
		"attacker.example:80":  http.StatusMisdirectedRequest,
		"127.0.0.1.nip.io:900": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/panels", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("GET /api/panels with Host %q = %d, want %d", host, rec.Code, want)
		}
	}
}

func TestListenOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "localhost:0", "[::1]:0", "192.0.2.1:0", "127.0.0.1"} {
		if ln, err := Listen(addr); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) listened on %s; want a refusal", addr, ln.Addr())
		} else if !strings.Contains(err.Error(), addr) {
			t.Errorf("Listen(%q) = %v; want an error naming the address", addr, err)
		}
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !strings.HasPrefix(URL(ln), "http://127.0.0.1:") {
		t.Errorf("URL = %s, want http://127.0.0.1:PORT/", URL(ln))
	}
}

func TestServeStopsAndCancelsQueries(t *testing.T) {
	// GIVEN a served dashboard with a query that hangs until cancelled
	cancelled := make(chan error, 1)
	runner := seededAnswers()
	runner["active_users"] = func(ctx context.Context) (*dataapi.Result, error) {
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	}
	d, err := New(Config{Source: Source{Name: "test", Runner: runner, Render: fakeRender}, QueryTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, ln) }()
	stop := sync.OnceValue(func() error {
		cancel()
		return <-served
	})
	t.Cleanup(func() { stop() })

	// WHEN the page is asked for, and then the context ends
	res, err := http.Get(URL(ln) + "api/panels")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"query": "active_users"`) {
		t.Fatalf("GET /api/panels = %d:\n%s", res.StatusCode, body)
	}

	// THEN Serve returns once the hanging query was cancelled, and the
	// port is closed
	if err := stop(); err != nil {
		t.Errorf("Serve = %v, want nil after the context ended", err)
	}
	select {
	case err := <-cancelled:
		if err != context.Canceled {
			t.Errorf("the hanging query ended with %v, want context.Canceled", err)
		}
	default:
		t.Error("Serve returned before the hanging query was cancelled")
	}
	if _, err := http.Get(URL(ln)); err == nil {
		t.Error("the dashboard still answers after Serve returned")
	}
}

func TestFirstPageWaitsBrieflyForTheFirstResults(t *testing.T) {
	// GIVEN a dashboard that has run nothing yet, whose queries answer in
	// a few milliseconds, except one that hangs until its deadline
	runner := seededAnswers()
	slow := runner["busiest_chats"]
	runner["busiest_chats"] = func(ctx context.Context) (*dataapi.Result, error) {
		time.Sleep(20 * time.Millisecond)
		return slow(ctx)
	}
	d, err := New(Config{Source: Source{Name: "test", Runner: runner, Render: fakeRender}, QueryTimeout: 3 * firstPaint})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.wait)
	h, err := d.handler(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	// WHEN the page is opened
	body := get(t, h, "/").Body.String()

	// THEN it shows what answered, and waiting only for the query that has
	// not
	for query, state := range map[string]State{"busiest_chats": OK, "malformed_records": Empty, "newest_event_age": Failed, "active_users": Pending} {
		if want := `data-query="` + query + `" data-state="` + string(state) + `"`; !strings.Contains(body, want) {
			t.Errorf("the first page has no %s", want)
		}
	}
}
