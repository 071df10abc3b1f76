package boltstore_test

import (
	"testing"

	"github.com/c2psim/c2psim/simulator/store"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
	"github.com/c2psim/c2psim/simulator/store/storetest"
)

func open(t testing.TB, dir string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) store.Store { return open(t, t.TempDir()) },
		Reopen: func(t *testing.T, s store.Store) store.Store {
			bs := s.(*boltstore.Store)
			dir := bs.Path()[:len(bs.Path())-len(boltstore.FileName)-1]
			if err := bs.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, dir)
		},
	})
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	if s, err := boltstore.Open(dir); err == nil {
		s.Close()
		t.Fatal("a second Open of one data directory succeeded")
	}
}

func BenchmarkLookup(b *testing.B) {
	storetest.BenchmarkLookup(b, func(b *testing.B) store.Store { return open(b, b.TempDir()) })
}
