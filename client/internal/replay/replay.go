// Package replay holds what a request verifier needs to refuse a replayed
// request: the timestamp window check and a cache of the nonces it accepted,
// kept for as long as their timestamps could still pass that check.
//
// Mastercard's OAuth 1.0a and American Express's MAC verifiers use it; each
// keeps its own sentinels and wraps these results in them.
//
//	if !replay.Within(ts, now, window) {
//		return ErrStaleTimestamp
//	}
//	// ... verify the signature, then:
//	err := cache.Remember(clientID+"\x00"+nonce, ts, ts.Add(window), now, maxNonces)
//	if errors.Is(err, replay.ErrReplayed) {
//		return ErrReplayedNonce
//	}
package replay

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrReplayed is returned by Cache.Remember for a key it already holds.
var ErrReplayed = errors.New("nonce was already used")

// ForgottenError is returned by Cache.Remember, under a bound, for a
// timestamp not after that of a nonce the cache evicted before it expired:
// were it accepted, that nonce could be replayed.
type ForgottenError struct {
	TS    time.Time // the refused timestamp
	Floor time.Time // the latest timestamp of a nonce evicted before it expired
}

func (e *ForgottenError) Error() string {
	return fmt.Sprintf("the replay cache is full and ts %s is not after the oldest nonce it forgot, %s",
		e.TS.UTC().Format(time.RFC3339Nano), e.Floor.UTC().Format(time.RFC3339Nano))
}

// Within reports whether ts is at most window away from now, either way.
func Within(ts, now time.Time, window time.Duration) bool {
	d := now.Sub(ts)
	return d <= window && d >= -window
}

// Cache remembers nonce keys until they expire. Its zero value is an empty
// cache ready to use; it is safe for concurrent use.
type Cache struct {
	mu     sync.Mutex
	seen   map[string]struct{}
	order  []entry // insertion order, oldest first
	head   int     // order[:head] is forgotten
	floorT time.Time
}

type entry struct {
	key     string
	ts      time.Time
	expires time.Time
}

// Remember records key, a nonce carrying timestamp ts, until expires: the
// moment after which ts can no longer pass the caller's window check, so a
// replay is refused as stale from then on. Callers remember a nonce only once
// everything else about the request verified, so that a forged request
// cannot burn a legitimate client's nonce.
//
// With max > 0 the cache holds at most max keys: when full it evicts the
// oldest, and from then on refuses, with a *ForgottenError, every timestamp
// not after the evicted one's, so that an evicted nonce is never accepted
// again. With max <= 0 it is unbounded.
//
// Keys are swept in insertion order, so expires should grow with insertion
// (ts plus the window, or now plus twice the window, both do closely enough).
func (c *Cache) Remember(key string, ts, expires, now time.Time, max int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]struct{}{}
	}
	for c.head < len(c.order) && now.After(c.order[c.head].expires) {
		c.forgetHead()
	}
	if !c.floorT.IsZero() && !ts.After(c.floorT) {
		return &ForgottenError{TS: ts, Floor: c.floorT}
	}
	if _, dup := c.seen[key]; dup {
		return ErrReplayed
	}
	for max > 0 && len(c.seen) >= max && c.head < len(c.order) {
		if old := c.forgetHead(); old.ts.After(c.floorT) {
			c.floorT = old.ts
		}
	}
	if c.head > len(c.order)/2 && c.head > 1024 {
		c.order = append([]entry(nil), c.order[c.head:]...)
		c.head = 0
	}
	c.seen[key] = struct{}{}
	c.order = append(c.order, entry{key: key, ts: ts, expires: expires})
	return nil
}

func (c *Cache) forgetHead() entry {
	old := c.order[c.head]
	delete(c.seen, old.key)
	c.order[c.head] = entry{}
	c.head++
	return old
}

// Reset empties the cache and lifts any refusal left by evictions.
func (c *Cache) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen, c.order, c.head, c.floorT = nil, nil, 0, time.Time{}
}

// Len reports how many keys the cache holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
