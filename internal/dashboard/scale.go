package dashboard

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// niceTicks returns about n round values from at or below lo to at or above
// hi, in steps of 1, 2 or 5 times a power of ten.
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	rough := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(rough)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= rough {
			step = m * mag
			break
		}
	}
	// Each tick is rounded to the step's decimals, so that 3 × 0.1 is
	// 0.3 and not 0.30000000000000004.
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	first, last := math.Floor(lo/step), math.Ceil(hi/step)
	var ticks []float64
	for i := first; i <= last; i++ {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(i*step, 'f', decimals, 64), 64)
		ticks = append(ticks, v)
	}
	return ticks
}

// timeSteps are the spacings a time axis may use.
var timeSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// timeTicks returns at most n times on whole steps from t0 to t1.
func timeTicks(t0, t1 time.Time, n int) []time.Time {
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if t1.Sub(t0)/s < time.Duration(n) {
			step = s
			break
		}
	}
	var ticks []time.Time
	for t := t0.Truncate(step); !t.After(t1); t = t.Add(step) {
		if !t.Before(t0) {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// compact writes an axis label: 950, 1.2k, 15k, 3.4M; fractions with at
// most two decimals.
func compact(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(strconv.FormatFloat(v/1e9, 'f', 1, 64)) + "G"
	case a >= 1e6:
		return trim(strconv.FormatFloat(v/1e6, 'f', 1, 64)) + "M"
	case a >= 1e4:
		return trim(strconv.FormatFloat(v/1e3, 'f', 0, 64)) + "k"
	case a >= 1e3:
		return trim(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	}
	return trim(strconv.FormatFloat(v, 'f', 2, 64))
}

// exact writes a value as a person reads it: whole numbers with thousands
// separators, others with at most three decimals.
func exact(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return group(strconv.FormatInt(int64(v), 10))
	}
	s := trim(strconv.FormatFloat(v, 'f', 3, 64))
	whole, frac, _ := strings.Cut(s, ".")
	if frac == "" {
		return group(whole)
	}
	return group(whole) + "." + frac
}

// group puts a comma between each three digits of an integer.
func group(digits string) string {
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// trim drops a fraction's trailing zeros, and its point when nothing is
// left after it.
func trim(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// withUnit writes v and its unit; seconds of two minutes or more read as
// minutes and seconds, or hours and minutes.
func withUnit(v float64, unit string) string {
	switch {
	case unit == "s" && math.Abs(v) >= 120:
		secs := int64(math.Round(math.Abs(v)))
		sign := ""
		if v < 0 {
			sign = "-"
		}
		if secs >= 3600 {
			return fmt.Sprintf("%s%d h %d min", sign, secs/3600, secs%3600/60)
		}
		return fmt.Sprintf("%s%d min %d s", sign, secs/60, secs%60)
	case unit == "":
		return exact(v)
	}
	return exact(v) + " " + unit
}
