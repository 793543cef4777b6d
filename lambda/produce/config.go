package produce

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chatstream/chatstream/lambda/publish"
)

// Defaults and limits of the configuration.
const (
	// DefaultCount is EVENTS_PER_INVOCATION when unset: a light load that
	// one on-demand stream takes without throttling.
	DefaultCount = 1000
	// MaxCount bounds EVENTS_PER_INVOCATION and a payload's "count". A
	// million events take about 20 seconds to publish unpaced and far less
	// than 128 MB, so one invocation stays well inside Lambda's limits.
	MaxCount = 1_000_000
	// DefaultUsers is USERS when unset.
	DefaultUsers = 1000
	// MaxUsers bounds USERS; beyond it the Zipf tail adds nothing visible.
	MaxUsers = 10_000_000
)

// Config is the producer's configuration, read once at start-up.
type Config struct {
	// Stream is STREAM_NAME: the Kinesis stream's name or ARN.
	Stream string
	// Count is EVENTS_PER_INVOCATION: events per invocation unless the
	// payload says otherwise.
	Count int
	// Rate is RATE: events per second, 0 meaning as fast as the stream
	// accepts.
	Rate float64
	// Users is USERS: the simulated population.
	Users int
	// Seed is SEED when Seeded: every invocation then produces the same
	// events, under ids of its own. Without it each invocation's seed
	// derives from its Lambda request id.
	Seed   uint64
	Seeded bool
}

// LoadConfig reads the configuration through lookupEnv (os.LookupEnv in
// production). An unset optional variable takes its default; a set but
// empty, malformed or out-of-range one is an error naming the variable and
// the value.
//
// Numbers take one spelling: EVENTS_PER_INVOCATION, USERS and SEED are
// decimal digits (500, not +500, 5e2, 0x1f4 or 5_00); RATE is decimal digits
// with an optional fraction (12.5, not .5, 1e3, 0x1p4, Inf or NaN).
func LoadConfig(lookupEnv func(string) (string, bool)) (Config, error) {
	cfg := Config{Count: DefaultCount, Users: DefaultUsers}
	stream, ok := lookupEnv("STREAM_NAME")
	if !ok || stream == "" {
		return Config{}, fmt.Errorf("STREAM_NAME=%q: required, the name or ARN of the Kinesis stream to write to", stream)
	}
	if err := publish.CheckStream(stream); err != nil {
		return Config{}, fmt.Errorf("STREAM_NAME=%q: %w", stream, err)
	}
	cfg.Stream = stream

	settings := []struct {
		name  string
		parse func(string) error
	}{
		{"EVENTS_PER_INVOCATION", func(s string) (err error) { cfg.Count, err = settingWholeNumber(s, 1, MaxCount); return err }},
		{"RATE", func(s string) (err error) { cfg.Rate, err = settingRate(s); return err }},
		{"USERS", func(s string) (err error) { cfg.Users, err = settingWholeNumber(s, 1, MaxUsers); return err }},
		{"SEED", func(s string) (err error) {
			// Base 10 takes digits only: no sign, no prefix, no underscores.
			cfg.Seed, err = strconv.ParseUint(s, 10, 64)
			if err != nil {
				return fmt.Errorf("want a whole number from 0 to %d", uint64(1<<64-1))
			}
			cfg.Seeded = true
			return nil
		}},
	}
	for _, s := range settings {
		value, ok := lookupEnv(s.name)
		if !ok {
			continue
		}
		if strings.TrimSpace(value) == "" {
			return Config{}, fmt.Errorf("%s=%q: set but empty; unset it to use the default", s.name, value)
		}
		if err := s.parse(value); err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", s.name, value, err)
		}
	}
	return cfg, nil
}
