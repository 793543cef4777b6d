package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// BenchmarkFirstChart measures what a person who opens the dashboard as
// soon as make local prints its address waits for: the time from the
// start of the run (the producer and the emulator built, the servers
// started) until the events chart has its first point to draw, read from
// the data endpoint the page asks. A page shows it at its next question,
// within dashboardInterval.
func BenchmarkFirstChart(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		total += firstChart(b)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/first-chart")
}

func firstChart(b *testing.B) time.Duration {
	ctx, cancel := context.WithTimeout(b.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	r, w := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		code := dispatch(ctx, nil, []string{"run", "-ticks", "1", "-workdir", shared}, w, io.Discard)
		w.Close()
		exited <- code
	}()
	defer func() {
		if code := <-exited; code != 0 {
			b.Errorf("local run exited %d", code)
		}
	}()
	lines := bufio.NewScanner(r)
	dashboard := regexp.MustCompile(`^dashboard       (http://127\.0\.0\.1:\d+/)$`)
	for lines.Scan() {
		m := dashboard.FindStringSubmatch(lines.Text())
		if m == nil {
			continue
		}
		// The run goes on writing while the page is asked.
		go io.Copy(io.Discard, r)
		for ctx.Err() == nil {
			res, err := http.Get(m[1] + "api/panels/events_per_minute")
			if err != nil {
				b.Fatal(err)
			}
			var panel struct {
				State  string `json:"state"`
				Points int    `json:"points"`
			}
			err = json.NewDecoder(res.Body).Decode(&panel)
			res.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			if panel.State == "ok" && panel.Points > 0 {
				return time.Since(start)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	go io.Copy(io.Discard, r)
	b.Fatalf("no events chart: %v", ctx.Err())
	return 0
}
