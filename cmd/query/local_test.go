package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/pgload"
	"github.com/chatstream/chatstream/internal/pgserver/pgservertest"
	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestLocalQuery is make query-local Q=active_users from a second
// terminal: it finds the server another process runs on the folder and
// prints the query's table.
func TestLocalQuery(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	// GIVEN a local warehouse with the DDL applied and nothing loaded,
	// started by someone else
	s := pgservertest.ForTest(ctx, t)
	pool, err := pgxpool.New(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	apply, err := chatsql.Apply(chatsql.LocalParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range apply {
		if _, err := (&pgload.Executor{Pool: pool}).Exec(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Dir(s.DataDir)

	// WHEN a query runs on it by name
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"local", "-q", "active_users", "-dir", dir}, &stdout, &stderr, noClients(t), noSleep)

	// THEN its table is printed, and no AWS client was built
	if err != nil {
		t.Fatal(err)
	}
	if want := "active_users\n------------\n           0\n(1 row)\n"; stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}

	// AND a query that does not exist is named, with those that do
	err = run(ctx, []string{"local", "-q", "nope", "-dir", dir}, &stdout, &stderr, noClients(t), noSleep)
	if err == nil || !strings.Contains(err.Error(), `no query named "nope"; have active_users,`) {
		t.Errorf("query local -q nope = %v; want the queries named", err)
	}
}

func TestLocalQueryWithoutAWarehouseSaysHowToStartOne(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"local", "-q", "active_users", "-dir", t.TempDir()}, &stdout, &stderr, noClients(t), noSleep)
	if err == nil || !strings.Contains(err.Error(), "no local PostgreSQL server is running on ") ||
		!strings.Contains(err.Error(), "next: start one with make local TICKS=0 in another terminal") {
		t.Errorf("query local without a warehouse = %v; want it to say so and how to start one", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}
