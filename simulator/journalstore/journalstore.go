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
	// Append keeps entries, in order, in one write where the store can
	// (their Seq is the store's own).
	Append(ctx context.Context, entries ...journal.Entry) error
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
// An append is one atomic write (Store.UpdateMany) of its entries and the
// bounds; the oldest entries are trimmed in the same write, a batch of
// capacity/16 at a time, so the store holds up to that many more than
// capacity and Recent never returns more than capacity.
type OverStore struct {
	s        store.Store
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
	return &OverStore{s: s, entries: store.NewTable[journal.Entry](s, c), meta: store.NewTable[bounds](s, c+"-bounds"), capacity: capacity}
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

// trimBatch is how many entries past capacity wait to be trimmed together.
func (o *OverStore) trimBatch() uint64 { return uint64(max(1, o.capacity/16)) }

func (o *OverStore) Append(ctx context.Context, entries ...journal.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return err
	}
	b := o.b
	vals := make([][]byte, 0, len(entries)+1)
	refs := make([]store.Ref, 0, len(entries)+1)
	for _, e := range entries {
		e.Seq = b.Next
		v, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("journalling: %w", err)
		}
		refs = append(refs, store.Ref{Collection: o.entries.Collection(), Key: key(b.Next)})
		vals = append(vals, v)
		b.Next++
	}
	if b.Next-b.First > uint64(o.capacity)+o.trimBatch() {
		for keep := b.Next - uint64(o.capacity); b.First < keep; b.First++ {
			refs = append(refs, store.Ref{Collection: o.entries.Collection(), Key: key(b.First)})
			vals = append(vals, nil)
		}
	}
	meta, err := json.Marshal(b)
	if err != nil {
		return err
	}
	refs = append(refs, store.Ref{Collection: o.meta.Collection(), Key: "bounds"})
	vals = append(vals, meta)
	err = o.s.UpdateMany(ctx, refs, func([][]byte) ([][]byte, error) { return vals, nil })
	if err != nil {
		return fmt.Errorf("journalling: %w", err)
	}
	o.b = b
	return nil
}

func (o *OverStore) Recent(ctx context.Context, n int) ([]journal.Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.load(ctx); err != nil {
		return nil, err
	}
	n = min(n, o.capacity)
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
	b := o.b
	var refs []store.Ref
	var vals [][]byte
	for seq := b.First; seq < b.Next; seq++ {
		refs = append(refs, store.Ref{Collection: o.entries.Collection(), Key: key(seq)})
		vals = append(vals, nil)
	}
	b.First = b.Next
	meta, err := json.Marshal(b)
	if err != nil {
		return err
	}
	refs = append(refs, store.Ref{Collection: o.meta.Collection(), Key: "bounds"})
	vals = append(vals, meta)
	if err := o.s.UpdateMany(ctx, refs, func([][]byte) ([][]byte, error) { return vals, nil }); err != nil {
		return err
	}
	o.b = b
	return nil
}
