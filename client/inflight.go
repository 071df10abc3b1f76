package client

import (
	"context"
	"sync"
)

// gate lets one request at a time through per (network, consumer): a
// network such as Visa refuses a second request for a consumer while one is
// open (LCM-09), so the issuer serialises them instead of provoking 409s.
type gate struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func (g *gate) acquire(ctx context.Context, key string) (release func(), err error) {
	g.mu.Lock()
	if g.slots == nil {
		g.slots = map[string]chan struct{}{}
	}
	ch, ok := g.slots[key]
	if !ok {
		ch = make(chan struct{}, 1)
		g.slots[key] = ch
	}
	g.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
