package store

import (
	"context"
	"sort"
	"sync"
)

// Memory is the in-memory Store, the simulator's default. The zero value is
// not usable; use NewMemory.
type Memory struct {
	mu      sync.RWMutex
	cols    map[string]*memCol
	indexes map[string][]Index // by collection, kept across Reset
}

type memCol struct {
	rows map[string]memRow
	// idx: index name → value → set of keys.
	idx map[string]map[string]keySet
}

type memRow struct {
	v  []byte
	ix map[string][]string // this row's index entries, to drop on change
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{cols: map[string]*memCol{}, indexes: map[string][]Index{}}
}

var (
	_ Store   = (*Memory)(nil)
	_ Dropper = (*Memory)(nil)
	_ Counter = (*Memory)(nil)
)

func (m *Memory) Get(_ context.Context, c, k string) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if col := m.cols[c]; col != nil {
		if r, ok := col.rows[k]; ok {
			return clone(r.v), nil
		}
	}
	return nil, notFound(c, k)
}

func (m *Memory) Put(_ context.Context, c, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.write(c, k, clone(v))
}

// write stores v (nil: deletes) at c/k with its index entries. The caller
// holds m.mu for writing.
func (m *Memory) write(c, k string, v []byte) error {
	ix, err := IndexValues(c, k, v, m.indexes[c])
	if err != nil {
		return err
	}
	m.writeIndexed(c, k, v, ix)
	return nil
}

// writeIndexed stores v (nil: deletes) at c/k with the index entries ix
// IndexValues gave for it. The caller holds m.mu for writing.
func (m *Memory) writeIndexed(c, k string, v []byte, ix map[string][]string) {
	col := m.cols[c]
	if col == nil {
		if v == nil {
			return
		}
		col = &memCol{rows: map[string]memRow{}, idx: map[string]map[string]keySet{}}
		m.cols[c] = col
	}
	if old, ok := col.rows[k]; ok {
		col.unindex(k, old.ix)
	}
	if v == nil {
		delete(col.rows, k)
		return
	}
	col.rows[k] = memRow{v: v, ix: ix}
	col.index(k, ix)
}

func (col *memCol) index(k string, ix map[string][]string) {
	for name, vals := range ix {
		byVal := col.idx[name]
		if byVal == nil {
			byVal = map[string]keySet{}
			col.idx[name] = byVal
		}
		for _, v := range vals {
			byVal[v] = byVal[v].with(k)
		}
	}
}

func (col *memCol) unindex(k string, ix map[string][]string) {
	for name, vals := range ix {
		byVal := col.idx[name]
		for _, v := range vals {
			if ks := byVal[v].without(k); ks.empty() {
				delete(byVal, v)
			} else {
				byVal[v] = ks
			}
		}
	}
}

// keySet is the keys an index value holds. Most values hold one key (a
// token's reference, a consumer's ID), kept without a map.
type keySet struct {
	one  string              // the only key, when hasOne
	many map[string]struct{} // two or more keys (hasOne false)
	// hasOne tells one from no key (a key may be empty).
	hasOne bool
}

func (s keySet) empty() bool { return !s.hasOne && s.many == nil }

func (s keySet) with(k string) keySet {
	switch {
	case s.many != nil:
		s.many[k] = struct{}{}
	case !s.hasOne || s.one == k:
		s.one, s.hasOne = k, true
	default:
		s = keySet{many: map[string]struct{}{s.one: {}, k: {}}}
	}
	return s
}

func (s keySet) without(k string) keySet {
	switch {
	case s.many != nil:
		delete(s.many, k)
		if len(s.many) == 1 {
			for only := range s.many {
				return keySet{one: only, hasOne: true}
			}
		}
	case s.hasOne && s.one == k:
		return keySet{}
	}
	return s
}

// keys lists the set.
func (s keySet) keys() []string {
	if s.many == nil {
		if !s.hasOne {
			return nil
		}
		return []string{s.one}
	}
	out := make([]string, 0, len(s.many))
	for k := range s.many {
		out = append(out, k)
	}
	return out
}

func (m *Memory) Delete(_ context.Context, c, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if col := m.cols[c]; col != nil {
		if _, ok := col.rows[k]; ok {
			return m.write(c, k, nil)
		}
	}
	return notFound(c, k)
}

func (m *Memory) List(_ context.Context, c string) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	col := m.cols[c]
	if col == nil {
		return []Entry{}, nil
	}
	out := make([]Entry, 0, len(col.rows))
	for k, r := range col.rows {
		out = append(out, Entry{Key: k, Value: clone(r.v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *Memory) Update(_ context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var in []byte
	exists := false
	if col := m.cols[c]; col != nil {
		if r, ok := col.rows[k]; ok {
			in, exists = clone(r.v), true
		}
	}
	next, err := fn(in)
	if err != nil {
		return err
	}
	if next == nil && !exists {
		return nil
	}
	return m.write(c, k, clone(next))
}

func (m *Memory) UpdateMany(_ context.Context, refs []Ref, fn func([][]byte) ([][]byte, error)) error {
	if err := CheckRefs(refs); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	in := make([][]byte, len(refs))
	for i, r := range refs {
		if col := m.cols[r.Collection]; col != nil {
			if row, ok := col.rows[r.Key]; ok {
				in[i] = clone(row.v)
			}
		}
	}
	next, err := fn(in)
	if err != nil {
		return err
	}
	if err := CheckResult(refs, next); err != nil {
		return err
	}
	// Every record is indexed before any is written: an index refusing one
	// writes none.
	ixs := make([]map[string][]string, len(refs))
	for i, r := range refs {
		ix, err := IndexValues(r.Collection, r.Key, next[i], m.indexes[r.Collection])
		if err != nil {
			return err
		}
		ixs[i] = ix
	}
	for i, r := range refs {
		if next[i] == nil && in[i] == nil {
			continue
		}
		m.writeIndexed(r.Collection, r.Key, clone(next[i]), ixs[i])
	}
	return nil
}

func (m *Memory) DeclareIndex(c string, idx Index) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.indexes[c] = withIndex(m.indexes[c], idx)
	col := m.cols[c]
	if col == nil {
		return
	}
	// Index what is already there. A record the new function cannot index
	// keeps its other entries; the next write of it reports the error.
	delete(col.idx, idx.Name)
	for k, r := range col.rows {
		vals, err := idx.Values(k, r.v)
		if r.ix == nil {
			r.ix = map[string][]string{}
		}
		if err != nil {
			delete(r.ix, idx.Name)
		} else {
			r.ix[idx.Name] = dedupe(vals)
			col.index(k, map[string][]string{idx.Name: r.ix[idx.Name]})
		}
		col.rows[k] = r
	}
}

func (m *Memory) Lookup(_ context.Context, c, index, value string) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	col := m.cols[c]
	if col == nil {
		return []Entry{}, nil
	}
	keys := col.idx[index][value].keys()
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		out = append(out, Entry{Key: k, Value: clone(col.rows[k].v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *Memory) Collections(context.Context) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for c, col := range m.cols {
		if len(col.rows) > 0 {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (m *Memory) Count(_ context.Context, c string) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if col := m.cols[c]; col != nil {
		return len(col.rows), nil
	}
	return 0, nil
}

func (m *Memory) Drop(_ context.Context, c string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cols, c)
	return nil
}

func (m *Memory) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cols = map[string]*memCol{}
	return nil
}
