package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// loopback is the only address the dashboard listens on.
const loopback = "127.0.0.1"

// Listen listens on addr, which must be 127.0.0.1 and a port (0 picks a
// free one): the page shows the warehouse's data to whoever reaches it,
// so it is never reachable from another machine.
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %q: want 127.0.0.1:PORT: %w", addr, err)
	}
	if host != loopback {
		return nil, fmt.Errorf("listen on %q: the dashboard listens on 127.0.0.1 only, not on %q", addr, host)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("listen on %q: %w", addr, err)
	}
	return ln, nil
}

// URL is the page's address on ln.
func URL(ln net.Listener) string {
	return "http://" + ln.Addr().String() + "/"
}

// shutdownGrace bounds how long Serve waits for requests in flight once
// ctx ends.
const shutdownGrace = 5 * time.Second

// Serve serves the page on ln until ctx ends, then stops, cancels the
// queries in flight and waits for them. It starts every chart's query at
// once, so that the first page shows data as soon as the warehouse
// answers; after that, queries run only while a page asks for news.
func (d *Dashboard) Serve(ctx context.Context, ln net.Listener) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer d.wait()
	defer cancel()
	h, err := d.handler(runCtx)
	if err != nil {
		ln.Close()
		return err
	}
	d.refreshStale(runCtx)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("dashboard: %w", err)
	case <-ctx.Done():
	}
	stop, cancelStop := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancelStop()
	if err := srv.Shutdown(stop); err != nil {
		return fmt.Errorf("dashboard: stop serving: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// securityHeaders keep the page from loading or sending anything beyond
// this server, and from being framed.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"Cache-Control":           "no-store",
}

// handler serves the page, its panels, the data endpoints and the assets.
// Every request for data counts as someone watching: it starts the queries
// whose data is older than the interval, in ctx, and answers at once with
// what the panels hold.
func (d *Dashboard) handler(ctx context.Context) (http.Handler, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		d.refreshStale(ctx)
		d.awaitFirst(r.Context(), firstPaint)
		d.writeHTML(w, p, "page")
	})
	mux.HandleFunc("GET /panels", func(w http.ResponseWriter, r *http.Request) {
		d.refreshStale(ctx)
		d.awaitFirst(r.Context(), firstPaint)
		d.writeHTML(w, p, "content")
	})
	mux.HandleFunc("GET /api/panels", func(w http.ResponseWriter, r *http.Request) {
		d.refreshStale(ctx)
		writeJSON(w, http.StatusOK, d.snapshot().document())
	})
	mux.HandleFunc("GET /api/panels/{query}", func(w http.ResponseWriter, r *http.Request) {
		d.refreshStale(ctx)
		v := d.snapshot()
		query := r.PathValue("query")
		var names []string
		for _, pv := range v.Panels {
			if pv.Chart.Query == query {
				writeJSON(w, http.StatusOK, pv.document(v.Timeout))
				return
			}
			names = append(names, pv.Chart.Query)
		}
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": fmt.Sprintf("no panel shows a query named %q; the panels show %s", query, strings.Join(names, ", ")),
		})
	})
	for _, file := range []string{"style.css", "refresh.js"} {
		mux.HandleFunc("GET /assets/"+file, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, assets, "assets/"+file)
		})
	}
	return guard(mux), nil
}

// firstPaint bounds how long a page waits for panels that are still
// running their first query: a page opened right after the start shows
// data rather than "waiting" when the warehouse answers within it.
const firstPaint = time.Second

// awaitFirst waits until every panel that has shown nothing yet has ended
// its first run, or until limit has passed or ctx ended.
func (d *Dashboard) awaitFirst(ctx context.Context, limit time.Duration) {
	d.mu.Lock()
	var waits []chan struct{}
	for _, p := range d.panels {
		if p.last == nil && p.running != nil {
			waits = append(waits, p.running.done)
		}
	}
	d.mu.Unlock()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for _, done := range waits {
		select {
		case <-done:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// localHosts are the names a browser on this machine reaches 127.0.0.1 by.
var localHosts = []string{loopback, "localhost"}

// guard adds the security headers and refuses a request whose Host is not
// this machine: a web page elsewhere that points its own name at 127.0.0.1
// (DNS rebinding) must not read the warehouse's data.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if !slices.Contains(localHosts, host) {
			http.Error(w, fmt.Sprintf("host %q: the dashboard answers only requests to 127.0.0.1 or localhost", r.Host), http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (d *Dashboard) writeHTML(w http.ResponseWriter, p *pages, name string) {
	var buf strings.Builder
	if err := p.write(&buf, name, d.snapshot(), false); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, buf.String())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, fmt.Sprintf("encode JSON: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
