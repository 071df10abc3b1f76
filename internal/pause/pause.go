// Package pause waits for a while unless a context ends first: the retry
// waits of the bundled client, the simulator's callback deliveries and the
// harness's slow-issuer defects.
package pause

import (
	"context"
	"time"
)

// For waits d, or until ctx is done, whichever comes first, and returns
// ctx's error when ctx ended the wait. A wait of d <= 0 returns at once:
// nil, or ctx's error when ctx is already done.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
