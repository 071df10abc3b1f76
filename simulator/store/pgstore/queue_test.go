package pgstore_test

import (
	"testing"

	"github.com/c2psim/c2psim/simulator/queue"
	"github.com/c2psim/c2psim/simulator/queue/queuetest"
	"github.com/c2psim/c2psim/simulator/store/pgstore"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
)

func TestQueueContract(t *testing.T) {
	urls := map[queue.Queue]string{}
	stores := map[queue.Queue]*pgstore.Store{}
	openQ := func(t *testing.T, u string) queue.Queue {
		s := open(t, u)
		q := s.Queue()
		urls[q], stores[q] = u, s
		return q
	}
	queuetest.Run(t, queuetest.Factory{
		Open: func(t *testing.T) queue.Queue { return openQ(t, pgtest.URL(t)) },
		Reopen: func(t *testing.T, q queue.Queue) queue.Queue {
			// Leases live in the table: a restarted replica waits for them to
			// lapse. Model the restart of every replica by clearing them.
			if _, err := stores[q].Pool().Exec(t.Context(), `UPDATE c2psim_queue SET leased_until = NULL`); err != nil {
				t.Fatal(err)
			}
			return openQ(t, urls[q])
		},
		Peer: func(t *testing.T, q queue.Queue) queue.Queue { return openQ(t, urls[q]) },
	})
}
