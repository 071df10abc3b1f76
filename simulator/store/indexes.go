package store

import "sync"

// Indexes are the indexes declared on each collection of a store that keeps
// its index entries in its own storage (boltstore, pgstore): such a store
// builds a collection's declared indexes over its earlier records before
// its first use in a process. The zero value is ready to use; it is safe
// for concurrent use.
type Indexes struct {
	mu       sync.RWMutex
	declared map[string][]Index
	ready    map[string]bool // collections whose declared indexes are built
}

// Declare declares idx on collection c, in place of any index of its name;
// c's indexes are to be built again before its next use.
func (x *Indexes) Declare(c string, idx Index) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.declared == nil {
		x.declared, x.ready = map[string][]Index{}, map[string]bool{}
	}
	x.declared[c] = withIndex(x.declared[c], idx)
	x.ready[c] = false
}

// Of returns the indexes declared on collection c.
func (x *Indexes) Of(c string) []Index {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.declared[c]
}

// Prepare has build build c's declared indexes, unless none are declared or
// they were built since they were last declared. build runs under the lock,
// so no declaration or other build comes between; when it fails, the next
// Prepare tries again.
func (x *Indexes) Prepare(c string, build func(idx []Index) error) error {
	x.mu.RLock()
	ready, declared := x.ready[c], len(x.declared[c]) > 0
	x.mu.RUnlock()
	if ready || !declared {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ready[c] {
		return nil
	}
	if err := build(x.declared[c]); err != nil {
		return err
	}
	x.ready[c] = true
	return nil
}

// withIndex is list with idx in place of any index of its name (at the end).
func withIndex(list []Index, idx Index) []Index {
	for i, x := range list {
		if x.Name == idx.Name {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	return append(list, idx)
}
