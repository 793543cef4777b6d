package chat

import (
	"fmt"
	"math"
	"time"
)

// Rhythm is how busy the world is by hour of day and day of week. Off, every
// hour is as busy as the peak. On, the level follows a cosine over the day,
// 1 at PeakHour and Trough twelve hours later, times Weekend on Saturday and
// Sunday, scaled so that the busiest hour of the week is 1:
//
//	level(t) = (Trough + (1-Trough)·(1+cos(2π·(hour(t)-PeakHour)/24))/2) · day(t) / max(1, Weekend)
//
// where hour(t) is the fractional hour of day in UTC and day(t) is Weekend on
// a weekend day and 1 otherwise. The level scales how many users are online,
// and so the event rate, at every instant.
type Rhythm struct {
	// On turns the curve on.
	On bool
	// PeakHour is the busiest hour of the day, 0 to 23, in UTC.
	PeakHour int
	// Trough is the quietest hour's level relative to the peak, above 0 and
	// at most 1.
	Trough float64
	// Weekend is Saturday's and Sunday's level relative to a weekday's,
	// above 0 and at most MaxWeekend.
	Weekend float64
}

// MaxWeekend bounds Rhythm.Weekend: a weekend four times as busy as a
// weekday is already more than any chat service shows.
const MaxWeekend = 4

// DefaultRhythm is the curve "on" selects: a peak at 20:00 UTC, a quarter of
// that at 08:00 UTC, and weekends a fifth busier than weekdays.
func DefaultRhythm() Rhythm {
	return Rhythm{On: true, PeakHour: 20, Trough: 0.25, Weekend: 1.2}
}

// Check returns an error naming the first setting out of range. A rhythm
// that is off is always valid.
func (r Rhythm) Check() error {
	switch {
	case !r.On:
		return nil
	case r.PeakHour < 0 || r.PeakHour > 23:
		return fmt.Errorf("rhythm peak hour %d is not 0 to 23", r.PeakHour)
	case !(r.Trough > 0 && r.Trough <= 1):
		return fmt.Errorf("rhythm trough %v is not above 0 and at most 1", r.Trough)
	case !(r.Weekend > 0 && r.Weekend <= MaxWeekend):
		return fmt.Errorf("rhythm weekend %v is not above 0 and at most %d", r.Weekend, MaxWeekend)
	}
	return nil
}

// String writes the rhythm as the producer's RHYTHM setting reads it:
// "off", or "peak=20,trough=0.25,weekend=1.2".
func (r Rhythm) String() string {
	if !r.On {
		return "off"
	}
	return fmt.Sprintf("peak=%d,trough=%v,weekend=%v", r.PeakHour, r.Trough, r.Weekend)
}

// Level returns the rhythm's level at t, in (0, 1].
func (r Rhythm) Level(t time.Time) float64 {
	return r.level(t.UnixMilli())
}

const (
	msPerHour = int64(time.Hour / time.Millisecond)
	msPerDay  = 24 * msPerHour
)

// level is Level for a time in milliseconds since the Unix epoch.
func (r Rhythm) level(ms int64) float64 {
	if !r.On {
		return 1
	}
	ofDay := ms % msPerDay
	if ofDay < 0 {
		ofDay += msPerDay
	}
	hour := float64(ofDay) / float64(msPerHour)
	daily := r.Trough + (1-r.Trough)*(1+math.Cos(2*math.Pi*(hour-float64(r.PeakHour))/24))/2
	// 1970-01-01 was a Thursday: day 0 is weekday 4.
	days := floorDiv(ms, msPerDay)
	if wd := ((days+4)%7 + 7) % 7; wd == int64(time.Saturday) || wd == int64(time.Sunday) {
		daily *= r.Weekend
	}
	return daily / max(1, r.Weekend)
}

// floorDiv divides rounding towards minus infinity, so that times before
// 1970 fall into the right slot, block or day.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
