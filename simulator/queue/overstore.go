package queue

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/c2psim/c2psim/simulator/store"
)

// OverStore is a Queue kept in a collection of a store.Store, for a store
// one process owns (the in-memory store, the embedded durable one): claims
// are made under this process's lock and leases are kept in memory, so a
// restart finds every item pending again. With no other process to take
// an item over, a lease lasts until its worker reports (Finish, Retry,
// Bury), however far the clock moves meanwhile.
type OverStore struct {
	items store.Table[Item]

	mu     sync.Mutex
	loaded bool
	seq    int64
	byID   map[string]*Item // pending and dead, mirrored from the store
	leases map[string]time.Time
}

var _ Queue = (*OverStore)(nil)

// NewOverStore keeps the queue in collection c of s.
func NewOverStore(s store.Store, c string) *OverStore {
	return &OverStore{items: store.NewTable[Item](s, c), leases: map[string]time.Time{}}
}

// load reads the queue once; the caller holds q.mu.
func (q *OverStore) load(ctx context.Context) error {
	if q.loaded {
		return nil
	}
	all, err := q.items.List(ctx)
	if err != nil {
		return fmt.Errorf("reading the queue: %w", err)
	}
	q.byID = make(map[string]*Item, len(all))
	for i := range all {
		it := all[i]
		it.LeasedUntil = time.Time{}
		q.byID[it.ID] = &it
		q.seq = max(q.seq, it.Seq)
	}
	q.loaded = true
	return nil
}

func (q *OverStore) Add(ctx context.Context, it Item) (bool, error) {
	if it.ID == "" {
		return false, errors.New("a queue item needs an ID")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return false, err
	}
	if _, ok := q.byID[it.ID]; ok {
		return false, nil
	}
	q.seq++
	it.Seq, it.Dead, it.LeasedUntil = q.seq, false, time.Time{}
	if err := q.items.Put(ctx, it.ID, it); err != nil {
		q.seq--
		return false, err
	}
	q.byID[it.ID] = &it
	return true, nil
}

// heads returns, for each OrderKey, its first pending item, and every
// pending item without an OrderKey. The caller holds q.mu.
func (q *OverStore) heads() []*Item {
	first := map[string]*Item{}
	var out []*Item
	for _, it := range q.byID {
		if it.Dead {
			continue
		}
		if it.OrderKey == "" {
			out = append(out, it)
			continue
		}
		k := it.Network + "\x00" + it.OrderKey
		if f := first[k]; f == nil || it.Seq < f.Seq {
			first[k] = it
		}
	}
	for _, it := range first {
		out = append(out, it)
	}
	return out
}

func (q *OverStore) Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]Item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return nil, err
	}
	var due []*Item
	for _, it := range q.heads() {
		if _, leased := q.leases[it.ID]; !leased && !it.Due.After(now) {
			due = append(due, it)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].Due.Equal(due[j].Due) {
			return due[i].Due.Before(due[j].Due)
		}
		return due[i].Seq < due[j].Seq
	})
	if len(due) > n {
		due = due[:n]
	}
	out := make([]Item, 0, len(due))
	for _, it := range due {
		q.leases[it.ID] = now.Add(lease)
		c := *it
		c.LeasedUntil = now.Add(lease)
		out = append(out, c)
	}
	return out, nil
}

func (q *OverStore) Finish(ctx context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return err
	}
	if _, ok := q.byID[id]; !ok {
		return fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err := q.items.Delete(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	delete(q.byID, id)
	delete(q.leases, id)
	return nil
}

// change applies fn to a held item and stores the result.
func (q *OverStore) change(ctx context.Context, id string, fn func(it *Item)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return err
	}
	cur, ok := q.byID[id]
	if !ok {
		return fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	next := *cur
	fn(&next)
	if err := q.items.Put(ctx, id, next); err != nil {
		return err
	}
	*cur = next
	delete(q.leases, id)
	return nil
}

func (q *OverStore) Retry(ctx context.Context, id string, attempts int, lastError string, due time.Time) error {
	return q.change(ctx, id, func(it *Item) { it.Attempts, it.LastError, it.Due = attempts, lastError, due })
}

func (q *OverStore) Bury(ctx context.Context, id string, attempts int, lastError string, at time.Time) error {
	return q.change(ctx, id, func(it *Item) {
		it.Attempts, it.LastError, it.Dead, it.DeadAt = attempts, lastError, true, at
	})
}

func (q *OverStore) Revive(ctx context.Context, id string, due, deadline time.Time) error {
	q.mu.Lock()
	held, ok := q.byID[id]
	dead := ok && held.Dead
	q.mu.Unlock()
	if !dead {
		return fmt.Errorf("%s is not a dead letter: %w", id, ErrNotFound)
	}
	return q.change(ctx, id, func(it *Item) {
		q.seq++
		it.Seq, it.Dead, it.DeadAt, it.Due, it.Deadline = q.seq, false, time.Time{}, due, deadline
	})
}

func (q *OverStore) List(ctx context.Context, dead bool) ([]Item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return nil, err
	}
	out := []Item{}
	for _, it := range q.byID {
		if it.Dead == dead {
			c := *it
			c.LeasedUntil = q.leases[it.ID]
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

func (q *OverStore) NextDue(ctx context.Context) (time.Time, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return time.Time{}, false, err
	}
	var next time.Time
	found := false
	for _, it := range q.heads() {
		if _, leased := q.leases[it.ID]; leased {
			continue
		}
		if !found || it.Due.Before(next) {
			next, found = it.Due, true
		}
	}
	return next, found, nil
}

func (q *OverStore) Reset(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return err
	}
	for id := range q.byID {
		if err := q.items.Delete(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	q.byID = map[string]*Item{}
	q.leases = map[string]time.Time{}
	return nil
}
