package simulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// eventNet is artNet plus a callback document and a captured Env.
type eventNet struct {
	artNet
	env *simulator.Env
}

func (n *eventNet) Describe() simulator.Description {
	d := n.artNet.Describe()
	d.Callbacks = []string{"examples/card-art-issuer.yaml"}
	return d
}
func (n *eventNet) Setup(env *simulator.Env) error { n.env = env; return nil }

// SignCallback implements simulator.CallbackSigner.
func (n *eventNet) SignCallback(r *http.Request, cb *simulator.Callback, attempt int) error {
	r.Header.Set("X-Signature", "sig")
	r.Header.Set("X-Attempt", strconv.Itoa(attempt))
	return nil
}

func (n *eventNet) notify(ctx context.Context, body string) (*simulator.CallbackResult, error) {
	return n.env.Callbacks.Send(ctx, artEvent("evt-1", "", body))
}

func artEvent(id, orderKey, body string) *simulator.Callback {
	return &simulator.Callback{ID: id, OrderKey: orderKey,
		Spec: "examples/card-art-issuer.yaml", OperationID: "notifyArtChanged", Path: "/art-events",
		Body: []byte(body), CorrelationIDs: []string{id}}
}

func TestCallbacksAreRetriedJournalledAndChecked(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}})
	var hits atomic.Int64
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Signature") != "sig" {
			t.Errorf("callback not signed")
		}
		if hits.Add(1) < 3 {
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"received": "yes"}) // breaks the issuer-side document
	}))
	defer issuer.Close()

	if _, err := n.notify(context.Background(), `{"artId":"a","status":"RETIRED"}`); err == nil || !strings.Contains(err.Error(), "no callback URL") {
		t.Fatalf("send without a target: %v", err)
	}
	if err := srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: issuer.URL + "/", RetrySchedule: []time.Duration{time.Millisecond, time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	res, err := n.notify(context.Background(), `{"artId":"a","status":"RETIRED"}`)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 3 || res.Status != 200 {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Findings) == 0 || !strings.Contains(res.Findings[0], "received") {
		t.Fatalf("the issuer's invalid answer was not reported: %v", res.Findings)
	}
	entries := srv.Sim.Journal().Find(journal.Query{Direction: journal.Outbound, CorrelationID: "evt-1"})
	if len(entries) != 3 {
		t.Fatalf("journalled %d attempts, want 3", len(entries))
	}
	if entries[0].Attempt != 3 || entries[2].Attempt != 1 || entries[2].Status != 500 {
		t.Fatalf("attempts = %+v", entries)
	}
	if entries[0].RequestHeader["X-Signature"] != "sig" || entries[0].RequestHeader["X-Attempt"] != "3" || entries[2].RequestHeader["X-Attempt"] != "1" {
		t.Fatalf("signed headers not journalled per attempt: %v", entries[0].RequestHeader)
	}
}

func TestInvalidOutboundCallbackIsASimulatorFinding(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, AllowFindings: true})
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
	defer issuer.Close()
	_ = srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: issuer.URL, RetrySchedule: []time.Duration{}})
	if _, err := n.notify(context.Background(), `{"artId":"a","status":"GONE"}`); err != nil {
		t.Fatal(err)
	}
	if f := srv.Sim.Findings(); len(f) != 1 || !strings.Contains(f[0], "status") {
		t.Fatalf("findings = %v", f)
	}
}

func TestCallbackGivesUpAfterSchedule(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}})
	_ = srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: "http://127.0.0.1:1", RetrySchedule: []time.Duration{time.Millisecond}, Timeout: 200 * time.Millisecond})
	_, err := n.notify(context.Background(), `{"artId":"a","status":"RETIRED"}`)
	if err == nil || !strings.Contains(err.Error(), "2 attempts failed") {
		t.Fatalf("err = %v", err)
	}
	if got := len(srv.Sim.Journal().Find(journal.Query{Direction: journal.Outbound})); got != 2 {
		t.Fatalf("journalled %d attempts", got)
	}
}

// taskNet is eventNet with a task kind.
type taskNet struct {
	eventNet
	ran chan string
}

func (n *taskNet) Tasks() []simulator.Task {
	return []simulator.Task{{Kind: "retire", Run: func(_ context.Context, payload []byte) error {
		var p struct{ ArtID string }
		if err := json.Unmarshal(payload, &p); err != nil {
			return err
		}
		n.ran <- p.ArtID
		return nil
	}}}
}

func TestTasksRunOnTheFakeClockAndResetDropsPending(t *testing.T) {
	n := &taskNet{ran: make(chan string, 4)}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	ctx := context.Background()
	if err := n.env.Schedule(ctx, 2*time.Second, "retire", map[string]string{"ArtID": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := n.env.Schedule(ctx, 10*time.Second, "retire", map[string]string{"ArtID": "b"}); err != nil {
		t.Fatal(err)
	}
	if err := n.env.Schedule(ctx, time.Second, "undeclared", nil); err == nil || !strings.Contains(err.Error(), "undeclared") {
		t.Fatalf("an undeclared task kind was scheduled: %v", err)
	}
	srv.Clock.Advance(time.Second)
	waitFor(t, srv.Sim.Settled)
	if len(n.ran) != 0 {
		t.Fatalf("ran early: %d", len(n.ran))
	}
	srv.Clock.Advance(time.Second)
	select {
	case id := <-n.ran:
		if id != "a" {
			t.Fatalf("ran %q with its payload, want a", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a due task did not run")
	}
	srv.Reset(t)
	srv.Clock.Advance(time.Hour)
	waitFor(t, srv.Sim.Settled)
	if len(n.ran) != 0 {
		t.Fatalf("reset did not drop the pending task")
	}
}

func TestStartupChecksTasks(t *testing.T) {
	_, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&badTasks{}}})
	if err == nil || !strings.Contains(err.Error(), `task "x" is declared twice`) || !strings.Contains(err.Error(), `task "y" has no Run`) {
		t.Fatalf("err = %v", err)
	}
}

type badTasks struct{ eventNet }

func (*badTasks) Tasks() []simulator.Task {
	run := func(context.Context, []byte) error { return nil }
	return []simulator.Task{{Kind: "x", Run: run}, {Kind: "x", Run: run}, {Kind: "y"}}
}

func TestWaitFollowsTheFakeClock(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	done := make(chan error, 1)
	go func() { done <- n.env.Wait(context.Background(), time.Minute) }()
	waitFor(t, func() bool { return srv.Clock.Pending() == 1 })
	srv.Clock.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	go func() { done <- n.env.Wait(context.Background(), time.Minute) }()
	waitFor(t, func() bool { return srv.Clock.Pending() == 1 })
	srv.Reset(t)
	if err := <-done; !errors.Is(err, simulator.ErrStopped) {
		t.Fatalf("a wait across a reset: %v", err)
	}
}

func TestEnqueueDeliversInOrderPerOrderKey(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	var mu sync.Mutex
	var got []string
	seen := map[string]int{}
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ ArtID string }
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		defer mu.Unlock()
		seen[ev.ArtID]++
		// Every first attempt on the key "a" fails: a retried call must
		// still not be overtaken by the next one of its key.
		if strings.HasPrefix(ev.ArtID, "a") && seen[ev.ArtID] == 1 {
			w.WriteHeader(500)
			return
		}
		got = append(got, ev.ArtID)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
	defer issuer.Close()
	ctx := context.Background()
	if err := n.env.Callbacks.Enqueue(ctx, artEvent("e0", "a", `{"artId":"a0","status":"ACTIVE"}`)); err == nil || !strings.Contains(err.Error(), "no callback URL") {
		t.Fatalf("enqueue without a target: %v", err)
	}
	_ = srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: issuer.URL, RetrySchedule: []time.Duration{time.Millisecond}})
	if err := n.env.Callbacks.Enqueue(ctx, artEvent("", "a", `{}`)); err == nil {
		t.Fatal("a callback without an ID was enqueued")
	}
	held := artEvent("e1", "a", `{"artId":"a1","status":"ACTIVE"}`)
	held.NotBefore = srv.Clock.Now().Add(time.Minute)
	for _, cb := range []*simulator.Callback{
		held,
		artEvent("e2", "a", `{"artId":"a2","status":"RETIRED"}`),
		artEvent("e2", "a", `{"artId":"a2","status":"RETIRED"}`), // pending: ignored
		artEvent("e3", "a", `{"artId":"a3","status":"ACTIVE"}`),
		artEvent("f1", "b", `{"artId":"b1","status":"ACTIVE"}`),
	} {
		if err := n.env.Callbacks.Enqueue(ctx, cb); err != nil {
			t.Fatal(err)
		}
	}
	// b is not held behind a.
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	srv.Clock.Advance(time.Minute)
	// a1's first attempt fails; it is retried after a back-off, and a2 and
	// a3 wait behind it.
	advanceUntil(t, srv, time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 4 })
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, " ") != "b1 a1 a2 a3" {
		t.Fatalf("delivered %v", got)
	}
	if n := len(srv.Sim.Journal().Find(journal.Query{Direction: journal.Outbound, CorrelationID: "e2"})); n != 2 {
		t.Fatalf("e2 journalled %d attempts, want 2 (one refused, one delivered; the duplicate never sent)", n)
	}
}

func TestResetDropsEnqueuedCallbacks(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	var hits atomic.Int64
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
	defer issuer.Close()
	_ = srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: issuer.URL})
	held := artEvent("e1", "a", `{"artId":"a","status":"ACTIVE"}`)
	held.NotBefore = srv.Clock.Now().Add(time.Minute)
	if err := n.env.Callbacks.Enqueue(context.Background(), held); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.Sim.Settled)
	if d, _ := srv.Sim.Deliveries(context.Background(), false); len(d) != 1 {
		t.Fatalf("pending deliveries = %+v", d)
	}
	srv.Reset(t)
	if d, _ := srv.Sim.Deliveries(context.Background(), false); len(d) != 0 {
		t.Fatalf("after reset pending deliveries = %+v", d)
	}
	srv.Clock.Advance(time.Hour)
	// The same ID may be enqueued again after a reset, and is delivered.
	if err := n.env.Callbacks.Enqueue(context.Background(), artEvent("e1", "a", `{"artId":"a","status":"ACTIVE"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return hits.Load() == 1 })
}

// advanceUntil moves the fake clock by step, letting deferred work settle
// after each step, until cond holds (at most 10,000 steps).
func advanceUntil(t *testing.T, srv *simtest.Server, step time.Duration, cond func() bool) {
	t.Helper()
	for i := 0; i < 10000; i++ {
		waitFor(t, srv.Sim.Settled)
		if cond() {
			return
		}
		srv.Clock.Advance(step)
	}
	t.Fatalf("condition not met after %d steps of %v", 10000, step)
}

// waitFor polls cond (timers fire on their own goroutines).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSeedsReproduceIdentifiersAndSurviveJSON(t *testing.T) {
	a, b := simulator.NewSeededIDs(42), simulator.NewSeededIDs(42)
	for i := 0; i < 5; i++ {
		if x, y := a.UUID(), b.UUID(); x != y {
			t.Fatalf("same seed, different IDs: %s %s", x, y)
		}
	}
	if u := a.UUID(); len(u) != 36 || u[14] != '4' {
		t.Fatalf("not a v4 UUID layout: %s", u)
	}
	for i := 0; i < 100; i++ {
		if s := simulator.NewSeededIDs(0).Seed(); s <= 0 || s >= 1<<53 {
			t.Fatalf("drawn seed %d does not fit 53 bits", s)
		}
	}
}
