package store

import (
	"context"
	"errors"
	"strings"
)

// Namespace returns a view of s whose collections are prefixed with ns + "/",
// so each network sees only its own state. Collections and Reset are limited
// to the namespace.
func Namespace(s Store, ns string) Store { return &namespaced{s: s, p: ns + "/"} }

type namespaced struct {
	s Store
	p string
}

var (
	_ Dropper = (*namespaced)(nil)
	_ Counter = (*namespaced)(nil)
)

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
func (n *namespaced) UpdateMany(ctx context.Context, refs []Ref, fn func([][]byte) ([][]byte, error)) error {
	in := make([]Ref, len(refs))
	for i, r := range refs {
		in[i] = Ref{Collection: n.p + r.Collection, Key: r.Key}
	}
	return n.s.UpdateMany(ctx, in, fn)
}
func (n *namespaced) DeclareIndex(c string, idx Index) { n.s.DeclareIndex(n.p+c, idx) }
func (n *namespaced) Lookup(ctx context.Context, c, index, value string) ([]Entry, error) {
	return n.s.Lookup(ctx, n.p+c, index, value)
}
func (n *namespaced) Count(ctx context.Context, c string) (int, error) {
	return Count(ctx, n.s, n.p+c)
}
func (n *namespaced) Drop(ctx context.Context, c string) error { return drop(ctx, n.s, n.p+c) }

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
		if err := n.Drop(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// drop removes a collection, at once where the store can.
func drop(ctx context.Context, s Store, c string) error {
	if d, ok := s.(Dropper); ok {
		return d.Drop(ctx, c)
	}
	entries, err := s.List(ctx, c)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := s.Delete(ctx, c, e.Key); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}
