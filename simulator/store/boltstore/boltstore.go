package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/c2psim/c2psim/simulator/store"
)

// FileName is the database file inside a data directory.
const FileName = "c2psim.db"

var (
	bData  = []byte("data")
	bIdx   = []byte("idx")
	bBuilt = []byte("built")
)

// Store is a store.Store in one bbolt file.
type Store struct {
	db *bolt.DB

	indexes store.Indexes

	ops     chan *op
	stopped chan struct{}
	closeMu sync.RWMutex
	closed  bool
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Dropper = (*Store)(nil)
	_ store.Counter = (*Store)(nil)
	_ store.Closer  = (*Store)(nil)
)

// Open opens (creating it if needed) the store in directory dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("opening %s: another process holds it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bData, bIdx, bBuilt} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing %s: %w", path, err)
	}
	s := &Store{db: db, ops: make(chan *op, maxGroup), stopped: make(chan struct{})}
	go s.committer()
	return s, nil
}

// Close waits for queued writes and releases the file.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.ops)
	s.closeMu.Unlock()
	<-s.stopped
	return s.db.Close()
}

// Path is the database file.
func (s *Store) Path() string { return s.db.Path() }

func notFound(c, k string) error { return fmt.Errorf("%s/%s: %w", c, k, store.ErrNotFound) }

func errEmptyKey(c string) error { return fmt.Errorf("%s: a key must not be empty", c) }

func (s *Store) Get(ctx context.Context, c, k string) ([]byte, error) {
	if err := s.prepare(c); err != nil {
		return nil, err
	}
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bData).Bucket([]byte(c)); b != nil && k != "" {
			if v := b.Get([]byte(k)); v != nil {
				out = bytes.Clone(v)
				return nil
			}
		}
		return notFound(c, k)
	})
	return out, err
}

func (s *Store) Put(ctx context.Context, c, k string, v []byte) error {
	v = bytes.Clone(v)
	return s.commit(ctx, c, k, func([]byte) ([]byte, error) { return v, nil })
}

func (s *Store) Delete(ctx context.Context, c, k string) error {
	return s.commit(ctx, c, k, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, notFound(c, k)
		}
		return nil, nil
	})
}

func (s *Store) Update(ctx context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	return s.commit(ctx, c, k, fn)
}

func (s *Store) UpdateMany(ctx context.Context, refs []store.Ref, fn func([][]byte) ([][]byte, error)) error {
	if err := store.CheckRefs(refs); err != nil {
		return err
	}
	return s.commitMany(ctx, refs, fn)
}

// op is one write waiting for the committer: one or several records and
// the function deciding their new values.
type op struct {
	refs []store.Ref
	fn   func(cur [][]byte) ([][]byte, error)
	idx  [][]store.Index // the declared indexes of each ref's collection
	done chan error
}

// commit hands one write to the committer and waits until it is on disk.
func (s *Store) commit(ctx context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	if k == "" {
		return errEmptyKey(c)
	}
	return s.commitMany(ctx, []store.Ref{{Collection: c, Key: k}}, func(cur [][]byte) ([][]byte, error) {
		next, err := fn(cur[0])
		return [][]byte{next}, err
	})
}

func (s *Store) commitMany(ctx context.Context, refs []store.Ref, fn func([][]byte) ([][]byte, error)) error {
	o := &op{refs: refs, fn: fn, idx: make([][]store.Index, len(refs)), done: make(chan error, 1)}
	for i, r := range refs {
		if err := s.prepare(r.Collection); err != nil {
			return err
		}
		o.idx[i] = s.indexes.Of(r.Collection)
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	s.ops <- o
	s.closeMu.RUnlock()
	return <-o.done
}

var errClosed = errors.New("boltstore: closed")

// maxGroup bounds the writes that share one commit.
const maxGroup = 256

// committer writes queued operations, as many as are waiting in one
// transaction: a lone writer commits at once, concurrent writers share
// the commit (and its fsync). A function's refusal affects only its own
// write: each function runs, and its result is checked (and indexed),
// before anything of it is written.
func (s *Store) committer() {
	defer close(s.stopped)
	for first := range s.ops {
		group := []*op{first}
	drain:
		for len(group) < maxGroup {
			select {
			case o, ok := <-s.ops:
				if !ok {
					break drain
				}
				group = append(group, o)
			default:
				break drain
			}
		}
		errs := make([]error, len(group))
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, o := range group {
				errs[i] = nil
				cur := make([][]byte, len(o.refs))
				for j, r := range o.refs {
					if b := tx.Bucket(bData).Bucket([]byte(r.Collection)); b != nil {
						cur[j] = bytes.Clone(b.Get([]byte(r.Key)))
					}
				}
				next, err := o.fn(cur)
				if err == nil {
					err = store.CheckResult(o.refs, next)
				}
				if err != nil {
					errs[i] = err
					continue
				}
				ix := make([]map[string][]string, len(o.refs))
				for j, r := range o.refs {
					if ix[j], err = store.IndexValues(r.Collection, r.Key, next[j], o.idx[j]); err != nil {
						break
					}
				}
				if err != nil {
					errs[i] = err
					continue
				}
				for j, r := range o.refs {
					if next[j] == nil && cur[j] == nil {
						continue
					}
					if err := write(tx, r.Collection, r.Key, next[j], ix[j], o.idx[j]); err != nil {
						return err
					}
				}
			}
			return nil
		})
		for i, o := range group {
			if err != nil {
				o.done <- err
			} else {
				o.done <- errs[i]
			}
		}
	}
}

// write stores v (nil: deletes) at c/k and moves its index entries from
// those of the previous value to ix.
func write(tx *bolt.Tx, c, k string, v []byte, ix map[string][]string, idx []store.Index) error {
	data, err := tx.Bucket(bData).CreateBucketIfNotExists([]byte(c))
	if err != nil {
		return err
	}
	if len(idx) > 0 {
		ib, err := tx.Bucket(bIdx).CreateBucketIfNotExists([]byte(c))
		if err != nil {
			return err
		}
		if old := data.Get([]byte(k)); old != nil {
			// Indexes are pure functions of the record: the previous value's
			// entries are found by running them again.
			for _, x := range idx {
				vals, err := x.Values(k, old)
				if err != nil {
					continue // it was stored before this index could read it
				}
				for _, val := range vals {
					if err := ib.Delete(idxKey(x.Name, val, k)); err != nil {
						return err
					}
				}
			}
		}
		for name, vals := range ix {
			for _, val := range vals {
				if err := ib.Put(idxKey(name, val, k), []byte{}); err != nil {
					return err
				}
			}
		}
	}
	if v == nil {
		if err := data.Delete([]byte(k)); err != nil {
			return err
		}
		if k, _ := data.Cursor().First(); k == nil {
			return dropTx(tx, c)
		}
		return nil
	}
	return data.Put([]byte(k), v)
}

func idxKey(name, val, key string) []byte {
	b := make([]byte, 0, len(name)+len(val)+len(key)+2)
	b = append(b, name...)
	b = append(b, 0)
	b = append(b, val...)
	b = append(b, 0)
	return append(b, key...)
}

func (s *Store) List(ctx context.Context, c string) ([]store.Entry, error) {
	if err := s.prepare(c); err != nil {
		return nil, err
	}
	out := []store.Entry{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bData).Bucket([]byte(c))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			out = append(out, store.Entry{Key: string(k), Value: bytes.Clone(v)})
			return nil
		})
	})
	return out, err
}

func (s *Store) Lookup(ctx context.Context, c, index, value string) ([]store.Entry, error) {
	if err := s.prepare(c); err != nil {
		return nil, err
	}
	out := []store.Entry{}
	err := s.db.View(func(tx *bolt.Tx) error {
		ib := tx.Bucket(bIdx).Bucket([]byte(c))
		data := tx.Bucket(bData).Bucket([]byte(c))
		if ib == nil || data == nil {
			return nil
		}
		prefix := idxKey(index, value, "")
		cur := ib.Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			key := k[len(prefix):]
			if v := data.Get(key); v != nil {
				out = append(out, store.Entry{Key: string(key), Value: bytes.Clone(v)})
			}
		}
		return nil
	})
	// Keys come out in byte order, as the index keys sort.
	return out, err
}

func (s *Store) DeclareIndex(c string, idx store.Index) { s.indexes.Declare(c, idx) }

// prepare builds, once per process, any declared index of c that the file
// does not mark as built over c's earlier records.
func (s *Store) prepare(c string) error {
	return s.indexes.Prepare(c, func(idx []store.Index) error {
		return s.build(c, idx)
	})
}

// build builds the indexes idx of c, under the lock of s.indexes.
func (s *Store) build(c string, idx []store.Index) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		built := tx.Bucket(bBuilt)
		var todo []store.Index
		for _, x := range idx {
			if built.Get(builtKey(c, x.Name)) == nil {
				todo = append(todo, x)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		data := tx.Bucket(bData).Bucket([]byte(c))
		if data != nil {
			ib, err := tx.Bucket(bIdx).CreateBucketIfNotExists([]byte(c))
			if err != nil {
				return err
			}
			err = data.ForEach(func(k, v []byte) error {
				for _, x := range todo {
					vals, err := x.Values(string(k), v)
					if err != nil {
						continue // the next write of this record reports it
					}
					for _, val := range vals {
						if val == "" {
							continue
						}
						if err := ib.Put(idxKey(x.Name, val, string(k)), []byte{}); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		for _, x := range todo {
			if err := built.Put(builtKey(c, x.Name), []byte{1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("building indexes of %s: %w", c, err)
	}
	return nil
}

func builtKey(c, name string) []byte { return []byte(c + "\x00" + name) }

func (s *Store) Collections(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bData).ForEachBucket(func(name []byte) error {
			if k, _ := tx.Bucket(bData).Bucket(name).Cursor().First(); k != nil {
				out = append(out, string(name))
			}
			return nil
		})
	})
	sort.Strings(out)
	return out, err
}

func (s *Store) Count(ctx context.Context, c string) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bData).Bucket([]byte(c)); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n, err
}

func (s *Store) Drop(ctx context.Context, c string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return dropTx(tx, c) })
}

// dropTx removes a collection's records and index entries; its indexes
// stay declared and count as built (over nothing).
func dropTx(tx *bolt.Tx, c string) error {
	for _, root := range [][]byte{bData, bIdx} {
		if tx.Bucket(root).Bucket([]byte(c)) != nil {
			if err := tx.Bucket(root).DeleteBucket([]byte(c)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) Reset(ctx context.Context) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, root := range [][]byte{bData, bIdx} {
			if err := tx.DeleteBucket(root); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(root); err != nil {
				return err
			}
		}
		return nil
	})
}
