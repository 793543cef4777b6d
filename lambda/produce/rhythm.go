package produce

import (
	"fmt"
	"strings"

	"github.com/chatstream/chatstream/lambda/chat"
)

// ParseRhythm reads a RHYTHM setting: "off" (every hour as busy as the
// peak), "on" (chat.DefaultRhythm), or one or more of peak=H (the busiest
// hour, 0 to 23, UTC), trough=F (the quietest hour's level relative to the
// peak, above 0 and at most 1) and weekend=F (a weekend day's level relative
// to a weekday's, above 0 and at most 4), separated by commas, each at most
// once; the ones left out keep the default curve's values.
func ParseRhythm(s string) (chat.Rhythm, error) {
	switch s {
	case "off":
		return chat.Rhythm{}, nil
	case "on":
		return chat.DefaultRhythm(), nil
	}
	r := chat.DefaultRhythm()
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return chat.Rhythm{}, fmt.Errorf("%q is not key=value: want off, on, or peak=H,trough=F,weekend=F such as peak=20,trough=0.25", clip(part))
		}
		if seen[key] {
			return chat.Rhythm{}, fmt.Errorf("%s is set twice", clip(key))
		}
		seen[key] = true
		var err error
		switch key {
		case "peak":
			r.PeakHour, err = settingWholeNumber(value, 0, 23)
		case "trough":
			r.Trough, err = settingNumber(value, 0, 1)
		case "weekend":
			r.Weekend, err = settingNumber(value, 0, chat.MaxWeekend)
		default:
			return chat.Rhythm{}, fmt.Errorf("unknown key %q: want peak, trough or weekend", clip(key))
		}
		if err != nil {
			return chat.Rhythm{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	if err := r.Check(); err != nil {
		return chat.Rhythm{}, err
	}
	return r, nil
}
