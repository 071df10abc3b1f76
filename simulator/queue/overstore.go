package queue

import (
	"container/heap"
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
//
// The store is written through; in memory the queue is indexed, so no
// operation reads every pending item: each OrderKey's pending items are a
// chain in Seq order, and the heads of the chains (with every item without
// an OrderKey) that are not leased wait in a heap by due time. Claim and
// NextDue cost the log of the pending count.
type OverStore struct {
	items store.Table[Item]

	mu     sync.Mutex
	loaded bool
	seq    int64
	byID   map[string]*Item   // pending and dead, mirrored from the store
	chains map[string][]*Item // network NUL OrderKey → its pending items, by Seq
	leases map[string]time.Time
	ready  readyHeap           // claimable heads: not leased, by due time then Seq
	inHeap map[string]*readyAt // by item ID
}

var _ Queue = (*OverStore)(nil)

// NewOverStore keeps the queue in collection c of s.
func NewOverStore(s store.Store, c string) *OverStore {
	q := &OverStore{items: store.NewTable[Item](s, c)}
	q.clear()
	return q
}

func (q *OverStore) clear() {
	q.byID, q.chains = map[string]*Item{}, map[string][]*Item{}
	q.leases, q.inHeap = map[string]time.Time{}, map[string]*readyAt{}
	q.ready = nil
}

func chainKey(it *Item) string { return it.Network + "\x00" + it.OrderKey }

// load reads the queue once; the caller holds q.mu.
func (q *OverStore) load(ctx context.Context) error {
	if q.loaded {
		return nil
	}
	all, err := q.items.List(ctx)
	if err != nil {
		return fmt.Errorf("reading the queue: %w", err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	q.clear()
	for i := range all {
		it := all[i]
		it.LeasedUntil = time.Time{}
		q.seq = max(q.seq, it.Seq)
		q.byID[it.ID] = &it
		if !it.Dead {
			q.link(&it)
		}
	}
	q.loaded = true
	return nil
}

// link appends a pending item to its chain (the last Seq so far) and
// makes it claimable when it heads the chain.
func (q *OverStore) link(it *Item) {
	if it.OrderKey == "" {
		q.push(it)
		return
	}
	k := chainKey(it)
	q.chains[k] = append(q.chains[k], it)
	if len(q.chains[k]) == 1 {
		q.push(it)
	}
}

// unlink removes an item from its chain and the heap; the next of its
// chain, if any, becomes claimable.
func (q *OverStore) unlink(it *Item) {
	q.drop(it.ID)
	if it.OrderKey == "" {
		return
	}
	k := chainKey(it)
	chain := q.chains[k]
	for i, c := range chain {
		if c.ID != it.ID {
			continue
		}
		chain = append(chain[:i:i], chain[i+1:]...)
		if i == 0 && len(chain) > 0 {
			if _, leased := q.leases[chain[0].ID]; !leased {
				q.push(chain[0])
			}
		}
		break
	}
	if len(chain) == 0 {
		delete(q.chains, k)
	} else {
		q.chains[k] = chain
	}
}

// isHead reports whether a pending item heads its chain.
func (q *OverStore) isHead(it *Item) bool {
	if it.OrderKey == "" {
		return true
	}
	chain := q.chains[chainKey(it)]
	return len(chain) > 0 && chain[0].ID == it.ID
}

func (q *OverStore) push(it *Item) {
	if r := q.inHeap[it.ID]; r != nil {
		r.due, r.seq = it.Due, it.Seq
		heap.Fix(&q.ready, r.index)
		return
	}
	r := &readyAt{id: it.ID, due: it.Due, seq: it.Seq}
	q.inHeap[it.ID] = r
	heap.Push(&q.ready, r)
}

func (q *OverStore) drop(id string) {
	if r := q.inHeap[id]; r != nil {
		heap.Remove(&q.ready, r.index)
		delete(q.inHeap, id)
	}
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
	q.link(&it)
	return true, nil
}

func (q *OverStore) Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]Item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return nil, err
	}
	var out []Item
	for len(out) < n && len(q.ready) > 0 && !q.ready[0].due.After(now) {
		r := heap.Pop(&q.ready).(*readyAt)
		delete(q.inHeap, r.id)
		it := q.byID[r.id]
		q.leases[it.ID] = now.Add(lease)
		c := *it
		c.LeasedUntil = now.Add(lease)
		out = append(out, c)
	}
	if out == nil {
		out = []Item{}
	}
	return out, nil
}

func (q *OverStore) Finish(ctx context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.load(ctx); err != nil {
		return err
	}
	it, ok := q.byID[id]
	if !ok {
		return fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err := q.items.Delete(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	delete(q.leases, id)
	if !it.Dead {
		q.unlink(it)
	}
	delete(q.byID, id)
	return nil
}

// change applies fn to a held item, stores the result and ends its lease;
// relink puts it back where a pending item's new due time or Seq says.
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
	wasDead := cur.Dead
	if !wasDead {
		q.unlink(cur) // out of its chain and the heap, with its old due time and Seq
	}
	*cur = next
	delete(q.leases, id)
	if !cur.Dead {
		q.relink(cur, wasDead)
	}
	return nil
}

// relink puts a pending item back: a revived one behind its chain, one
// retried where its Seq says (the head it was).
func (q *OverStore) relink(it *Item, revived bool) {
	if it.OrderKey == "" || revived {
		q.link(it)
		return
	}
	k := chainKey(it)
	chain := q.chains[k]
	i := sort.Search(len(chain), func(i int) bool { return chain[i].Seq > it.Seq })
	chain = append(chain, nil)
	copy(chain[i+1:], chain[i:])
	chain[i] = it
	q.chains[k] = chain
	if i == 0 {
		if len(chain) > 1 {
			q.drop(chain[1].ID) // no longer the head
		}
		q.push(it)
	}
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
	if len(q.ready) == 0 {
		return time.Time{}, false, nil
	}
	return q.ready[0].due, true, nil
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
	q.clear()
	return nil
}

// readyAt is a claimable item in the heap.
type readyAt struct {
	id    string
	due   time.Time
	seq   int64
	index int
}

type readyHeap []*readyAt

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *readyHeap) Push(x any) {
	r := x.(*readyAt)
	r.index = len(*h)
	*h = append(*h, r)
}
func (h *readyHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return r
}
