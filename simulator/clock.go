package simulator

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// FakeClock is a manually advanced clock for tests. Tasks scheduled with
// Env.Schedule, waits (Env.Wait) and held callbacks (Callback.NotBefore) are
// due when Advance moves the clock past their deadline.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	seq    int
}

type fakeTimer struct {
	at  time.Time
	seq int
	fn  func()
}

// NewFakeClock returns a clock stopped at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and starts, in deadline order, every
// timer that is now due. Timer functions run on their own goroutines; tests
// observe their effects by polling.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due, rest []*fakeTimer
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t)
		} else {
			rest = append(rest, t)
		}
	}
	c.timers = rest
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if due[i].at.Equal(due[j].at) {
			return due[i].seq < due[j].seq
		}
		return due[i].at.Before(due[j].at)
	})
	for _, t := range due {
		t.fn()
	}
}

// Pending returns how many timers wait to fire.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// afterFunc registers fn to be called (synchronously, from Advance) once the
// clock reaches now+d; it returns a function that cancels the timer.
func (c *FakeClock) afterFunc(d time.Duration, fn func()) (stop func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{at: c.now.Add(d), seq: c.seq, fn: fn}
	c.timers = append(c.timers, t)
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.timers {
			if x == t {
				c.timers = append(c.timers[:i], c.timers[i+1:]...)
				return
			}
		}
	}
}

// ErrStopped is returned by Env.Wait when the simulator is reset or closed
// while waiting.
var ErrStopped = errors.New("simulator reset or closed")

// scheduler runs functions after a delay on the simulator's clock and drops
// pending ones on reset or close. It is the timer under Env.Schedule,
// Env.Wait and held callbacks.
type scheduler struct {
	clock  Clock
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	stops  map[int]func()
	next   int
	wg     sync.WaitGroup
}

func newScheduler(clock Clock) *scheduler {
	s := &scheduler{clock: clock, stops: map[int]func(){}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// context returns the context of the current generation: it is cancelled
// by the next reset or by close.
func (s *scheduler) context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// after runs fn on its own goroutine once d has passed on the clock, with a
// context cancelled on reset and close; nothing runs when the simulator is
// reset or closed first. It reports whether fn was scheduled (not while a
// reset or close is stopping everything).
func (s *scheduler) after(d time.Duration, fn func(ctx context.Context)) bool {
	_, ok := s.afterCancel(d, fn)
	return ok
}

// afterCancel is after that also returns a function dropping fn if it has
// not started (the dispatcher keeps one wake-up timer, not one per item).
func (s *scheduler) afterCancel(d time.Duration, fn func(ctx context.Context)) (cancel func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := s.ctx
	if ctx.Err() != nil {
		return func() {}, false
	}
	s.next++
	id := s.next
	cancel = func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if stop, ok := s.stops[id]; ok {
			stop()
			delete(s.stops, id)
		}
	}
	run := func() {
		s.mu.Lock()
		_, live := s.stops[id]
		delete(s.stops, id)
		if live {
			s.wg.Add(1)
		}
		s.mu.Unlock()
		if !live || ctx.Err() != nil {
			if live {
				s.wg.Done()
			}
			return
		}
		go func() {
			defer s.wg.Done()
			fn(ctx)
		}()
	}
	if fc, ok := s.clock.(*FakeClock); ok {
		s.stops[id] = fc.afterFunc(d, run)
		return cancel, true
	}
	t := time.AfterFunc(d, run)
	s.stops[id] = func() { t.Stop() }
	return cancel, true
}

// wait blocks until d has passed on the clock, ctx is done, or the
// simulator is reset or closed.
func (s *scheduler) wait(ctx context.Context, d time.Duration) error {
	gen := s.context()
	if gen.Err() != nil {
		return ErrStopped
	}
	done := make(chan struct{})
	s.after(d, func(context.Context) { close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-gen.Done():
		return ErrStopped
	}
}

// track runs fn on its own goroutine as part of the current generation:
// stop waits for it.
func (s *scheduler) track(fn func(ctx context.Context)) bool {
	s.mu.Lock()
	ctx := s.ctx
	if ctx.Err() != nil {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		fn(ctx)
	}()
	return true
}

// stop cancels pending timers and running functions' contexts, and waits
// for running functions to return.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.cancel()
	for id, stop := range s.stops {
		stop()
		delete(s.stops, id)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// reset stops everything and starts afresh.
func (s *scheduler) reset() {
	s.stop()
	s.mu.Lock()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Unlock()
}

// close stops everything for good.
func (s *scheduler) close() { s.stop() }
