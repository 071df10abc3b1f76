package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrNotFound is returned when a key does not exist.
var ErrNotFound = errors.New("not found")

// Entry is one stored value.
type Entry struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Ref names one record.
type Ref struct {
	Collection, Key string
}

// Index is a secondary index of a collection: Values gives the index values
// a record is found under (none, one or several). It must be a pure function
// of the record: the store calls it on every write, and on the previous value
// of a record to drop its old entries.
type Index struct {
	Name   string
	Values func(key string, value []byte) ([]string, error)
}

// Store is a set of collections of JSON documents with secondary indexes.
// Every method is safe for concurrent use; index entries change atomically
// with the record they describe.
type Store interface {
	Get(ctx context.Context, collection, key string) ([]byte, error)
	Put(ctx context.Context, collection, key string, value []byte) error
	Delete(ctx context.Context, collection, key string) error
	// Update applies fn atomically to one key. fn gets the current value
	// (nil when absent) and returns the new value, or nil to delete. When fn
	// returns an error nothing changes.
	Update(ctx context.Context, collection, key string, fn func(cur []byte) ([]byte, error)) error
	// UpdateMany applies fn atomically to several distinct records, for a
	// change that spans them (a token and the profile holding its card):
	// fn gets their current values in the order of refs (nil when absent)
	// and returns their new values in the same order (nil deletes). When
	// fn returns an error nothing changes. Every record is locked while fn
	// runs, also against other processes where the store is shared, so a
	// change decided on what fn read is decided once. fn must not call the
	// store.
	UpdateMany(ctx context.Context, refs []Ref, fn func(cur [][]byte) ([][]byte, error)) error
	// List returns a collection's entries sorted by key. Request paths use
	// Lookup instead: List costs the size of the collection.
	List(ctx context.Context, collection string) ([]Entry, error)
	// DeclareIndex adds a secondary index to a collection (replacing one of
	// the same name). Records stored before the declaration are indexed
	// before the collection is next read or written. Declaring is cheap and
	// may be repeated; a changed Values function needs a new Name.
	DeclareIndex(collection string, idx Index)
	// Lookup returns the entries of collection that index holds under
	// value, sorted by key; none is not an error. Its cost does not grow
	// with the size of the collection.
	Lookup(ctx context.Context, collection, index, value string) ([]Entry, error)
	// Collections lists the collections that hold at least one entry.
	Collections(ctx context.Context) ([]string, error)
	// Reset removes everything.
	Reset(ctx context.Context) error
}

// Dropper is a Store that removes a whole collection at once (Namespace's
// Reset uses it; other stores fall back to deleting key by key).
type Dropper interface {
	Drop(ctx context.Context, collection string) error
}

// Counter is a Store that counts a collection without reading it.
type Counter interface {
	Count(ctx context.Context, collection string) (int, error)
}

// Sharer is a Store that other processes use at the same time (replicas
// on one database): what a process keeps of it in memory may change under
// it, so it reads again what others may have changed.
type Sharer interface {
	Shared() bool
}

// Shared reports whether s is used by other processes at the same time.
func Shared(s Store) bool {
	sh, ok := s.(Sharer)
	return ok && sh.Shared()
}

// Closer is a Store holding resources (files, connections) to release.
type Closer interface {
	Close() error
}

// Count returns how many entries a collection holds, without reading them
// where the store can.
func Count(ctx context.Context, s Store, collection string) (int, error) {
	if c, ok := s.(Counter); ok {
		return c.Count(ctx, collection)
	}
	entries, err := s.List(ctx, collection)
	return len(entries), err
}

// IndexError reports an index function that failed on a record; nothing was
// written.
type IndexError struct {
	Collection, Index, Key string
	Err                    error
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("indexing %s/%s by %s: %v", e.Collection, e.Key, e.Index, e.Err)
}

func (e *IndexError) Unwrap() error { return e.Err }

// IndexValues runs every index of a collection on one record and returns
// its entries by index name, with duplicates and empty values dropped. It is
// what implementations of Store call on each write.
func IndexValues(collection, key string, value []byte, idx []Index) (map[string][]string, error) {
	if value == nil || len(idx) == 0 {
		return nil, nil
	}
	out := make(map[string][]string, len(idx))
	for _, ix := range idx {
		vals, err := ix.Values(key, value)
		if err != nil {
			return nil, &IndexError{Collection: collection, Index: ix.Name, Key: key, Err: err}
		}
		out[ix.Name] = dedupe(vals)
	}
	return out, nil
}

// CheckRefs refuses an UpdateMany that names no record, an empty key or
// one record twice; implementations call it first.
func CheckRefs(refs []Ref) error {
	if len(refs) == 0 {
		return errors.New("an update of several records names none")
	}
	seen := make(map[Ref]bool, len(refs))
	for _, r := range refs {
		if r.Key == "" {
			return fmt.Errorf("%s: a key must not be empty", r.Collection)
		}
		if seen[r] {
			return fmt.Errorf("%s/%s is named twice in one update", r.Collection, r.Key)
		}
		seen[r] = true
	}
	return nil
}

// CheckResult refuses an UpdateMany function's result that does not give
// one value per record.
func CheckResult(refs []Ref, next [][]byte) error {
	if len(next) != len(refs) {
		return fmt.Errorf("an update of %d records returned %d values", len(refs), len(next))
	}
	return nil
}

func dedupe(vals []string) []string {
	if unique(vals) {
		return vals // the common case: nothing to drop, nothing to copy
	}
	var out []string
outer:
	for _, v := range vals {
		if v == "" {
			continue
		}
		for _, o := range out {
			if o == v {
				continue outer
			}
		}
		out = append(out, v)
	}
	return out
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// unique reports whether vals has no empty value and no value twice.
func unique(vals []string) bool {
	for i, v := range vals {
		if v == "" || slices.Contains(vals[:i], v) {
			return false
		}
	}
	return true
}

// notFound is the error of a read or delete of an absent record, c/k:
// ErrNotFound (errors.Is), saying which record, made without formatting
// until it is read (a lookup that misses is common on request paths).
func notFound(c, k string) error { return &notFoundError{c, k} }

type notFoundError struct{ c, k string }

func (e *notFoundError) Error() string { return e.c + "/" + e.k + ": " + ErrNotFound.Error() }
func (e *notFoundError) Unwrap() error { return ErrNotFound }
