package store_test

import (
	"testing"

	"github.com/c2psim/c2psim/simulator/store"
	"github.com/c2psim/c2psim/simulator/store/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, storetest.Factory{Open: func(*testing.T) store.Store { return store.NewMemory() }})
}

func BenchmarkMemoryLookup(b *testing.B) {
	storetest.BenchmarkLookup(b, func(*testing.B) store.Store { return store.NewMemory() })
}
