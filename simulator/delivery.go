package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator/queue"
)

// RetryPolicy governs the redelivery of enqueued callbacks
// (CallbackSender.Enqueue): after the n-th failed attempt the next waits a
// random time between half and all of min(Max, Initial·2ⁿ⁻¹) (exponential
// back-off with jitter, so an issuer coming back is not hit by every
// callback at once), until Deadline after the callback was enqueued; then
// the callback becomes a dead letter (GET /_admin/outbox?state=dead) that
// the admin API can redeliver.
type RetryPolicy struct {
	Initial  time.Duration
	Max      time.Duration
	Deadline time.Duration
}

// DefaultRetryPolicy is what a callback target without a policy uses: the
// networks keep retrying a notification for hours; an hour keeps a dead
// letter within the working session that caused it.
var DefaultRetryPolicy = RetryPolicy{Initial: time.Second, Max: 5 * time.Minute, Deadline: time.Hour}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Initial <= 0 {
		p.Initial = DefaultRetryPolicy.Initial
	}
	if p.Max <= 0 {
		p.Max = max(DefaultRetryPolicy.Max, p.Initial)
	}
	if p.Deadline <= 0 {
		p.Deadline = DefaultRetryPolicy.Deadline
	}
	return p
}

// backoff is the wait before the attempt after the attempts-th failure.
func (p RetryPolicy) backoff(attempts int, rnd func(n int64) int64) time.Duration {
	d := p.Initial
	for i := 1; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	half := d / 2
	return half + time.Duration(rnd(int64(d-half)+1))
}

// Item kinds in the queue.
const (
	kindCallback = "callback"
	kindTask     = "task"
)

// outbox is the seam between the engine and deferred work: enqueued
// callbacks and scheduled tasks are items of one queue (package queue),
// worked by the dispatcher below. The engine adds to it, resets it and
// closes it.
type outbox interface {
	// add queues cb of network behind the callbacks of its OrderKey. A cb
	// whose ID the queue holds (pending or dead) is ignored.
	add(ctx context.Context, network string, cb *Callback) error
	// reset drops every pending callback and task; work in flight is
	// cancelled by the simulator's reset.
	reset(ctx context.Context) error
}

// deliverAttempt makes one attempt at delivering cb (journalled) and
// reports the issuer's answer.
type deliverAttempt func(ctx context.Context, network string, cb *Callback, attempt int) (*CallbackResult, error)

// dispatcher works the queue: it claims due items, runs each on its own
// goroutine (a callback attempt or a task), and records the outcome
// (finished, retried with back-off, or buried as a dead letter). One
// OrderKey's callbacks are claimed one at a time, so they reach the issuer
// in order; a callback being retried holds its key back until it is
// delivered or buried. It waits on the simulator's clock for the next due
// item and, when the queue is shared with other replicas, polls for items
// they add.
type dispatcher struct {
	sim     *Simulator
	q       queue.Queue
	attempt deliverAttempt
	poll    time.Duration // 0: the queue is this process's alone

	wake chan struct{}

	mu       sync.Mutex
	inflight int
	parked   bool
	// signals counts the wake-ups asked for, seen the count the loop had
	// taken into account when it last went round: the loop is settled
	// only when it has looked at everything it was told about.
	signals, seen uint64
	timerAt       time.Time // the pending wake-up on the clock, if any
	timerStop     func()
	// With a fake clock a task runs at the Advance that reaches its due
	// time, as a timer would, even one due now: gated holds the IDs whose
	// timer has not fired, held the ones claimed meanwhile.
	gated map[string]time.Time // ID → due
	held  map[string]queue.Item
	rnd   *rand.Rand
}

// maxInflight bounds the items worked at once by one process.
const maxInflight = 64

// leaseMargin is added to twice an attempt's timeout for its lease: another
// replica takes an item over only when its worker has surely stopped.
const leaseMargin = 5 * time.Second

func newDispatcher(s *Simulator, q queue.Queue, attempt deliverAttempt, poll time.Duration) *dispatcher {
	return &dispatcher{sim: s, q: q, attempt: attempt, poll: poll, wake: make(chan struct{}, 1),
		rnd:   rand.New(rand.NewPCG(uint64(s.seed), 0x6f7574626f78)),
		gated: map[string]time.Time{}, held: map[string]queue.Item{}}
}

// start runs the dispatcher in the scheduler's current generation (reset
// and close stop it).
func (d *dispatcher) start() { d.sim.sched.track(d.run) }

func (d *dispatcher) signal() {
	d.mu.Lock()
	d.signals++
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) random(n int64) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n <= 0 {
		return 0
	}
	return d.rnd.Int64N(n)
}

func (d *dispatcher) add(ctx context.Context, network string, cb *Callback) error {
	b, err := json.Marshal(cb)
	if err != nil {
		return fmt.Errorf("encoding callback %s: %w", cb.ID, err)
	}
	now := d.sim.clock.Now()
	due := now
	if cb.NotBefore.After(now) {
		due = cb.NotBefore
	}
	policy := d.sim.CallbackTarget(network).Retry.withDefaults()
	it := queue.Item{ID: callbackItemID(network, cb.ID), Kind: kindCallback, Network: network, OrderKey: cb.OrderKey,
		Due: due, Deadline: due.Add(policy.Deadline), Created: now, Payload: b}
	if _, err := d.q.Add(ctx, it); err != nil {
		return err
	}
	d.signal()
	return nil
}

func callbackItemID(network, id string) string { return network + "/callback/" + id }

// schedule queues a task.
func (d *dispatcher) schedule(ctx context.Context, st scheduledTask) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	now := d.sim.clock.Now()
	id := fmt.Sprintf("%s/task/%s/%d-%016x", st.Network, st.Kind, now.UnixNano(), d.random(1<<62))
	if _, ok := d.sim.clock.(*FakeClock); ok {
		d.mu.Lock()
		d.gated[id] = st.Due
		d.mu.Unlock()
		d.sim.sched.after(st.Due.Sub(now), func(context.Context) { d.open(id) })
	}
	if _, err := d.q.Add(ctx, queue.Item{ID: id, Kind: kindTask, Network: st.Network, Due: st.Due, Created: now, Payload: b}); err != nil {
		return fmt.Errorf("queueing task %s: %w", st.Kind, err)
	}
	d.signal()
	return nil
}

// gatedAt reports whether a gated task is due at t.
func (d *dispatcher) gatedAt(t time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, due := range d.gated {
		if due.Equal(t) {
			return true
		}
	}
	return false
}

// open lets a gated task run: at once when it was claimed meanwhile.
func (d *dispatcher) open(id string) {
	d.mu.Lock()
	delete(d.gated, id)
	it, held := d.held[id]
	delete(d.held, id)
	d.mu.Unlock()
	if held {
		d.begin(it)
	}
	d.signal()
}

// begin works a claimed item on its own goroutine.
func (d *dispatcher) begin(it queue.Item) bool {
	d.mu.Lock()
	if _, gated := d.gated[it.ID]; gated {
		d.held[it.ID] = it
		d.mu.Unlock()
		return true
	}
	d.inflight++
	d.mu.Unlock()
	if !d.sim.sched.track(func(ctx context.Context) { d.work(ctx, it) }) {
		d.mu.Lock()
		d.inflight--
		d.mu.Unlock()
		return false
	}
	return true
}

func (d *dispatcher) reset(ctx context.Context) error {
	d.mu.Lock()
	d.gated, d.held = map[string]time.Time{}, map[string]queue.Item{}
	d.mu.Unlock()
	return d.q.Reset(ctx)
}

// run is the dispatcher's loop.
func (d *dispatcher) run(ctx context.Context) {
	for ctx.Err() == nil {
		if d.poll > 0 {
			// Tasks and callbacks read settings too: as other replicas left them.
			d.sim.live.refresh(ctx)
		}
		d.mu.Lock()
		d.seen = d.signals
		free := maxInflight - d.inflight
		d.mu.Unlock()
		now := d.sim.clock.Now()
		if free > 0 {
			items, err := d.q.Claim(ctx, now, d.lease(), free)
			if err != nil && ctx.Err() == nil {
				d.sim.logger.Error("claiming deferred work", "error", err)
			}
			for _, it := range items {
				if !d.begin(it) {
					return
				}
			}
		}
		next, ok, err := d.q.NextDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.sim.logger.Error("reading the queue", "error", err)
		}
		if ok && d.gatedAt(next) {
			ok = false // that task's own timer wakes the loop
		}
		switch {
		case ok && d.poll > 0:
			d.wakeAt(earliest(next, now.Add(d.poll)))
		case ok:
			d.wakeAt(next)
		case d.poll > 0:
			d.wakeAt(now.Add(d.poll))
		default:
			d.noWake()
		}
		d.mu.Lock()
		d.parked = true
		d.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-d.wake:
		}
		d.mu.Lock()
		d.parked = false
		d.mu.Unlock()
	}
}

// wakeAt makes the loop wake at t on the simulator's clock, and no earlier
// timer than needed stays registered: one timer, for the earliest due
// item, is what a fake clock's Pending counts for the whole queue.
func (d *dispatcher) wakeAt(t time.Time) {
	d.mu.Lock()
	now := d.sim.clock.Now()
	if !t.After(now) {
		// The clock passed t while the loop worked: go round again.
		d.mu.Unlock()
		d.signal()
		return
	}
	if d.timerAt.Equal(t) {
		d.mu.Unlock()
		return
	}
	if d.timerStop != nil {
		d.timerStop()
	}
	d.timerAt = t
	d.timerStop, _ = d.sim.sched.afterCancel(t.Sub(now), func(context.Context) {
		d.mu.Lock()
		if d.timerAt.Equal(t) {
			d.timerAt, d.timerStop = time.Time{}, nil
		}
		d.mu.Unlock()
		d.signal()
	})
	d.mu.Unlock()
}

// noWake drops the pending timer: nothing is due later.
func (d *dispatcher) noWake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timerStop != nil {
		d.timerStop()
	}
	d.timerAt, d.timerStop = time.Time{}, nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (d *dispatcher) lease() time.Duration {
	timeout := DefaultCallbackTimeout
	for _, m := range d.sim.networks {
		timeout = max(timeout, d.sim.CallbackTarget(m.id).Timeout)
	}
	return 2*timeout + leaseMargin
}

// Settled reports whether no deferred work (callback attempt, task) is
// running and nothing is due: with a fake clock nothing more happens until
// the clock moves or new work is queued. Tests that advance a fake clock
// step by step wait for it between steps.
func (s *Simulator) Settled() bool { return s.dispatch.idle() }

func (d *dispatcher) idle() bool {
	d.mu.Lock()
	busy := d.inflight > 0 || !d.parked || len(d.wake) > 0 || d.seen != d.signals
	d.mu.Unlock()
	if busy {
		return false
	}
	next, ok, err := d.q.NextDue(context.Background())
	return err == nil && (!ok || next.After(d.sim.clock.Now()) || d.gatedAt(next))
}

// work runs one claimed item and records its outcome.
func (d *dispatcher) work(ctx context.Context, it queue.Item) {
	defer func() {
		d.mu.Lock()
		d.inflight--
		d.mu.Unlock()
		d.signal()
	}()
	// Outcomes are recorded even when the simulator stops meanwhile: an
	// attempt that was made must not be made again for nothing.
	record := context.WithoutCancel(ctx)
	switch it.Kind {
	case kindTask:
		var st scheduledTask
		if err := json.Unmarshal(it.Payload, &st); err != nil {
			d.bury(record, it, it.Attempts, fmt.Sprintf("undecodable task: %v", err))
			return
		}
		task, ok := d.sim.tasks.runners[st.Network][st.Kind]
		if !ok {
			d.bury(record, it, it.Attempts, fmt.Sprintf("network %s declares no task %q", st.Network, st.Kind))
			return
		}
		d.sim.tasks.run(ctx, task, st)
		if ctx.Err() != nil {
			return // stopped mid-run: it runs again after a restart (at least once)
		}
		if err := d.q.Finish(record, it.ID); err != nil && !errors.Is(err, queue.ErrNotFound) {
			d.sim.logger.Error("finishing a task", "task", st.Kind, "error", err)
		}
	case kindCallback:
		d.deliver(ctx, record, it)
	default:
		d.bury(record, it, it.Attempts, fmt.Sprintf("unknown item kind %q", it.Kind))
	}
}

func (d *dispatcher) deliver(ctx, record context.Context, it queue.Item) {
	var cb Callback
	if err := json.Unmarshal(it.Payload, &cb); err != nil {
		d.bury(record, it, it.Attempts, fmt.Sprintf("undecodable callback: %v", err))
		return
	}
	attempt := it.Attempts + 1
	res, err := d.attempt(ctx, it.Network, &cb, attempt)
	if ctx.Err() != nil {
		return // reset or closed during the attempt: it is made again later
	}
	if err == nil && res.Status >= 200 && res.Status < 300 {
		d.sim.metrics.callbackAttempt(it.Network, cb.OperationID, "delivered")
		if err := d.q.Finish(record, it.ID); err != nil && !errors.Is(err, queue.ErrNotFound) {
			d.sim.logger.Error("finishing a callback", "id", cb.ID, "error", err)
		}
		return
	}
	reason := ""
	if err != nil {
		reason = pan.RedactText(err.Error())
	} else {
		reason = fmt.Sprintf("issuer answered %d", res.Status)
	}
	now := d.sim.clock.Now()
	policy := d.sim.CallbackTarget(it.Network).Retry.withDefaults()
	due := now.Add(policy.backoff(attempt, d.random))
	if !it.Deadline.IsZero() && due.After(it.Deadline) {
		d.sim.metrics.callbackAttempt(it.Network, cb.OperationID, "dead")
		d.bury(record, it, attempt, fmt.Sprintf("%s; no attempt left before the deadline %s", reason, it.Deadline.Format(time.RFC3339)))
		return
	}
	d.sim.metrics.callbackAttempt(it.Network, cb.OperationID, "failed")
	if err := d.q.Retry(record, it.ID, attempt, reason, due); err != nil && !errors.Is(err, queue.ErrNotFound) {
		d.sim.logger.Error("recording a callback retry", "id", cb.ID, "error", err)
	}
}

func (d *dispatcher) bury(ctx context.Context, it queue.Item, attempts int, reason string) {
	d.sim.logger.Warn("deferred work given up: a dead letter now", "network", it.Network, "id", it.ID, "reason", reason)
	if err := d.q.Bury(ctx, it.ID, attempts, reason, d.sim.clock.Now()); err != nil && !errors.Is(err, queue.ErrNotFound) {
		d.sim.logger.Error("burying a queue item", "id", it.ID, "error", err)
	}
}

// Delivery is one enqueued callback as the admin API lists it.
type Delivery struct {
	Network        string    `json:"network"`
	ID             string    `json:"id"`
	OperationID    string    `json:"operationId"`
	OrderKey       string    `json:"orderKey,omitempty"`
	State          string    `json:"state"` // pending | dead
	Attempts       int       `json:"attempts"`
	Enqueued       time.Time `json:"enqueued"`
	Due            time.Time `json:"due,omitzero"`
	Deadline       time.Time `json:"deadline,omitzero"`
	DeadAt         time.Time `json:"deadAt,omitzero"`
	LastError      string    `json:"lastError,omitempty"`
	CorrelationIDs []string  `json:"correlationIds,omitempty"`
	// Worker is the replica whose attempt is under way, where replicas
	// share the queue.
	Worker string `json:"worker,omitempty"`
}

// Deliveries lists enqueued callbacks: pending ones (dead false, in the
// order they will be worked) or dead letters.
func (s *Simulator) Deliveries(ctx context.Context, dead bool) ([]Delivery, error) {
	items, err := s.dispatch.q.List(ctx, dead)
	if err != nil {
		return nil, err
	}
	out := []Delivery{}
	for _, it := range items {
		if it.Kind != kindCallback {
			continue
		}
		var cb Callback
		if err := json.Unmarshal(it.Payload, &cb); err != nil {
			continue
		}
		d := Delivery{Network: it.Network, ID: pan.RedactText(cb.ID), OperationID: cb.OperationID, OrderKey: pan.RedactText(cb.OrderKey),
			State: "pending", Attempts: it.Attempts, Enqueued: it.Created, Due: it.Due, Deadline: it.Deadline,
			LastError: pan.RedactText(it.LastError), Worker: it.LeasedBy}
		for _, c := range cb.CorrelationIDs {
			d.CorrelationIDs = append(d.CorrelationIDs, pan.RedactText(c))
		}
		if it.Dead {
			d.State, d.Due, d.DeadAt = "dead", time.Time{}, it.DeadAt
		}
		out = append(out, d)
	}
	return out, nil
}

// ErrNoDeadLetter is returned by Redeliver for a callback that is not a
// dead letter.
var ErrNoDeadLetter = errors.New("no such dead letter")

// Redeliver queues a dead letter again, due now, with a fresh deadline,
// behind the pending callbacks of its OrderKey.
func (s *Simulator) Redeliver(ctx context.Context, network, id string) (Delivery, error) {
	if _, ok := s.byID[network]; !ok {
		return Delivery{}, fmt.Errorf("unknown network %q", network)
	}
	now := s.clock.Now()
	policy := s.CallbackTarget(network).Retry.withDefaults()
	err := s.dispatch.q.Revive(ctx, callbackItemID(network, id), now, now.Add(policy.Deadline))
	if errors.Is(err, queue.ErrNotFound) {
		return Delivery{}, fmt.Errorf("%s callback %q: %w", network, id, ErrNoDeadLetter)
	}
	if err != nil {
		return Delivery{}, err
	}
	s.dispatch.signal()
	pending, err := s.Deliveries(ctx, false)
	if err != nil {
		return Delivery{}, err
	}
	for _, d := range pending {
		if d.Network == network && d.ID == pan.RedactText(id) {
			return d, nil
		}
	}
	return Delivery{Network: network, ID: id, State: "pending"}, nil // already being worked
}
