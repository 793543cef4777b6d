package pgservertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/chatstream/chatstream/internal/localrun"
	"github.com/chatstream/chatstream/internal/pgserver"
)

// Start starts a server with a new data directory in a temporary folder, on
// a free port, for TestMain to share among a package's tests. stop stops it
// and removes the folder; on a test binary that dies without calling it, the
// kernel stops the server (see pgserver).
func Start(ctx context.Context) (s *pgserver.Server, stop func() error, err error) {
	root, err := localrun.FindRoot(".")
	if err != nil {
		return nil, nil, err
	}
	bin, err := pgserver.Binaries(root)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "chatstream-pg-")
	if err != nil {
		return nil, nil, fmt.Errorf("create a folder for the test server: %w", err)
	}
	s, err = pgserver.Start(ctx, pgserver.Config{Binaries: bin, Dir: dir, StartTimeout: 2 * time.Minute})
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	return s, func() error { return errors.Join(s.Close(), os.RemoveAll(dir)) }, nil
}
