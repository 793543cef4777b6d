package pause

import (
	"context"
	"time"
)

// For waits d, or until ctx ends, and then returns ctx's error, if any. A
// d of zero or less does not wait but still reports an ended ctx, so that a
// loop of pauses stops when its context does.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
