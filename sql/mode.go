package sql

import "fmt"

// Mode is how an environment trades latency for cost: whether Redshift
// refreshes the streaming materialized view on its own, or the loader
// refreshes it on its schedule. The zero Mode renders as Realtime, what the
// first design always did.
type Mode string

const (
	// Realtime keeps AUTO REFRESH YES: Redshift refreshes the materialized
	// view as records arrive, and the loader, every minute, only moves them
	// into the table. Latency is about a minute; the workgroup never idles.
	Realtime Mode = "realtime"
	// Scheduled sets AUTO REFRESH NO: the loader refreshes the view, then
	// moves its rows, every few minutes. Latency is about the interval; the
	// workgroup idles in between.
	Scheduled Mode = "scheduled"
)

// ParseMode reads a mode from its name.
func ParseMode(s string) (Mode, error) {
	m := Mode(s)
	if err := m.Validate(); err != nil {
		return "", err
	}
	return m, nil
}

// Validate reports whether m is one of the modes.
func (m Mode) Validate() error {
	switch m {
	case Realtime, Scheduled:
		return nil
	}
	return fmt.Errorf("mode %q: want %s or %s", string(m), Realtime, Scheduled)
}

// OrRealtime returns m, or Realtime for the zero Mode, which means realtime.
func (m Mode) OrRealtime() Mode {
	if m == "" {
		return Realtime
	}
	return m
}

// autoRefresh is the materialized view's AUTO REFRESH setting for m.
func (m Mode) autoRefresh() string {
	if m == Scheduled {
		return "NO"
	}
	return "YES"
}

// Refreshes reports whether the loader refreshes the materialized view
// itself before it moves the rows: in scheduled mode nothing else does.
func (m Mode) Refreshes() bool {
	return m == Scheduled
}
