package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator/queue"
	"github.com/c2psim/c2psim/simulator/queue/queuetest"
	"github.com/c2psim/c2psim/simulator/store"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
)

func TestOverMemoryContract(t *testing.T) {
	queuetest.Run(t, queuetest.Factory{Open: func(*testing.T) queue.Queue {
		return queue.NewOverStore(store.NewMemory(), "queue")
	}})
}

func TestOverBoltContract(t *testing.T) {
	dirs := map[queue.Queue]string{}
	stores := map[queue.Queue]*boltstore.Store{}
	open := func(t *testing.T, dir string) queue.Queue {
		s, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		q := queue.NewOverStore(s, "queue")
		dirs[q], stores[q] = dir, s
		return q
	}
	queuetest.Run(t, queuetest.Factory{
		Open: func(t *testing.T) queue.Queue { return open(t, t.TempDir()) },
		Reopen: func(t *testing.T, q queue.Queue) queue.Queue {
			stores[q].Close()
			return open(t, dirs[q])
		},
	})
}

// A claim costs the same with 1,000 and with 100,000 items waiting (the
// heads are indexed by due time, not scanned).
func BenchmarkClaimAmongPending(b *testing.B) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, waiting := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			ctx := context.Background()
			q := queue.NewOverStore(store.NewMemory(), "queue")
			for i := 0; i < waiting; i++ {
				key := ""
				if i%2 == 0 {
					key = fmt.Sprintf("token-%d", i%500)
				}
				it := queue.Item{ID: fmt.Sprintf("later-%d", i), Kind: "callback", Network: "net", OrderKey: key,
					Due: t0.Add(time.Hour + time.Duration(i)*time.Millisecond), Payload: []byte(`{}`)}
				if _, err := q.Add(ctx, it); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("now-%d", i)
				if _, err := q.Add(ctx, queue.Item{ID: id, Kind: "callback", Network: "net", Due: t0, Payload: []byte(`{}`)}); err != nil {
					b.Fatal(err)
				}
				got, err := q.Claim(ctx, t0, time.Minute, 1)
				if err != nil || len(got) != 1 || got[0].ID != id {
					b.Fatalf("Claim = %v, %v", got, err)
				}
				if _, ok, _ := q.NextDue(ctx); !ok {
					b.Fatal("NextDue found nothing")
				}
				if err := q.Finish(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
