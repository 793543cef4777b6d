package localrun

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// loopback is the only address anything started here listens on.
const loopback = "127.0.0.1"

// PortInUseError reports that a port asked for explicitly is taken.
type PortInUseError struct {
	// What names the server that wanted the port.
	What string
	// Port is the port on 127.0.0.1 that is already in use.
	Port int
}

// Error implements error.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("%s: port %d on %s is already in use", e.What, e.Port, loopback)
}

// choosePort returns port if it is free on 127.0.0.1, or a free port when
// port is 0. A free port is found by binding port 0 and releasing it; another
// process could take it before the server binds it, so servers are started
// through retryPortRace.
func choosePort(what string, port int) (int, error) {
	if port < 0 || port > 65535 {
		return 0, fmt.Errorf("%s: port %d is out of range 0-65535", what, port)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return 0, &PortInUseError{What: what, Port: port}
		}
		return 0, fmt.Errorf("%s: reserve port %d: %w", what, port, err)
	}
	chosen := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("%s: release port %d: %w", what, chosen, err)
	}
	return chosen, nil
}

// waitForPort polls until something accepts TCP connections on addr, the
// process exits (exited is closed), or timeout passes.
func waitForPort(ctx context.Context, addr string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s after %s: %w", addr, timeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// errExited says a server process ended while we waited for it.
var errExited = errors.New("process exited")

// errPortTaken says a server could not bind a port we had found free:
// another process took it in between.
var errPortTaken = errors.New("a port was taken")

// maxStarts bounds the attempts to start a server whose free port was taken
// before it could bind it.
const maxStarts = 3

// retryPortRace calls start until it succeeds, fails for another reason
// than a taken port, or has been tried maxStarts times.
func retryPortRace[T any](start func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := start()
		if err == nil || attempt == maxStarts || !errors.Is(err, errPortTaken) {
			return v, err
		}
	}
}
