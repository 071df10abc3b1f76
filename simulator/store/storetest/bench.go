package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/simulator/store"
)

// Sizes are the collection sizes BenchmarkLookup runs at: an indexed lookup
// must cost the same at each.
var Sizes = []int{1_000, 10_000, 100_000}

// BenchmarkLookup measures one indexed read (Find by token) and one indexed
// write (Put moving a record's token) in a collection of each size in Sizes.
// open returns an empty store; fill is done once per size.
func BenchmarkLookup(b *testing.B, open func(b *testing.B) store.Store) {
	ctx := context.Background()
	for _, n := range Sizes {
		s := open(b)
		tab := cards(s)
		fill(b, s, n)
		b.Run(fmt.Sprintf("find/records=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				tok := fmt.Sprintf("t%d", (i*7919)%n)
				if _, err := tab.Find(ctx, "token", tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("put/records=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := fmt.Sprintf("k%d", (i*7919)%n)
				if err := tab.Put(ctx, k, card{ID: k, Token: fmt.Sprintf("t%d", (i*7919)%n), Status: "ACTIVE", N: i}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fill writes n records from several writers at once, as a loaded
// simulator would (stores that share commits between writers fill fast).
func fill(b *testing.B, s store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	tab := cards(s)
	const writers = 32
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				k := fmt.Sprintf("k%d", i)
				if err := tab.Put(ctx, k, card{ID: k, Token: fmt.Sprintf("t%d", i), PANs: []string{fmt.Sprintf("p%d", i%1000)}, Status: "ACTIVE"}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
