package produce

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chatstream/chatstream/lambda/chat"
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
	// DefaultRate is RATE when unset: the world's 50 events per second at
	// its peak, and a burst's pace.
	DefaultRate = 50
	// DefaultUsers is USERS when unset.
	DefaultUsers = 1000
	// MaxUsers bounds USERS; beyond it the Zipf tail adds nothing visible,
	// and every window scans every user (about 0.3 µs each).
	MaxUsers = 10_000_000
	// DefaultWindow is WINDOW_SECONDS when unset: the schedule's default
	// period, one minute.
	DefaultWindow = time.Minute
	// MinWindow and MaxWindow bound WINDOW_SECONDS: from a tenth of a
	// second, for tests and fast local runs, to Lambda's longest timeout.
	MinWindow = 100 * time.Millisecond
	MaxWindow = 15 * time.Minute
	// MaxKeyRate is what one partition key may carry: Kinesis takes 1,000
	// records per second per shard, and a key maps to one shard.
	MaxKeyRate = 1000
)

// Config is the producer's configuration, read once at start-up.
type Config struct {
	// Stream is STREAM_NAME: the Kinesis stream's name or ARN.
	Stream string
	// Count is EVENTS_PER_INVOCATION: events per invocation unless the
	// payload says otherwise.
	Count int
	// Rate is RATE: events per second. A scheduled invocation simulates a
	// world that makes this many events per second at its peak; a manual
	// invocation sends its burst at this pace unless its payload sets one,
	// 0 meaning as fast as the stream accepts. With 0, scheduled
	// invocations fail: the world needs a rate.
	Rate float64
	// Users is USERS: the simulated population.
	Users int
	// Seed is SEED when Seeded: every invocation then produces the same
	// events, under ids of its own. Without it each invocation's seed
	// derives from its Lambda request id.
	Seed   uint64
	Seeded bool
	// Window is WINDOW_SECONDS: the span of world time one scheduled
	// invocation covers, which must be the schedule's period (see
	// WindowAt).
	Window time.Duration
	// Rhythm is RHYTHM: the world's daily and weekly curve, off by default.
	Rhythm chat.Rhythm
	// DirtyRatio is DIRTY_RATIO: the share of records malformed on purpose,
	// 0 (the default) to 1; a manual payload's dirty_ratio overrides it.
	DirtyRatio float64
}

// LoadConfig reads the configuration through lookupEnv (os.LookupEnv in
// production). An unset optional variable takes its default; a set but
// empty, malformed or out-of-range one is an error naming the variable and
// the value.
//
// Numbers take one spelling: EVENTS_PER_INVOCATION, USERS and SEED are
// decimal digits (500, not +500, 5e2, 0x1f4 or 5_00); RATE, WINDOW_SECONDS
// and DIRTY_RATIO are decimal digits with an optional fraction (12.5, not
// .5, 1e3, 0x1p4, Inf or NaN). RHYTHM is "off", "on", or settings of the
// curve such as "peak=20,trough=0.25,weekend=1.2" (see ParseRhythm).
//
// A RATE at which the world's busiest user would send more than MaxKeyRate
// events per second to one partition key is refused, naming both.
func LoadConfig(lookupEnv func(string) (string, bool)) (Config, error) {
	cfg := Config{Count: DefaultCount, Rate: DefaultRate, Users: DefaultUsers, Window: DefaultWindow}
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
		{"WINDOW_SECONDS", func(s string) error {
			seconds, err := settingNumber(s, MinWindow.Seconds(), MaxWindow.Seconds())
			cfg.Window = time.Duration(seconds * float64(time.Second)).Round(time.Millisecond)
			return err
		}},
		{"RHYTHM", func(s string) (err error) { cfg.Rhythm, err = ParseRhythm(s); return err }},
		{"DIRTY_RATIO", func(s string) (err error) { cfg.DirtyRatio, err = settingNumber(s, 0, 1); return err }},
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
	if err := checkKeyRate(cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// checkKeyRate refuses a rate at which the world's busiest user, whose id
// is its partition key, would send more than one shard takes.
func checkKeyRate(cfg Config) error {
	if cfg.Rate == 0 {
		return nil
	}
	return CheckRate(cfg.Users, cfg.Rate)
}

// CheckRate returns an error when, in a world of users users making rate
// events per second at its peak, the busiest user would send more than
// MaxKeyRate events per second to its partition key.
func CheckRate(users int, rate float64) error {
	w, err := chat.NewWorld(chat.WorldConfig{Users: users, Rate: rate})
	if err != nil {
		return err
	}
	if r := w.BusiestKeyRate(); r > MaxKeyRate {
		return fmt.Errorf("RATE=%v with USERS=%d: the busiest user would send %.0f events/s to one partition key, more than the %d records/s a shard takes; lower RATE or raise USERS",
			rate, users, r, MaxKeyRate)
	}
	return nil
}

// newWorld returns the world cfg describes. Without SEED the world's seed
// is 0: the world must be the same in every invocation.
func newWorld(cfg Config) (*chat.World, error) {
	return chat.NewWorld(chat.WorldConfig{Users: cfg.Users, Rate: cfg.Rate, Seed: cfg.Seed, Rhythm: cfg.Rhythm})
}
