package produce

import (
	"errors"
	"fmt"
	"math"
	"strconv"
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
		return 0, fmt.Errorf("%s is out of range: want %d to %d", s, lo, hi)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%s is not a whole number", s)
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
		return 0, fmt.Errorf("%s is not a finite number", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case f < 0:
		return 0, fmt.Errorf("%s is negative: want 0 (unpaced) or more events per second", s)
	}
	return f, nil
}
