package produce

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// wholeNumber parses s, a JSON number or a plain decimal, as a whole number
// from lo to hi. It accepts "1e3" because JSON writers may emit it, and
// rejects "1.5". The error says what is wrong with s without naming the
// setting, which the caller adds.
func wholeNumber(s string, lo, hi int) (int, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return inRange(float64(n), lo, hi)
	}
	intOverflow := errors.Is(err, strconv.ErrRange)
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case intOverflow || errors.Is(err, strconv.ErrRange):
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

// shareOfOne parses s, a JSON number, as a share from 0 to 1.
func shareOfOne(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is not a number", clip(s))
	case err != nil || f < 0 || f > 1:
		return 0, fmt.Errorf("%s is not a share from 0 to 1", clip(s))
	}
	return f, nil
}

// Environment settings are typed by people, so they take one plain spelling
// only: Go's number syntax would read "1_000" or "0x1p4" without complaint,
// and a typo that parses is worse than one that is refused.

// settingWholeNumber parses an environment setting as a whole number from lo
// to hi written in decimal digits, such as 500. A minus sign is read only so
// that a negative value is refused as out of range.
func settingWholeNumber(s string, lo, hi int) (int, error) {
	switch {
	case plainDecimal(s, true) && !plainDecimal(s, false):
		return 0, fmt.Errorf("%s is not a whole number", clip(s))
	case !plainDecimal(s, false):
		return 0, fmt.Errorf("%q is not a number in plain decimal digits, such as 500", clip(s))
	}
	return wholeNumber(s, lo, hi)
}

// settingRate parses an environment setting as events per second written in
// plain decimal, such as 12.5: no exponent, no hex, no "Inf" or "NaN".
func settingRate(s string) (float64, error) {
	if !plainDecimal(s, true) {
		return 0, fmt.Errorf("%q is not a number in plain decimal, such as 12.5", clip(s))
	}
	return eventRate(s)
}

// settingNumber parses an environment setting written in plain decimal, as
// settingRate does, as a number from lo to hi.
func settingNumber(s string, lo, hi float64) (float64, error) {
	if !plainDecimal(s, true) {
		return 0, fmt.Errorf("%q is not a number in plain decimal, such as 0.5", clip(s))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f > hi {
		return 0, fmt.Errorf("%s is out of range: want %v to %v", clip(s), lo, hi)
	}
	return f, nil
}

// plainDecimal reports whether s is an optional minus sign, decimal digits
// and, when fraction is true, optionally a dot and more digits.
func plainDecimal(s string, fraction bool) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if dot && (!fraction || !allDigits(frac)) {
		return false
	}
	return allDigits(whole)
}

// allDigits reports whether s is one or more of 0-9.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
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
