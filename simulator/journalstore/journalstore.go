// Package journalstore keeps the simulator's journal beyond one process's
// memory. The journal itself (package journal) is a bounded ring in memory;
// with a durable or shared store the engine also appends every entry here
// and, at start, refills the ring with the newest entries kept, so a
// restart keeps the history. A shared journal (Shared) is written by every
// replica, and the admin API reads it, so any replica shows every
// exchange.
package journalstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/store"
)

// Store keeps journal entries.
type Store interface {
	// Append keeps one entry (its Seq is the store's own).
	Append(ctx context.Context, e journal.Entry) error
	// Recent returns up to n of the newest entries, oldest first.
	Recent(ctx context.Context, n int) ([]journal.Entry, error)
	// Clear forgets every entry.
	Clear(ctx context.Context) error
}

// Shared is a Store that other replicas write too; the admin API answers
// from it.
type Shared interface {
	Store
	// Find returns matching entries, newest first.
	Find(ctx context.Context, q journal.Query) ([]journal.Entry, error)
	// Count is how many entries it holds.
	Count(ctx context.Context) (int, error)
}

// Matches reports whether e satisfies q, as journal.Journal.Find decides.
func Matches(q journal.Query, e *journal.Entry) bool {
	switch {
	case q.Network != "" && e.Network != q.Network,
		q.OperationID != "" && e.OperationID != q.OperationID,
		q.Direction != "" && e.Direction != q.Direction,
		!q.Since.IsZero() && e.Time.Before(q.Since),
		q.AfterSeq != 0 && e.Seq <= q.AfterSeq,
		q.BeforeSeq != 0 && e.Seq >= q.BeforeSeq,
		q.Status != "" && !journal.StatusMatches(e.Status, q.Status),
		q.CorrelationID != "" && !slices.Contains(e.CorrelationIDs, q.CorrelationID) && !slices.Contains(e.CorrelationIDs, pan.RedactText(q.CorrelationID)):
		return false
	}
	return true
}

// OverStore keeps the newest capacity entries in a collection of a store
// one process owns (the embedded durable store), keyed by sequence number.
type OverStore struct {
	entries  store.Table[journal.Entry]
	meta     store.Table[bounds]
	capacity int

	mu     sync.Mutex
	loaded bool
	b      bounds
}

type bounds struct {
	First uint64 `json:"first"` // oldest kept
	Next  uint64 `json:"next"`  // the next to write
}

var _ Store = (*OverStore)(nil)

// NewOverStore keeps at most capacity entries in collection c of s.
func NewOverStore(s store.Store, c string, capacity int) *OverStore {
	if capacity <= 0 {
		capacity = journal.DefaultCapacity
	}
	return &OverStore{entries: store.NewTable[journal.Entry](s, c), meta: store.NewTable[bounds](s, c+"-bounds"), capacity: capacity}
}

func key(seq uint64) string { return fmt.Sprintf("%020d", seq) }

func (o *OverStore) load(ctx context.Context) error {
	if o.loaded {
		return nil
	}
	b, err := o.meta.Get(ctx, "bounds")
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if b.Next == 0 {
		b = bounds{First: 1, Next: 1}
	}
	o.b, o.loaded = b, true
	return nil
}

func (o *OverStore) Append(ctx context.Context, e journal.Entry) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return err
	}
	e.Seq = o.b.Next
	if err := o.entries.Put(ctx, key(e.Seq), e); err != nil {
		return fmt.Errorf("journalling: %w", err)
	}
	o.b.Next++
	for o.b.Next-o.b.First > uint64(o.capacity) {
		if err := o.entries.Delete(ctx, key(o.b.First)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		o.b.First++
	}
	return o.meta.Put(ctx, "bounds", o.b)
}

func (o *OverStore) Recent(ctx context.Context, n int) ([]journal.Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return nil, err
	}
	from := o.b.First
	if o.b.Next-from > uint64(n) {
		from = o.b.Next - uint64(n)
	}
	var out []journal.Entry
	for seq := from; seq < o.b.Next; seq++ {
		e, err := o.entries.Get(ctx, key(seq))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			continue // a damaged entry is skipped, not fatal
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (o *OverStore) Clear(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return err
	}
	for seq := o.b.First; seq < o.b.Next; seq++ {
		if err := o.entries.Delete(ctx, key(seq)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	o.b.First = o.b.Next
	return o.meta.Put(ctx, "bounds", o.b)
}
