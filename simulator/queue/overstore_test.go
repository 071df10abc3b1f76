package queue_test

import (
	"testing"

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
