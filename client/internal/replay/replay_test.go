package replay_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/internal/replay"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const window = 5 * time.Minute

func TestWithin(t *testing.T) {
	for d, want := range map[time.Duration]bool{
		0: true, window: true, -window: true, window - time.Millisecond: true,
		window + time.Millisecond: false, -window - time.Millisecond: false, time.Hour: false,
	} {
		if got := replay.Within(t0.Add(d), t0, window); got != want {
			t.Errorf("ts now%+v within ±%s: %v, want %v", d, window, got, want)
		}
	}
}

func TestRememberRefusesAReplayUntilItExpires(t *testing.T) {
	var c replay.Cache
	if err := c.Remember("a", t0, t0.Add(window), t0, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Remember("b", t0, t0.Add(window), t0, 0); err != nil {
		t.Fatalf("another key refused: %v", err)
	}
	if err := c.Remember("a", t0, t0.Add(window), t0.Add(window), 0); !errors.Is(err, replay.ErrReplayed) {
		t.Fatalf("replay at expiry: got %v, want ErrReplayed", err)
	}
	later := t0.Add(window + time.Second)
	if err := c.Remember("c", later, later.Add(window), later, 0); err != nil {
		t.Fatal(err)
	}
	if n := c.Len(); n != 1 {
		t.Fatalf("cache holds %d keys after expiry, want 1", n)
	}
	if err := c.Remember("a", later, later.Add(window), later, 0); err != nil {
		t.Fatalf("expired key still refused: %v", err)
	}
	c.Reset()
	if n := c.Len(); n != 0 {
		t.Fatalf("Reset kept %d keys", n)
	}
}

func TestBoundEvictsOldestAndRefusesItsTimestamps(t *testing.T) {
	var c replay.Cache
	const max = 3
	for i := range 5 {
		ts := t0.Add(time.Duration(i) * time.Second)
		if err := c.Remember(fmt.Sprint(i), ts, ts.Add(window), t0.Add(5*time.Second), max); err != nil {
			t.Fatalf("nonce %d: %v", i, err)
		}
		if n := c.Len(); n > max {
			t.Fatalf("cache holds %d keys, bound %d", n, max)
		}
	}
	if n := c.Len(); n != max {
		t.Fatalf("cache holds %d keys, want %d", n, max)
	}
	now := t0.Add(5 * time.Second)
	for i := range 5 {
		ts := t0.Add(time.Duration(i) * time.Second)
		err := c.Remember(fmt.Sprint(i), ts, ts.Add(window), now, max)
		var forgotten *replay.ForgottenError
		switch {
		case i < 2: // evicted: its timestamp is refused, so it is never accepted again
			if !errors.As(err, &forgotten) || !forgotten.Floor.Equal(t0.Add(time.Second)) || !forgotten.TS.Equal(ts) {
				t.Errorf("evicted nonce %d: got %v, want a ForgottenError with floor %s", i, err, t0.Add(time.Second))
			}
		default:
			if !errors.Is(err, replay.ErrReplayed) {
				t.Errorf("kept nonce %d: got %v, want ErrReplayed", i, err)
			}
		}
	}
	// A fresh nonce newer than every evicted one still gets in.
	if err := c.Remember("new", now, now.Add(window), now, max); err != nil {
		t.Fatalf("fresh nonce refused: %v", err)
	}
	msg := (&replay.ForgottenError{TS: t0, Floor: t0.Add(time.Second)}).Error()
	if want := "the replay cache is full and ts 2026-03-01T12:00:00Z is not after the oldest nonce it forgot, 2026-03-01T12:00:01Z"; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	c.Reset()
	if err := c.Remember("0", t0, t0.Add(window), now, max); err != nil {
		t.Fatalf("Reset left the eviction floor: %v", err)
	}
}

func TestUnboundedKeepsEveryLiveKey(t *testing.T) {
	var c replay.Cache
	const n = 5000 // enough to compact the insertion log more than once
	for i := range n {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		if err := c.Remember(fmt.Sprint(i), now, now.Add(window), now, 0); err != nil {
			t.Fatalf("nonce %d: %v", i, err)
		}
	}
	if got := c.Len(); got != n {
		t.Fatalf("cache holds %d keys, want %d", got, n)
	}
	// Expire the first half: the log is compacted and lookups still work.
	now := t0.Add(window + n/2*time.Millisecond)
	if err := c.Remember("x", now, now.Add(window), now, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Len(), n/2+1; got != want {
		t.Fatalf("cache holds %d keys, want %d", got, want)
	}
	for _, k := range []string{fmt.Sprint(n / 2), fmt.Sprint(n - 1), "x"} {
		if err := c.Remember(k, now, now.Add(window), now, 0); !errors.Is(err, replay.ErrReplayed) {
			t.Errorf("key %s after compaction: got %v, want ErrReplayed", k, err)
		}
	}
	if err := c.Remember("0", now, now.Add(window), now, 0); err != nil {
		t.Errorf("expired key refused after compaction: %v", err)
	}
}

// Run under -race: concurrent callers see each key accepted exactly once and
// the bound holds throughout.
func TestConcurrentCallers(t *testing.T) {
	var c replay.Cache
	const workers, keys, max = 8, 200, 150
	var accepted [keys]atomic.Int32
	var refusedOther atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range keys {
				err := c.Remember(fmt.Sprint(k), t0, t0.Add(window), t0, max)
				var forgotten *replay.ForgottenError
				switch {
				case err == nil:
					accepted[k].Add(1)
				case errors.Is(err, replay.ErrReplayed), errors.As(err, &forgotten):
				default:
					refusedOther.Add(1)
				}
				if n := c.Len(); n > max {
					t.Errorf("cache holds %d keys, bound %d", n, max)
				}
			}
		})
	}
	wg.Wait()
	for k := range keys {
		if n := accepted[k].Load(); n > 1 {
			t.Errorf("key %d accepted %d times", k, n)
		}
	}
	if accepted[0].Load() != 1 {
		t.Error("the first key was never accepted")
	}
	if n := refusedOther.Load(); n != 0 {
		t.Errorf("%d unexpected errors", n)
	}
	if n := c.Len(); n != max {
		t.Errorf("cache holds %d keys, want the bound %d", n, max)
	}
}
