package chat

import "math"

// profile is what a user's events say about the user's device and app. It
// is drawn once per user and world (from the seed and the user id), so every
// event of a user carries the same values.
type profile struct {
	platform, country, appVersion string
}

// profileOf returns the profile of user in the world of seed.
func profileOf(seed uint64, user int64) profile {
	h := hash(seed, tagProfile, uint64(user), 0, 0)
	return profile{
		platform:   platformAt(unit(h)),
		country:    countryAt(unit(mix(h ^ 1))),
		appVersion: appVersionAt(unit(mix(h ^ 2))),
	}
}

// set copies the profile into ev.
func (p *profile) set(ev *Event) {
	ev.Platform, ev.Country, ev.AppVersion = p.platform, p.country, p.appVersion
}

// The weighted choices below take u, uniform in [0, 1), and return each
// value with the probability the comment gives. The shares are invented but
// shaped like a consumer chat app's: mobile first, a long tail of countries,
// most users on the latest release or the one before.

// platformAt: android 46%, ios 42%, web 12%.
func platformAt(u float64) string {
	switch {
	case u < 0.46:
		return "android"
	case u < 0.88:
		return "ios"
	}
	return "web"
}

// countryAt: 16 countries, from the US at 24% down to 2%.
func countryAt(u float64) string {
	switch {
	case u < 0.24:
		return "US"
	case u < 0.38:
		return "IN"
	case u < 0.47:
		return "BR"
	case u < 0.53:
		return "ID"
	case u < 0.59:
		return "DE"
	case u < 0.65:
		return "GB"
	case u < 0.70:
		return "MX"
	case u < 0.75:
		return "FR"
	case u < 0.79:
		return "JP"
	case u < 0.83:
		return "NG"
	case u < 0.87:
		return "PH"
	case u < 0.90:
		return "TR"
	case u < 0.93:
		return "CA"
	case u < 0.96:
		return "ES"
	case u < 0.98:
		return "IT"
	}
	return "KR"
}

// appVersionAt: 5.4.0 55%, 5.3.2 25%, 5.2.1 12%, 4.9.7 8%.
func appVersionAt(u float64) string {
	switch {
	case u < 0.55:
		return "5.4.0"
	case u < 0.80:
		return "5.3.2"
	case u < 0.92:
		return "5.2.1"
	}
	return "4.9.7"
}

// planAt: free 75%, plus 20%, pro 5%.
func planAt(u float64) string {
	switch {
	case u < 0.75:
		return "free"
	case u < 0.95:
		return "plus"
	}
	return "pro"
}

// Message lengths are log-normal, as text lengths are: a median of 24
// characters, a tenth above about 110, capped at maxMessageLength.
const (
	medianMessageLength = 24
	messageLengthSpread = 1.2 // σ of the logarithm
	maxMessageLength    = 4096
	attachmentShare     = 0.06
)

// messageLength turns z, a standard normal draw, into a message length.
func messageLength(z float64) int {
	n := int(math.Round(medianMessageLength * math.Exp(messageLengthSpread*z)))
	return max(1, min(n, maxMessageLength))
}
