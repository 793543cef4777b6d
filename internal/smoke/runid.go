package smoke

import (
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
)

// NewRunID returns a fresh run id: "smoke-", the UTC time to the second, and
// eight hex digits from random, such as smoke-20261127T100000Z-1a2b3c4d. It
// sorts by time, tells people which run was theirs, and keeps within the
// producer's rule of 1 to 64 of A-Z a-z 0-9 . _ -.
func NewRunID(now time.Time, random io.Reader) (string, error) {
	u, err := uuid.NewRandomFromReader(random)
	if err != nil {
		return "", fmt.Errorf("draw a run id: %w", err)
	}
	return "smoke-" + now.UTC().Format("20060102T150405Z") + "-" + u.String()[:8], nil
}
