package simulator

import (
	"context"
	"log/slog"
	"sync"
)

// outbox delivers enqueued callbacks (CallbackSender.Enqueue). It is the
// seam for a durable implementation (callbacks kept across restarts,
// deadlines, a dead-letter list): the engine only adds to it, resets it and
// closes it, and it delivers through the deliver function it was given,
// which makes and journals the attempts of one callback.
type outbox interface {
	// add queues cb of network behind the callbacks of its OrderKey. A cb
	// whose ID is still pending for the network is ignored.
	add(network string, cb *Callback) error
	// reset drops every pending callback; deliveries in flight are
	// cancelled by the simulator's reset.
	reset()
}

// deliverFunc makes the attempts of one callback of network on the target's
// retry schedule and returns the final outcome.
type deliverFunc func(ctx context.Context, network string, cb *Callback) (*CallbackResult, error)

// memoryOutbox is the in-memory outbox: one FIFO queue per network and
// OrderKey, each drained by one worker goroutine, so one key's callbacks are
// delivered one at a time in order while different keys go out in parallel.
// A callback without an OrderKey is a queue of its own.
type memoryOutbox struct {
	sched   *scheduler // workers run in its generation: reset and close stop them
	clock   Clock
	deliver deliverFunc
	logger  *slog.Logger

	mu      sync.Mutex
	queues  map[string]*deliveryQueue // network + OrderKey
	pending map[string]bool           // network + ID
}

type deliveryQueue struct {
	items   []*Callback
	running bool
}

func newMemoryOutbox(sched *scheduler, clock Clock, deliver deliverFunc, logger *slog.Logger) *memoryOutbox {
	return &memoryOutbox{sched: sched, clock: clock, deliver: deliver, logger: logger,
		queues: map[string]*deliveryQueue{}, pending: map[string]bool{}}
}

func (o *memoryOutbox) add(network string, cb *Callback) error {
	idKey := network + "\x00" + cb.ID
	qKey := network + "\x00" + cb.OrderKey
	if cb.OrderKey == "" {
		qKey = network + "\x01" + cb.ID
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending[idKey] {
		return nil
	}
	o.pending[idKey] = true
	q := o.queues[qKey]
	if q == nil {
		q = &deliveryQueue{}
		o.queues[qKey] = q
	}
	q.items = append(q.items, cb)
	if !q.running {
		drain := func(ctx context.Context) { o.drain(ctx, network, qKey, q) }
		// A held callback at the head of an idle queue is held on the
		// clock from now, as a timer, not from whenever a worker starts.
		if hold := cb.NotBefore.Sub(o.clock.Now()); !cb.NotBefore.IsZero() && hold > 0 {
			q.running = o.sched.after(hold, drain)
		} else {
			q.running = o.sched.track(drain)
		}
	}
	return nil
}

// drain delivers a queue's callbacks in order until it is empty.
func (o *memoryOutbox) drain(ctx context.Context, network, qKey string, q *deliveryQueue) {
	for {
		o.mu.Lock()
		if o.queues[qKey] != q || len(q.items) == 0 || ctx.Err() != nil {
			q.running = false
			if o.queues[qKey] == q && len(q.items) == 0 {
				delete(o.queues, qKey)
			}
			o.mu.Unlock()
			return
		}
		cb := q.items[0]
		o.mu.Unlock()

		if wait := cb.NotBefore.Sub(o.clock.Now()); !cb.NotBefore.IsZero() && wait > 0 {
			if err := o.sched.wait(ctx, wait); err != nil {
				o.mu.Lock()
				q.running = false
				o.mu.Unlock()
				return
			}
		}
		if _, err := o.deliver(ctx, network, cb); err != nil && ctx.Err() == nil {
			o.logger.Warn("callback not delivered", "network", network, "operation", cb.OperationID, "id", cb.ID, "error", err)
		}

		o.mu.Lock()
		if o.queues[qKey] == q && len(q.items) > 0 && q.items[0] == cb {
			q.items = q.items[1:]
			delete(o.pending, network+"\x00"+cb.ID)
		}
		o.mu.Unlock()
	}
}

func (o *memoryOutbox) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queues = map[string]*deliveryQueue{}
	o.pending = map[string]bool{}
}
