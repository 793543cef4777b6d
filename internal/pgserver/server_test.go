package pgserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestServerLifecycle(t *testing.T) {
	t.Parallel()
	// GIVEN a server started on a new folder
	dir := t.TempDir()
	first, err := Start(testContext(t, time.Minute), Config{Binaries: binaries(t), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := first.Close(); err != nil {
			t.Error(err)
		}
		dumpLogOnFailure(t, first.Log)
	})
	ctx := testContext(t, time.Minute)

	t.Run("initdb ran and the database exists", func(t *testing.T) {
		if !first.Initialized {
			t.Error("Initialized = false on a new folder, want true")
		}
		var user, db, listen, sockets, tz, collate string
		err := connect(t, first).QueryRow(ctx, `SELECT current_user, current_database(),
			current_setting('listen_addresses'), current_setting('unix_socket_directories'),
			current_setting('TimeZone'), datcollate FROM pg_database WHERE datname = current_database()`).
			Scan(&user, &db, &listen, &sockets, &tz, &collate)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{user, db, listen, sockets, tz, collate}
		want := []string{"postgres", "chatstream", "127.0.0.1", "", "UTC", "C"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("user, database, listen_addresses, unix_socket_directories, TimeZone, collation = %q, want %q", got, want)
		}
		if wantURL := "postgres://postgres@127.0.0.1:" + strconv.Itoa(first.Port) + "/chatstream?sslmode=disable"; first.URL != wantURL {
			t.Errorf("URL = %q, want %q", first.URL, wantURL)
		}
		if want := "psql '" + first.URL + "'"; first.PSQL() != want {
			t.Errorf("PSQL() = %q, want %q", first.PSQL(), want)
		}
	})

	t.Run("as root it runs as nobody in a user namespace", func(t *testing.T) {
		if os.Geteuid() != 0 {
			return // it runs as this user, directly
		}
		uidMap, err := os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", first.proc.pid()))
		if err != nil {
			t.Fatal(err)
		}
		if fields := strings.Fields(string(uidMap)); len(fields) != 3 || fields[0] != "65534" || fields[1] != "0" || fields[2] != "1" {
			t.Errorf("uid_map of postgres = %q, want nobody (65534) mapped to root (0)", uidMap)
		}
	})

	t.Run("Running finds it from another process's point of view", func(t *testing.T) {
		url, err := Running(dir, "chatstream")
		if err != nil || url != first.URL {
			t.Errorf("Running = %q, %v; want %q", url, err, first.URL)
		}
	})

	t.Run("a second start on the same folder is refused", func(t *testing.T) {
		_, err := Start(ctx, Config{Binaries: binaries(t), Dir: dir})
		var serving *ServingError
		if !errors.As(err, &serving) || serving.PID != first.proc.pid() || serving.Port != first.Port {
			t.Fatalf("second Start = %v; want a ServingError naming pid %d and port %d", err, first.proc.pid(), first.Port)
		}
	})

	t.Run("close stops every process, and the next start keeps the data", func(t *testing.T) {
		if _, err := connect(t, first).Exec(ctx, "CREATE TABLE kept (n INT); INSERT INTO kept VALUES (42)"); err != nil {
			t.Fatal(err)
		}
		pgid := first.proc.pid()
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pgid, 0)
		if _, err := os.Stat(filepath.Join(first.DataDir, lockFileName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after a fast shutdown: %v; want it removed", lockFileName, err)
		}
		if _, err := Running(dir, "chatstream"); !errors.Is(err, ErrNotRunning) {
			t.Errorf("Running after Close = %v; want ErrNotRunning", err)
		}

		// A port asked for that something else listens on is named.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		port := l.Addr().(*net.TCPAddr).Port
		_, err = Start(ctx, Config{Binaries: binaries(t), Dir: dir, Port: port})
		if want := fmt.Sprintf("postgres: port %d on 127.0.0.1 is in use", port); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Start on a taken port = %v; want an error containing %q", err, want)
		}

		again := startServer(t, Config{Dir: dir})
		if again.Initialized {
			t.Error("Initialized = true on a folder with a data directory, want false")
		}
		var n int
		if err := connect(t, again).QueryRow(ctx, "SELECT n FROM kept").Scan(&n); err != nil || n != 42 {
			t.Errorf("SELECT n FROM kept = %d, %v; want 42", n, err)
		}
	})
}

func TestStartRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "no folder", cfg: Config{Binaries: "bin"}, wantErr: "Config.Binaries and Config.Dir are required"},
		{name: "port out of range", cfg: Config{Binaries: "bin", Dir: "d", Port: 70000}, wantErr: "postgres: port 70000 is out of range 0-65535"},
		{name: "database name too long", cfg: Config{Binaries: "bin", Dir: "d", Database: strings.Repeat("d", 64)}, wantErr: "PostgreSQL allows at most 63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Start(t.Context(), tt.cfg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStartRefusesAForeignFolder(t *testing.T) {
	// GIVEN a data folder that holds something else
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}

	// WHEN a server is started on it
	_, err := Start(testContext(t, time.Minute), Config{Binaries: binaries(t), Dir: dir})

	// THEN it is left alone, and the error says why
	if err == nil || !strings.Contains(err.Error(), "is not empty but holds no PostgreSQL data directory") {
		t.Fatalf("Start = %v; want the not-a-data-directory error", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "notes.txt")); err != nil {
		t.Errorf("notes.txt: %v", err)
	}
}
