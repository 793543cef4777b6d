package localrun

import (
	"errors"
	"net"
	"strconv"
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
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(port)))
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
	if want := "kinesis-local: port " + strconv.Itoa(busy) + " on 127.0.0.1 is already in use"; err.Error() != want {
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

func TestRetryPortRace(t *testing.T) {
	other := errors.New("node not found")
	tests := []struct {
		name      string
		errs      []error // returned by successive attempts
		wantCalls int
		wantErr   error
	}{
		{name: "first start works", errs: []error{nil}, wantCalls: 1},
		{name: "port taken once", errs: []error{errPortTaken, nil}, wantCalls: 2},
		{name: "port always taken", errs: []error{errPortTaken, errPortTaken, errPortTaken, nil}, wantCalls: maxStarts, wantErr: errPortTaken},
		{name: "other error is not retried", errs: []error{other, nil}, wantCalls: 1, wantErr: other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got, err := retryPortRace(func() (int, error) {
				err := tt.errs[calls]
				calls++
				return calls, err
			})
			if calls != tt.wantCalls || !errors.Is(err, tt.wantErr) || (err == nil && got != calls) {
				t.Errorf("retryPortRace: %d calls, (%d, %v); want %d calls and error %v", calls, got, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
}
