// Package store holds the simulator's state behind a small interface. The
// default is in memory; the interface is narrow enough for a shared store
// (several simulator replicas) to implement later.
//
// Values are JSON documents. Plugins use Table for typed access:
//
//	cards := store.NewTable[Card](env.Store, "cards")
//	err := cards.Update(ctx, id, func(c *Card, exists bool) error { ... })
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ErrNotFound is returned when a key does not exist.
var ErrNotFound = errors.New("not found")

// Entry is one stored value.
type Entry struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Store is a set of collections of JSON documents.
type Store interface {
	Get(ctx context.Context, collection, key string) ([]byte, error)
	Put(ctx context.Context, collection, key string, value []byte) error
	Delete(ctx context.Context, collection, key string) error
	// List returns a collection's entries sorted by key.
	List(ctx context.Context, collection string) ([]Entry, error)
	// Update applies fn atomically to one key. fn gets the current value
	// (nil when absent) and returns the new value, or nil to delete. When fn
	// returns an error nothing changes.
	Update(ctx context.Context, collection, key string, fn func(cur []byte) ([]byte, error)) error
	// Collections lists the collections that hold at least one entry.
	Collections(ctx context.Context) ([]string, error)
	// Reset removes everything.
	Reset(ctx context.Context) error
}

// Memory is the in-memory Store. The zero value is not usable; use NewMemory.
type Memory struct {
	mu   sync.RWMutex
	data map[string]map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{data: map[string]map[string][]byte{}} }

var _ Store = (*Memory)(nil)

func (m *Memory) Get(_ context.Context, c, k string) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.data[c][k]
	if !ok {
		return nil, fmt.Errorf("%s/%s: %w", c, k, ErrNotFound)
	}
	return clone(v), nil
}

func (m *Memory) Put(_ context.Context, c, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(c, k, v)
	return nil
}

func (m *Memory) put(c, k string, v []byte) {
	col := m.data[c]
	if col == nil {
		col = map[string][]byte{}
		m.data[c] = col
	}
	col[k] = clone(v)
}

func (m *Memory) Delete(_ context.Context, c, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.data[c][k]; !ok {
		return fmt.Errorf("%s/%s: %w", c, k, ErrNotFound)
	}
	delete(m.data[c], k)
	return nil
}

func (m *Memory) List(_ context.Context, c string) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Entry, 0, len(m.data[c]))
	for k, v := range m.data[c] {
		out = append(out, Entry{Key: k, Value: clone(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *Memory) Update(_ context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.data[c][k]
	var in []byte
	if ok {
		in = clone(cur)
	}
	next, err := fn(in)
	if err != nil {
		return err
	}
	if next == nil {
		if ok {
			delete(m.data[c], k)
		}
		return nil
	}
	m.put(c, k, next)
	return nil
}

func (m *Memory) Collections(context.Context) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for c, col := range m.data {
		if len(col) > 0 {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (m *Memory) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = map[string]map[string][]byte{}
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Namespace returns a view of s whose collections are prefixed with ns + "/",
// so each network sees only its own state. Collections and Reset are limited
// to the namespace.
func Namespace(s Store, ns string) Store { return &namespaced{s: s, p: ns + "/"} }

type namespaced struct {
	s Store
	p string
}

func (n *namespaced) Get(ctx context.Context, c, k string) ([]byte, error) {
	return n.s.Get(ctx, n.p+c, k)
}
func (n *namespaced) Put(ctx context.Context, c, k string, v []byte) error {
	return n.s.Put(ctx, n.p+c, k, v)
}
func (n *namespaced) Delete(ctx context.Context, c, k string) error {
	return n.s.Delete(ctx, n.p+c, k)
}
func (n *namespaced) List(ctx context.Context, c string) ([]Entry, error) {
	return n.s.List(ctx, n.p+c)
}
func (n *namespaced) Update(ctx context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	return n.s.Update(ctx, n.p+c, k, fn)
}
func (n *namespaced) Collections(ctx context.Context) ([]string, error) {
	all, err := n.s.Collections(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		if rest, ok := strings.CutPrefix(c, n.p); ok {
			out = append(out, rest)
		}
	}
	return out, nil
}
func (n *namespaced) Reset(ctx context.Context) error {
	cols, err := n.Collections(ctx)
	if err != nil {
		return err
	}
	for _, c := range cols {
		entries, err := n.List(ctx, c)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := n.Delete(ctx, c, e.Key); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// Table is typed access to one collection.
type Table[T any] struct {
	s Store
	c string
}

// NewTable returns typed access to collection c of s.
func NewTable[T any](s Store, c string) Table[T] { return Table[T]{s: s, c: c} }

// Get returns the value at key, or an error wrapping ErrNotFound.
func (t Table[T]) Get(ctx context.Context, key string) (T, error) {
	var v T
	b, err := t.s.Get(ctx, t.c, key)
	if err != nil {
		return v, err
	}
	err = json.Unmarshal(b, &v)
	return v, err
}

// Put stores v at key.
func (t Table[T]) Put(ctx context.Context, key string, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.s.Put(ctx, t.c, key, b)
}

// Delete removes key.
func (t Table[T]) Delete(ctx context.Context, key string) error { return t.s.Delete(ctx, t.c, key) }

// List returns every value, sorted by key.
func (t Table[T]) List(ctx context.Context) ([]T, error) {
	entries, err := t.s.List(ctx, t.c)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(entries))
	for _, e := range entries {
		var v T
		if err := json.Unmarshal(e.Value, &v); err != nil {
			return nil, fmt.Errorf("decoding %s/%s: %w", t.c, e.Key, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Update applies fn atomically to the value at key. fn gets a pointer to the
// current value (zero when absent) and whether it existed; it may modify the
// value in place. Returning ErrDelete removes the key; any other error leaves
// the store untouched and is returned.
func (t Table[T]) Update(ctx context.Context, key string, fn func(v *T, exists bool) error) error {
	return t.s.Update(ctx, t.c, key, func(cur []byte) ([]byte, error) {
		var v T
		exists := cur != nil
		if exists {
			if err := json.Unmarshal(cur, &v); err != nil {
				return nil, err
			}
		}
		if err := fn(&v, exists); err != nil {
			if errors.Is(err, ErrDelete) {
				return nil, nil
			}
			return nil, err
		}
		return json.Marshal(v)
	})
}

// ErrDelete, returned from a Table.Update function, deletes the key.
var ErrDelete = errors.New("delete")
