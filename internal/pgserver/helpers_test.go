package pgserver

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/jackc/pgx/v5"
)

// testContext is cancelled when the test ends or after limit.
func testContext(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)
	return ctx
}

// binaries is the installed server's folder.
func binaries(t testing.TB) string {
	t.Helper()
	root, err := localrun.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := Binaries(root)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// startServer starts a server on dir and stops it when the test ends.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Binaries == "" {
		cfg.Binaries = binaries(t)
	}
	s, err := Start(testContext(t, time.Minute), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		dumpLogOnFailure(t, s.Log)
	})
	return s
}

// connect opens a session on s for the rest of the test.
func connect(t *testing.T, s *Server) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testContext(t, 10*time.Second), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// dumpLogOnFailure prints the end of a server's log when the test failed.
func dumpLogOnFailure(t *testing.T, path string) {
	t.Helper()
	if t.Failed() {
		t.Logf("end of %s:\n%s", path, logTail(path, 40))
	}
}

// waitGone waits until no process is left in process group pgid.
func waitGone(t *testing.T, pgid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has processes %s later (kill 0: %v)", pgid, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
