package localrun

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestChoosePortFree(t *testing.T) {
	port, err := choosePort("test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 {
		t.Fatalf("choosePort(0) = %d, want a port > 0", port)
	}
	// The port must be released again, ready for the server.
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, itoa(port)))
	if err != nil {
		t.Fatalf("port %d chosen but not free: %v", port, err)
	}
	l.Close()
}

func TestChoosePortInUse(t *testing.T) {
	l, err := net.Listen("tcp", loopback+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port

	_, err = choosePort("kinesis-local", busy)
	var inUse *PortInUseError
	if !errors.As(err, &inUse) || inUse.Port != busy {
		t.Fatalf("choosePort(busy %d) error = %v, want *PortInUseError for that port", busy, err)
	}
	if want := "kinesis-local: port " + itoa(busy) + " on 127.0.0.1 is already in use"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestChoosePortOutOfRange(t *testing.T) {
	for _, port := range []int{-1, 65536} {
		_, err := choosePort("x", port)
		if err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("choosePort(%d) error = %v, want out of range", port, err)
		}
	}
}
