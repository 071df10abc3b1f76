package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// IndexOf is a typed secondary index of a Table: Of gives the values a
// record is found under. Build one with By.
type IndexOf[T any] struct {
	name string
	of   func(key string, v T) []string
}

// By declares a Table index named name whose values for a record are of's
// result. of must be a pure function of the record, and return a slice of
// its own (not a field of the record): the store keeps what it returns.
func By[T any](name string, of func(key string, v T) []string) IndexOf[T] {
	return IndexOf[T]{name: name, of: of}
}

// Table is typed access to one collection.
type Table[T any] struct {
	s   Store
	c   string
	idx *indexCache[T] // nil without indexes
}

// NewTable returns typed access to collection c of s, declaring its
// indexes on s.
func NewTable[T any](s Store, c string, indexes ...IndexOf[T]) Table[T] {
	t := Table[T]{s: s, c: c}
	if len(indexes) == 0 {
		return t
	}
	t.idx = &indexCache[T]{}
	for _, ix := range indexes {
		t.idx.of = append(t.idx.of, ix.of)
	}
	for i, ix := range indexes {
		s.DeclareIndex(c, Index{Name: ix.name, Values: func(key string, b []byte) ([]string, error) {
			return t.idx.values(i, key, b)
		}})
	}
	return t
}

// Collection is the collection the table reads and writes.
func (t Table[T]) Collection() string { return t.c }

// indexCache lets a table's indexes, which a store runs one after another
// on each record it writes, share one reading of that record: the values
// the table worked out from the value it encoded (Put, Update, an atomic
// change), or else one decode of the bytes. It keeps the last few records
// (an atomic change writes several), each with a copy of its bytes.
type indexCache[T any] struct {
	of []func(key string, v T) []string

	mu   sync.Mutex
	last [4]cachedRecord[T] // the most recent first
}

type cachedRecord[T any] struct {
	ok   bool
	key  string
	raw  []byte
	vals [][]string // by index, worked out for key; nil when decoded
	v    T          // decoded from raw (vals == nil)
}

func (c *indexCache[T]) values(i int, key string, b []byte) ([]string, error) {
	c.mu.Lock()
	for j := range c.last {
		r := &c.last[j]
		if !r.ok || !bytes.Equal(r.raw, b) {
			continue
		}
		if r.vals == nil {
			v := r.v
			c.mu.Unlock()
			return c.of[i](key, v), nil
		}
		if r.key == key {
			vals := r.vals[i] // shared: index values are only ever read
			c.mu.Unlock()
			return vals, nil
		}
	}
	c.mu.Unlock()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	c.put(cachedRecord[T]{ok: true, key: key, raw: bytes.Clone(b), v: v})
	return c.of[i](key, v), nil
}

// seed records the index values of the record key is about to hold as b,
// worked out from v, the value b encodes.
func (c *indexCache[T]) seed(key string, b []byte, v T) {
	vals := make([][]string, len(c.of))
	for i, of := range c.of {
		vals[i] = of(key, v)
	}
	c.put(cachedRecord[T]{ok: true, key: key, raw: bytes.Clone(b), vals: vals})
}

func (c *indexCache[T]) put(r cachedRecord[T]) {
	c.mu.Lock()
	copy(c.last[1:], c.last[:len(c.last)-1])
	c.last[0] = r
	c.mu.Unlock()
}

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
	if t.idx != nil {
		t.idx.seed(key, b, v)
	}
	return t.s.Put(ctx, t.c, key, b)
}

// Delete removes key.
func (t Table[T]) Delete(ctx context.Context, key string) error { return t.s.Delete(ctx, t.c, key) }

// List returns every value, sorted by key. It reads the whole collection:
// request paths use Lookup.
func (t Table[T]) List(ctx context.Context) ([]T, error) {
	entries, err := t.s.List(ctx, t.c)
	if err != nil {
		return nil, err
	}
	return t.decode(entries)
}

// Row is one record of a Table with its key.
type Row[T any] struct {
	Key   string
	Value T
}

// Lookup returns the records index holds under value, sorted by key.
func (t Table[T]) Lookup(ctx context.Context, index, value string) ([]Row[T], error) {
	entries, err := t.s.Lookup(ctx, t.c, index, value)
	if err != nil {
		return nil, err
	}
	out := make([]Row[T], 0, len(entries))
	for _, e := range entries {
		var v T
		if err := json.Unmarshal(e.Value, &v); err != nil {
			return nil, fmt.Errorf("decoding %s/%s: %w", t.c, e.Key, err)
		}
		out = append(out, Row[T]{Key: e.Key, Value: v})
	}
	return out, nil
}

// Find returns the first record (by key) index holds under value, or an
// error wrapping ErrNotFound.
func (t Table[T]) Find(ctx context.Context, index, value string) (Row[T], error) {
	rows, err := t.Lookup(ctx, index, value)
	if err != nil {
		return Row[T]{}, err
	}
	if len(rows) == 0 {
		return Row[T]{}, fmt.Errorf("%s by %s: %w", t.c, index, ErrNotFound)
	}
	return rows[0], nil
}

func (t Table[T]) decode(entries []Entry) ([]T, error) {
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
		b, err := json.Marshal(v)
		if err == nil && t.idx != nil {
			t.idx.seed(key, b, v)
		}
		return b, err
	})
}

// ErrDelete, returned from a Table.Update function, deletes the key.
var ErrDelete = errors.New("delete")

// Held is one record of a change that spans several records (Update2,
// Update3): its current value (zero when absent) and whether it exists.
// The change may modify Value in place; setting Delete removes the record.
// A record that did not exist is created only when the change gives it a
// value other than the zero value: the others stay absent.
type Held[T any] struct {
	Value  T
	Exists bool
	Delete bool
}

func (h *Held[T]) encode() ([]byte, error) {
	if h.Delete {
		return nil, nil
	}
	b, err := json.Marshal(h.Value)
	if err != nil || h.Exists {
		return b, err
	}
	if z, err := zeroJSON[T](); err == nil && bytes.Equal(z, b) {
		return nil, nil // not given a value: it stays absent
	}
	return b, nil
}

// zeroJSONs holds the encoding of each type's zero value, by type: a new
// record of a change is compared with it, and it never changes.
var zeroJSONs sync.Map // reflect.Type → []byte

func zeroJSON[T any]() ([]byte, error) {
	t := reflect.TypeFor[T]()
	if z, ok := zeroJSONs.Load(t); ok {
		return z.([]byte), nil
	}
	var zero T
	z, err := json.Marshal(zero)
	if err != nil {
		return nil, err
	}
	zeroJSONs.Store(t, z)
	return z, nil
}

// Atomic is one change of several records, of one or several tables of a
// store, made in one atomic step (Store.UpdateMany): name the records with
// Hold, then Do runs the change on their current values and writes what it
// left, or nothing when it fails. Replicas on a shared store hold every
// record's lock while the change runs, so a transition that spans records
// is decided once.
//
//	var a store.Atomic
//	tok := store.Hold(&a, tokens, ref)
//	pro := store.Hold(&a, profiles, consumerID)
//	err := a.Do(ctx, func() error {
//		if tok.Value.Status != "ACTIVE" {
//			return errIllegal // nothing changes
//		}
//		tok.Value.Status, pro.Value.Cards[ref] = "SUSPENDED", "SUSPENDED"
//		return nil
//	})
type Atomic struct {
	s     Store
	refs  []Ref
	held  []heldRecord
	inRef [4]Ref        // refs' storage for the common change of a few records
	inRec [4]heldRecord // held's
}

// heldRecord is one record of an Atomic: it reads the record's current
// bytes into its Held and gives the bytes to write back.
type heldRecord interface {
	load(cur []byte) error
	save() ([]byte, error)
}

// holder is a Held of a table's record, as an Atomic holds it.
type holder[T any] struct {
	h   Held[T]
	t   Table[T]
	key string
}

func (r *holder[T]) load(cur []byte) error {
	r.h = Held[T]{Exists: cur != nil}
	if cur != nil {
		if err := json.Unmarshal(cur, &r.h.Value); err != nil {
			return fmt.Errorf("decoding %s/%s: %w", r.t.c, r.key, err)
		}
	}
	return nil
}

func (r *holder[T]) save() ([]byte, error) {
	b, err := r.h.encode()
	if err == nil && b != nil && r.t.idx != nil {
		r.t.idx.seed(r.key, b, r.h.Value)
	}
	return b, err
}

// Hold names the record at key of t as part of a's change and returns it,
// filled with its current value when Do runs.
func Hold[T any](a *Atomic, t Table[T], key string) *Held[T] {
	if a.s == nil {
		a.s = t.s
	}
	if a.refs == nil {
		a.refs, a.held = a.inRef[:0], a.inRec[:0]
	}
	r := &holder[T]{t: t, key: key}
	a.refs = append(a.refs, Ref{Collection: t.c, Key: key})
	a.held = append(a.held, r)
	return &r.h
}

// Do runs fn on the held records' current values and writes them as fn
// left them, in one atomic step; when fn returns an error nothing changes
// and the error is returned. fn must not call the store.
func (a *Atomic) Do(ctx context.Context, fn func() error) error {
	if a.s == nil {
		return errors.New("an atomic change holds no record")
	}
	return a.s.UpdateMany(ctx, a.refs, func(cur [][]byte) ([][]byte, error) {
		for i, r := range a.held {
			if err := r.load(cur[i]); err != nil {
				return nil, err
			}
		}
		if err := fn(); err != nil {
			return nil, err
		}
		out := make([][]byte, len(a.held))
		for i, r := range a.held {
			b, err := r.save()
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	})
}

// Update2 applies fn atomically to the record at ka of a and the one at kb
// of b (tables of one store): see Atomic.
func Update2[A, B any](ctx context.Context, a Table[A], ka string, b Table[B], kb string, fn func(a *Held[A], b *Held[B]) error) error {
	var at Atomic
	ha, hb := Hold(&at, a, ka), Hold(&at, b, kb)
	return at.Do(ctx, func() error { return fn(ha, hb) })
}

// Update3 is Update2 for three records.
func Update3[A, B, C any](ctx context.Context, a Table[A], ka string, b Table[B], kb string, c Table[C], kc string,
	fn func(a *Held[A], b *Held[B], c *Held[C]) error) error {
	var at Atomic
	ha, hb, hc := Hold(&at, a, ka), Hold(&at, b, kb), Hold(&at, c, kc)
	return at.Do(ctx, func() error { return fn(ha, hb, hc) })
}
