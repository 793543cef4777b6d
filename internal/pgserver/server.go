package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	chatsql "github.com/chatstream/chatstream/sql"
	"github.com/jackc/pgx/v5/pgconn"
)

// loopback is the only address the server listens on.
const loopback = "127.0.0.1"

// superuser is the role initdb creates; local connections need no password
// (see Start).
const superuser = "postgres"

// DefaultDatabase is the database Start creates when Config names none: the
// name the Redshift namespace's database has in cdk.json.
const DefaultDatabase = "chatstream"

// Config says where the server's files live and how it listens.
type Config struct {
	// Binaries is the folder with bin/initdb and bin/postgres (see Binaries).
	Binaries string
	// Dir holds the data directory, Dir/data, kept across runs, and the
	// logs of initdb and postgres. Under the repository it is .local/postgres.
	Dir string
	// Port is the port on 127.0.0.1; 0 picks a free one.
	Port int
	// Database is created when it does not exist; empty means
	// DefaultDatabase.
	Database string
	// StartTimeout bounds Start: initdb on the first run, then the wait until
	// the server accepts connections. 0 means 60 s.
	StartTimeout time.Duration
}

// Server is a running PostgreSQL server on 127.0.0.1.
type Server struct {
	// URL is the connection string of Database, for pgx and psql.
	URL string
	// Port is the port it listens on, on 127.0.0.1.
	Port int
	// Database is the database Start made sure exists.
	Database string
	// DataDir is the data directory.
	DataDir string
	// Log is the server's output.
	Log string
	// Initialized says that this Start created the data directory.
	Initialized bool

	proc *postmaster
}

// maxStarts bounds the attempts to start on a free port that another
// process took before the server could bind it.
const maxStarts = 3

// Start makes sure Dir has a data directory (running initdb the first
// time), starts postgres on it and waits until the database exists.
//
// Authentication is trust: the server listens on 127.0.0.1 only, with no
// Unix socket, and holds what the local producer made up. Anyone who can run
// a program on this machine can connect as the superuser, as with the
// official container image's POSTGRES_HOST_AUTH_METHOD=trust.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Binaries == "" || cfg.Dir == "" {
		return nil, errors.New("pgserver: Config.Binaries and Config.Dir are required")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("postgres: port %d is out of range 0-65535", cfg.Port)
	}
	if cfg.Database == "" {
		cfg.Database = DefaultDatabase
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	createDB, err := chatsql.LocalCreateDatabase(cfg.Database)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("postgres folder %s: %w", cfg.Dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create postgres folder: %w", err)
	}
	attr, err := serverProcAttr()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()

	s := &Server{Database: cfg.Database, DataDir: filepath.Join(dir, "data"), Log: filepath.Join(dir, "postgres.log")}
	if s.Initialized, err = initialize(ctx, cfg.Binaries, s.DataDir, filepath.Join(dir, "initdb.log"), attr); err != nil {
		return nil, err
	}
	if err := clearStaleLock(s.DataDir); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err = s.start(ctx, cfg, attr)
		var taken *portTakenError
		if err == nil || cfg.Port != 0 || attempt == maxStarts || !errors.As(err, &taken) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.createDatabase(ctx, createDB.SQL); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// portTakenError says postgres could not bind its port.
type portTakenError struct{ port int }

// Error implements error.
func (e *portTakenError) Error() string {
	return fmt.Sprintf("postgres: port %d on %s is in use", e.port, loopback)
}

// start starts postgres on cfg.Port, or on a free port, and waits until
// it accepts connections.
func (s *Server) start(ctx context.Context, cfg Config, attr *syscall.SysProcAttr) error {
	port := cfg.Port
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	cmd := exec.Command(filepath.Join(cfg.Binaries, "bin", "postgres"),
		"-D", s.DataDir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses="+loopback,
		"-c", "unix_socket_directories=",
		// Timestamps print in UTC, as Redshift's do.
		"-c", "TimeZone=UTC",
		"-c", "log_timezone=UTC",
	)
	cmd.SysProcAttr = attr
	proc, err := startPostmaster(cmd, s.Log)
	if err != nil {
		return err
	}
	s.proc, s.Port = proc, port
	s.URL = connURL(port, s.Database)
	if err := s.waitReady(ctx); err != nil {
		return errors.Join(err, proc.stop())
	}
	return nil
}

// connURL is the connection string of database on port.
func connURL(port int, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort(loopback, strconv.Itoa(port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port for postgres: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady connects until the server accepts a session, the server exits
// or ctx ends. A server that is starting up refuses sessions for a moment.
func (s *Server) waitReady(ctx context.Context) error {
	admin := connURL(s.Port, superuser)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgconn.Connect(attempt, admin)
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		lastErr = err
		select {
		case <-s.proc.done:
			err := s.proc.exitError()
			if strings.Contains(err.Error(), "could not bind IPv4 address") {
				return &portTakenError{port: s.Port}
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections on port %d (last error: %v); log: %s", s.Port, lastErr, s.Log)
		case <-tick.C:
		}
	}
}

// duplicateDatabase is PostgreSQL's SQLSTATE for CREATE DATABASE of a
// database that exists.
const duplicateDatabase = "42P04"

// createDatabase runs the CREATE DATABASE statement sql, unless the
// database exists.
func (s *Server) createDatabase(ctx context.Context, sql string) error {
	conn, err := pgconn.Connect(ctx, connURL(s.Port, superuser))
	if err != nil {
		return fmt.Errorf("connect to postgres on port %d: %w", s.Port, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql).ReadAll()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == duplicateDatabase {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", s.Database, err)
	}
	return nil
}

// PSQL is a psql command line that connects to the database, for a person
// to paste into another terminal.
func (s *Server) PSQL() string {
	return "psql '" + s.URL + "'"
}

// Close stops the server with a fast shutdown: open sessions end, committed
// work is kept. It is safe to call more than once.
func (s *Server) Close() error {
	return s.proc.stop()
}

// ErrNotRunning says that no server serves a data directory.
var ErrNotRunning = errors.New("no local PostgreSQL server is running")

// Running returns the connection string of database on the server that
// serves dir's data directory now, started by another process: for a second
// terminal while make local runs. Without one, the error wraps ErrNotRunning.
func Running(dir, database string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("postgres folder %s: %w", dir, err)
	}
	dataDir := filepath.Join(abs, "data")
	l, ok, err := readLock(dataDir)
	if err != nil {
		return "", err
	}
	if ok && alive(l.pid) && l.port != 0 {
		if serves, known := processServes(l.pid, dataDir); serves || !known {
			return connURL(l.port, database), nil
		}
	}
	return "", fmt.Errorf("%w on %s", ErrNotRunning, dataDir)
}
