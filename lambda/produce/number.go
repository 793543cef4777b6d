package produce

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// wholeNumber parses s, a decimal or JSON number, as a whole number from lo
// to hi. It accepts "1e3" because JSON writers may emit it, and rejects
// "1.5". The error says what is wrong with s without naming the setting,
// which the caller adds.
func wholeNumber(s string, lo, hi int) (int, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return inRange(float64(n), lo, hi)
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%s is out of range: want %d to %d", clip(s), lo, hi)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", clip(s))
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%s is not a whole number", clip(s))
	}
	return inRange(f, lo, hi)
}

func inRange(f float64, lo, hi int) (int, error) {
	if f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("%s is out of range: want %d to %d", strconv.FormatFloat(f, 'f', -1, 64), lo, hi)
	}
	return int(f), nil
}

// eventRate parses s as events per second: finite and not negative, 0
// meaning unpaced.
func eventRate(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) || math.IsNaN(f):
		return 0, fmt.Errorf("%s is not a finite number", clip(s))
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", clip(s))
	case f < 0:
		return 0, fmt.Errorf("%s is negative: want 0 (unpaced) or more events per second", clip(s))
	}
	return f, nil
}

// clip shortens a value for an error message. A payload can carry a
// megabyte in one field, and its error is logged, returned to the caller and
// kept with a failed asynchronous invocation: it names the value by its
// start and its length instead.
func clip(s string) string {
	const keep = 40
	if len(s) <= 2*keep {
		return s
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}
