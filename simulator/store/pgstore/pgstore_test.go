package pgstore_test

import (
	"context"
	"testing"

	"github.com/c2psim/c2psim/simulator/store"
	"github.com/c2psim/c2psim/simulator/store/pgstore"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
	"github.com/c2psim/c2psim/simulator/store/storetest"
)

func open(t testing.TB, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	urls := map[store.Store]string{}
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) store.Store {
			u := pgtest.URL(t)
			s := open(t, u)
			urls[s] = u
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			s.(*pgstore.Store).Close()
			n := open(t, urls[s])
			urls[n] = urls[s]
			return n
		},
		Peer: func(t *testing.T, s store.Store) store.Store { return open(t, urls[s]) },
	})
}

func TestMigrationsApplyOnceAndInOrder(t *testing.T) {
	u := pgtest.URL(t)
	ms, err := pgstore.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	a := open(t, u)
	b := open(t, u) // a second replica starting finds nothing to do
	if a.SchemaVersion() != len(ms) || b.SchemaVersion() != len(ms) {
		t.Fatalf("schema versions %d and %d, want %d", a.SchemaVersion(), b.SchemaVersion(), len(ms))
	}
	var n int
	if err := a.Pool().QueryRow(context.Background(), `SELECT count(*) FROM c2psim_schema`).Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("c2psim_schema holds %d rows (%v), want %d", n, err, len(ms))
	}
}

func BenchmarkLookup(b *testing.B) {
	storetest.BenchmarkLookup(b, func(b *testing.B) store.Store { return open(b, pgtest.URL(b)) })
}
