package client

import (
	"context"
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds retries of retryable failures (5xx, timeouts, 409 in
// flight). Terminal errors (validation, auth, ineligible) are never retried.
//
// A refusal because an earlier request for the consumer is still in flight
// (ErrConflict: Visa's VIDC-3000, Discover's 2009, ...) is not a failure of
// the service: it is waited out, with the same growing delays, for up to
// ConflictWait, and those attempts do not count toward MaxAttempts. An
// asynchronous request takes seconds to complete (c2psim's Visa takes 2 s
// by default), more than MaxAttempts quick retries would wait.
type RetryPolicy struct {
	MaxAttempts  int           // including the first; default 4
	BaseDelay    time.Duration // default 200ms
	MaxDelay     time.Duration // default 5s
	Jitter       float64       // fraction of each delay randomised either way; 0 means 0.2, negative none
	ConflictWait time.Duration // how long to wait out a request in flight; default 30s
}

// DefaultRetryPolicy is used when none is given.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second, Jitter: 0.2, ConflictWait: 30 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.ConflictWait > 0 {
		d.ConflictWait = p.ConflictWait
	}
	switch {
	case p.Jitter < 0:
		d.Jitter = 0
	case p.Jitter > 0 && p.Jitter <= 1:
		d.Jitter = p.Jitter
	}
	return d
}

// Backoff returns the delay before retry number n (1-based): exponential,
// capped at MaxDelay, then jittered by ±Jitter using r (a value in [0,1)).
func (p RetryPolicy) Backoff(n int, r float64) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	if d > p.MaxDelay {
		d = p.MaxDelay
	}
	j := 1 + p.Jitter*(2*r-1)
	return time.Duration(float64(d) * j)
}

// sleeper waits, honouring ctx; tests inject one that does not wait.
type sleeper func(ctx context.Context, d time.Duration) error

func defaultJitter() float64 { return rand.Float64() }
