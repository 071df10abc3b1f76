// Package queuetest is the contract every queue.Queue implementation
// passes: one suite, run by each implementation's tests.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator/queue"
)

// Factory opens the queues under test.
type Factory struct {
	// Open returns a fresh, empty queue for one test.
	Open func(t *testing.T) queue.Queue
	// Reopen, for durable queues, opens the same data again as a restarted
	// process would (leases of the old process are gone).
	Reopen func(t *testing.T, q queue.Queue) queue.Queue
	// Peer, for shared queues, opens a second handle as another replica.
	Peer func(t *testing.T, q queue.Queue) queue.Queue
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func item(id, key string, due time.Time) queue.Item {
	return queue.Item{ID: id, Kind: "callback", Network: "net", OrderKey: key, Due: due, Created: t0,
		Payload: []byte(fmt.Sprintf(`{"id":%q}`, id))}
}

func ids(items []queue.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return strings.Join(out, ",")
}

// Run runs the contract.
func Run(t *testing.T, f Factory) {
	t.Run("AddIsIdempotentByID", func(t *testing.T) {
		ctx := context.Background()
		q := f.Open(t)
		for i := 0; i < 2; i++ {
			added, err := q.Add(ctx, item("a", "", t0))
			if err != nil || added != (i == 0) {
				t.Fatalf("Add #%d = %v, %v", i+1, added, err)
			}
		}
		got, err := q.List(ctx, false)
		if err != nil || ids(got) != "a" || string(got[0].Payload) != `{"id":"a"}` {
			t.Fatalf("List = %v, %v", got, err)
		}
		if _, err := q.Add(ctx, queue.Item{}); err == nil {
			t.Fatal("an item without an ID was added")
		}
	})
	t.Run("ClaimTakesDueItemsOldestFirstAndLeasesThem", func(t *testing.T) {
		ctx := context.Background()
		q := f.Open(t)
		mustAdd(t, q, item("late", "", t0.Add(time.Minute)))
		mustAdd(t, q, item("b", "", t0.Add(2*time.Second)))
		mustAdd(t, q, item("a", "", t0.Add(time.Second)))
		got := mustClaim(t, q, t0.Add(5*time.Second), 10*time.Second, 10)
		if ids(got) != "a,b" {
			t.Fatalf("Claim = %s, want a,b (due, oldest first)", ids(got))
		}
		if again := mustClaim(t, q, t0.Add(6*time.Second), 10*time.Second, 10); len(again) != 0 {
			t.Fatalf("leased items claimed again: %s", ids(again))
		}
		next, ok, err := q.NextDue(ctx)
		if err != nil || !ok || !next.Equal(t0.Add(time.Minute)) {
			t.Fatalf("NextDue = %v, %v, %v; want late's due (leased items do not count)", next, ok, err)
		}
		if f.Peer != nil {
			// In a shared queue a lease that lapses (its worker died) lets
			// another replica take the item over.
			over := mustClaim(t, f.Peer(t, q), t0.Add(16*time.Second), 10*time.Second, 1)
			if ids(over) != "a" {
				t.Fatalf("after the lease lapsed a peer's Claim = %s, want a", ids(over))
			}
		} else if again := mustClaim(t, q, t0.Add(time.Hour), 10*time.Second, 10); ids(again) != "late" {
			// One process's queue: its own worker always reports.
			t.Fatalf("an hour on Claim = %s, want late only (a and b stay leased to their worker)", ids(again))
		}
		if err := q.Finish(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := q.Finish(ctx, "a"); !errors.Is(err, queue.ErrNotFound) {
			t.Fatalf("Finish of a finished item = %v, want ErrNotFound", err)
		}
	})
	t.Run("OneOrderKeyIsWorkedInOrder", func(t *testing.T) {
		ctx := context.Background()
		q := f.Open(t)
		mustAdd(t, q, item("k1", "tok", t0))
		mustAdd(t, q, item("k2", "tok", t0))
		mustAdd(t, q, item("other", "tok2", t0))
		mustAdd(t, q, item("k3", "tok", t0))
		if got := mustClaim(t, q, t0, time.Minute, 10); ids(got) != "k1,other" {
			t.Fatalf("Claim = %s, want k1,other (one per key)", ids(got))
		}
		// A failed first item holds its key back while it is retried.
		if err := q.Retry(ctx, "k1", 1, "issuer answered 503", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if got := mustClaim(t, q, t0.Add(500*time.Millisecond), time.Minute, 10); len(got) != 0 {
			t.Fatalf("Claim while k1 waits for its retry = %s, want nothing", ids(got))
		}
		got := mustClaim(t, q, t0.Add(time.Second), time.Minute, 10)
		if ids(got) != "k1" || got[0].Attempts != 1 || got[0].LastError != "issuer answered 503" {
			t.Fatalf("retried claim = %+v", got)
		}
		if err := q.Finish(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if got := mustClaim(t, q, t0.Add(time.Second), time.Minute, 10); ids(got) != "k2" {
			t.Fatalf("after k1: Claim = %s, want k2", ids(got))
		}
		// A buried item no longer holds its key back.
		if err := q.Bury(ctx, "k2", 9, "deadline passed", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if got := mustClaim(t, q, t0.Add(2*time.Second), time.Minute, 10); ids(got) != "k3" {
			t.Fatalf("after k2 was buried: Claim = %s, want k3", ids(got))
		}
		dead, err := q.List(ctx, true)
		if err != nil || ids(dead) != "k2" || !dead[0].Dead || dead[0].Attempts != 9 || !dead[0].DeadAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("dead letters = %+v, %v", dead, err)
		}
		if pending, _ := q.List(ctx, false); ids(pending) != "other,k3" {
			t.Fatalf("pending = %s, want other,k3 (a leased item is still pending)", ids(pending))
		}
	})
	t.Run("ReviveQueuesADeadLetterBehindItsKey", func(t *testing.T) {
		ctx := context.Background()
		q := f.Open(t)
		mustAdd(t, q, item("d", "tok", t0))
		mustClaim(t, q, t0, time.Minute, 1)
		if err := q.Bury(ctx, "d", 3, "gone", t0); err != nil {
			t.Fatal(err)
		}
		if added, _ := q.Add(ctx, item("d", "tok", t0)); added {
			t.Fatal("adding the ID of a dead letter queued it twice")
		}
		mustAdd(t, q, item("e", "tok", t0))
		if err := q.Revive(ctx, "e", t0, time.Time{}); !errors.Is(err, queue.ErrNotFound) {
			t.Fatalf("Revive of a pending item = %v, want ErrNotFound", err)
		}
		if err := q.Revive(ctx, "d", t0.Add(time.Second), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got := mustClaim(t, q, t0.Add(time.Second), time.Minute, 10)
		if ids(got) != "e" {
			t.Fatalf("Claim after Revive = %s, want e first (d goes behind it)", ids(got))
		}
		if err := q.Finish(ctx, "e"); err != nil {
			t.Fatal(err)
		}
		got = mustClaim(t, q, t0.Add(time.Second), time.Minute, 10)
		if ids(got) != "d" || got[0].Dead || !got[0].Deadline.Equal(t0.Add(time.Hour)) || got[0].Attempts != 3 {
			t.Fatalf("revived item = %+v", got)
		}
	})
	t.Run("NextDueAndReset", func(t *testing.T) {
		ctx := context.Background()
		q := f.Open(t)
		if _, ok, err := q.NextDue(ctx); ok || err != nil {
			t.Fatalf("NextDue of an empty queue = %v, %v", ok, err)
		}
		mustAdd(t, q, item("x", "tok", t0.Add(time.Hour)))
		mustAdd(t, q, item("y", "tok", t0)) // behind x: not a candidate
		mustAdd(t, q, item("z", "", t0.Add(time.Minute)))
		next, ok, err := q.NextDue(ctx)
		if err != nil || !ok || !next.Equal(t0.Add(time.Minute)) {
			t.Fatalf("NextDue = %v, %v, %v; want z's due (y waits behind x)", next, ok, err)
		}
		if err := q.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := q.List(ctx, false); len(got) != 0 {
			t.Fatalf("Reset left %s", ids(got))
		}
		mustAdd(t, q, item("x", "", t0))
		if got := mustClaim(t, q, t0, time.Minute, 10); ids(got) != "x" {
			t.Fatalf("after Reset an old ID = %s", ids(got))
		}
	})
	if f.Reopen != nil {
		t.Run("SurvivesReopenWithLeasesForgotten", func(t *testing.T) {
			ctx := context.Background()
			q := f.Open(t)
			mustAdd(t, q, item("a", "tok", t0))
			mustAdd(t, q, item("b", "tok", t0))
			mustAdd(t, q, item("c", "", t0))
			mustClaim(t, q, t0, time.Hour, 10)
			if err := q.Retry(ctx, "c", 2, "boom", t0.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			q = f.Reopen(t, q)
			got := mustClaim(t, q, t0.Add(2*time.Second), time.Hour, 10)
			if ids(got) != "a,c" || got[1].Attempts != 2 {
				t.Fatalf("after reopen Claim = %+v, want a,c (a's lease died with its process)", got)
			}
			mustAdd(t, q, item("d", "tok", t0))
			if all, _ := q.List(ctx, false); ids(all) != "a,b,c,d" {
				t.Fatalf("after reopen the order is %s", ids(all))
			}
		})
	}
	if f.Peer != nil {
		t.Run("PeersNeverClaimTheSameItem", func(t *testing.T) {
			ctx := context.Background()
			q1 := f.Open(t)
			q2 := f.Peer(t, q1)
			const n = 60
			for i := 0; i < n; i++ {
				mustAdd(t, q1, item(fmt.Sprintf("i%02d", i), fmt.Sprintf("key%d", i%20), t0))
			}
			var mu sync.Mutex
			seen := map[string]int{}
			var wg sync.WaitGroup
			for _, q := range []queue.Queue{q1, q2, q1, q2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for rounds := 0; rounds < 200; rounds++ {
						got, err := q.Claim(ctx, t0, time.Hour, 3)
						if err != nil {
							t.Error(err)
							return
						}
						for _, it := range got {
							mu.Lock()
							seen[it.ID]++
							mu.Unlock()
							if err := q.Finish(ctx, it.ID); err != nil {
								t.Error(err)
							}
						}
						if left, _ := q.List(ctx, false); len(left) == 0 {
							return
						}
					}
				}()
			}
			wg.Wait()
			if len(seen) != n {
				t.Fatalf("%d of %d items were worked", len(seen), n)
			}
			for id, c := range seen {
				if c != 1 {
					t.Fatalf("%s was claimed %d times", id, c)
				}
			}
		})
	}
}

func mustAdd(t *testing.T, q queue.Queue, it queue.Item) {
	t.Helper()
	if added, err := q.Add(context.Background(), it); err != nil || !added {
		t.Fatalf("Add(%s) = %v, %v", it.ID, added, err)
	}
}

func mustClaim(t *testing.T, q queue.Queue, now time.Time, lease time.Duration, n int) []queue.Item {
	t.Helper()
	got, err := q.Claim(context.Background(), now, lease, n)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
