package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
)

// outageIssuer answers 503 while the simulator's clock is before up, then
// 200; it records what it accepted, in order.
type outageIssuer struct {
	clock *simulator.FakeClock
	mu    sync.Mutex
	up    time.Time
	got   []string       // artIds accepted, in order
	seen  map[string]int // artId → accepted count
	tries int
	at    map[string]time.Time // when each callback was accepted, on the simulator's clock
}

func newOutageIssuer(t *testing.T, clock *simulator.FakeClock, up time.Time) (*outageIssuer, string) {
	o := &outageIssuer{clock: clock, up: up, seen: map[string]int{}, at: map[string]time.Time{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ ArtID string }
		_ = json.NewDecoder(r.Body).Decode(&ev)
		o.mu.Lock()
		defer o.mu.Unlock()
		o.tries++
		if clock.Now().Before(o.up) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		o.got = append(o.got, ev.ArtID)
		o.seen[ev.ArtID]++
		o.at[ev.ArtID] = clock.Now()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
	t.Cleanup(srv.Close)
	return o, srv.URL
}

func (o *outageIssuer) accepted() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

// The acceptance of the callback outage defect: with default settings, 20
// callbacks enqueued during a 30 s issuer outage all arrive, each once, in
// order per token, and every attempt is journalled.
func TestTwentyCallbacksSurviveAThirtySecondOutageInOrderPerToken(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	start := srv.Clock.Now()
	issuer, url := newOutageIssuer(t, srv.Clock, start.Add(30*time.Second))
	if err := srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: url}); err != nil { // default settings
		t.Fatal(err)
	}
	ctx := context.Background()
	const tokens, perToken = 4, 5
	for i := 0; i < tokens*perToken; i++ {
		tok := fmt.Sprintf("tok%d", i%tokens)
		art := fmt.Sprintf("%s-%d", tok, i/tokens)
		body := fmt.Sprintf(`{"artId":%q,"status":"ACTIVE"}`, art)
		if err := n.env.Callbacks.Enqueue(ctx, artEvent("evt-"+art, tok, body)); err != nil {
			t.Fatal(err)
		}
		// One a second, through the first 20 s of the outage.
		advanceUntil(t, srv, time.Second, func() bool { return srv.Clock.Now().Sub(start) >= time.Duration(i+1)*time.Second })
	}
	advanceUntil(t, srv, time.Second, func() bool { return len(issuer.accepted()) == tokens*perToken })

	got := issuer.accepted()
	for tok := 0; tok < tokens; tok++ {
		var order []string
		for _, a := range got {
			if strings.HasPrefix(a, fmt.Sprintf("tok%d-", tok)) {
				order = append(order, a)
			}
		}
		want := fmt.Sprintf("tok%d-0 tok%d-1 tok%d-2 tok%d-3 tok%d-4", tok, tok, tok, tok, tok)
		if strings.Join(order, " ") != want {
			t.Errorf("token %d delivered in the order %v, want %s", tok, order, want)
		}
	}
	for a, c := range issuer.seen {
		if c != 1 {
			t.Errorf("%s accepted %d times", a, c)
		}
	}
	// The default schedule starts at 1 s and doubles, each wait between
	// half and all of its interval: a 30 s outage cannot push a wait past
	// 32 s, and a token's later callbacks follow its first at once. So
	// each callback is accepted within 32 s of the issuer coming back (a
	// schedule that started long, or stuck at its cap, would not be).
	for a, at := range issuer.at {
		if late := at.Sub(issuer.up); late > 32*time.Second {
			t.Errorf("%s accepted %v after the issuer came back, past the 32 s the default schedule reaches in a 30 s outage", a, late)
		}
	}
	attempts := srv.Sim.Journal().Find(journal.Query{Direction: journal.Outbound})
	if len(attempts) != issuer.tries || issuer.tries <= tokens*perToken {
		t.Errorf("journalled %d attempts, the issuer saw %d (more than %d: the outage refused some)", len(attempts), issuer.tries, tokens*perToken)
	}
	for _, state := range []bool{false, true} {
		if d, _ := srv.Sim.Deliveries(ctx, state); len(d) != 0 {
			t.Errorf("outbox (dead=%v) still holds %d callbacks", state, len(d))
		}
	}
}

func TestACallbackPastItsDeadlineIsADeadLetterTheAdminAPIRedelivers(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	start := srv.Clock.Now()
	issuer, url := newOutageIssuer(t, srv.Clock, start.Add(24*time.Hour))
	target := simulator.CallbackTarget{URL: url, Retry: simulator.RetryPolicy{Initial: time.Second, Max: 30 * time.Second, Deadline: 5 * time.Minute}}
	if err := srv.Sim.SetCallbackTarget("art", target); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"a1", "a2"} {
		if err := n.env.Callbacks.Enqueue(ctx, artEvent("evt-"+id, "a", fmt.Sprintf(`{"artId":%q,"status":"ACTIVE"}`, id))); err != nil {
			t.Fatal(err)
		}
	}
	advanceUntil(t, srv, 5*time.Second, func() bool { d, _ := srv.Sim.Deliveries(ctx, true); return len(d) == 2 })
	// Each dead letter gave up at its deadline (enqueued + 5 m), at the
	// last attempt before it, not an interval early: a2, ordered behind
	// a1, reaches its deadline waiting.
	buried, _ := srv.Sim.Deliveries(ctx, true)
	for _, d := range buried {
		if !d.Deadline.Equal(d.Enqueued.Add(target.Retry.Deadline)) || d.DeadAt.After(d.Deadline) || !d.DeadAt.After(d.Deadline.Add(-target.Retry.Max)) {
			t.Fatalf("%s: enqueued %v, deadline %v, dead at %v; want dead within %v before its deadline, enqueued + %v", d.ID, d.Enqueued, d.Deadline, d.DeadAt, target.Retry.Max, target.Retry.Deadline)
		}
	}

	var dead []simulator.Delivery
	getJSON(t, srv, "/_admin/outbox?state=dead", &dead)
	if len(dead) != 2 || dead[0].ID != "evt-a1" || dead[0].State != "dead" || dead[0].Attempts < 5 || !strings.Contains(dead[0].LastError, "503") {
		t.Fatalf("dead letters = %+v", dead)
	}
	if n := len(srv.Sim.Journal().Find(journal.Query{Direction: journal.Outbound, CorrelationID: "evt-a1"})); n != dead[0].Attempts {
		t.Fatalf("journalled %d attempts of evt-a1, the outbox counts %d", n, dead[0].Attempts)
	}

	// The issuer comes back; an operator redelivers one dead letter.
	issuer.mu.Lock()
	issuer.up = srv.Clock.Now()
	issuer.mu.Unlock()
	resp := post(t, srv, "/_admin/outbox/art/evt-a2/redeliver")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("redeliver answered %d", resp.StatusCode)
	}
	if resp := post(t, srv, "/_admin/outbox/art/evt-nope/redeliver"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("redelivering an unknown callback answered %d", resp.StatusCode)
	}
	advanceUntil(t, srv, time.Second, func() bool { return len(issuer.accepted()) == 1 })
	if got := issuer.accepted(); got[0] != "a2" {
		t.Fatalf("accepted %v", got)
	}
	var left []simulator.Delivery
	getJSON(t, srv, "/_admin/outbox", &left)
	if len(left) != 1 || left[0].ID != "evt-a1" {
		t.Fatalf("outbox after redelivery = %+v", left)
	}
}

func TestPendingCallbacksAndTasksSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	open := func() *boltstore.Store {
		s, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	clock := simulator.NewFakeClock(simtest.Epoch)
	issuer, url := newOutageIssuer(t, clock, simtest.Epoch.Add(10*time.Minute))
	run := func(s *boltstore.Store) (*simulator.Simulator, *taskNet) {
		n := &taskNet{ran: make(chan string, 4)}
		sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{n}, Clock: clock, Store: s, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: url}); err != nil {
			t.Fatal(err)
		}
		return sim, n
	}
	s := open()
	sim, n := run(s)
	ctx := context.Background()
	for _, id := range []string{"a1", "a2"} {
		if err := n.env.Callbacks.Enqueue(ctx, artEvent("evt-"+id, "a", fmt.Sprintf(`{"artId":%q,"status":"ACTIVE"}`, id))); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.env.Schedule(ctx, 2*time.Hour, "retire", map[string]string{"ArtID": "later"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		waitFor(t, sim.Settled)
		clock.Advance(time.Second)
	}
	waitFor(t, sim.Settled)
	sim.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process on the same data: the callbacks and the task are there.
	s = open()
	defer s.Close()
	sim, n = run(s)
	defer sim.Close()
	pending, err := sim.Deliveries(ctx, false)
	if err != nil || len(pending) != 2 || pending[0].ID != "evt-a1" || pending[0].Attempts == 0 {
		t.Fatalf("after the restart pending = %+v, %v", pending, err)
	}
	for i := 0; i < 10000 && len(issuer.accepted()) < 2; i++ {
		waitFor(t, sim.Settled)
		clock.Advance(10 * time.Second)
	}
	if got := strings.Join(issuer.accepted(), " "); got != "a1 a2" {
		t.Fatalf("after the restart the issuer accepted %q", got)
	}
	for i := 0; i < 10000 && len(n.ran) == 0; i++ {
		waitFor(t, sim.Settled)
		clock.Advance(time.Minute)
	}
	if got := <-n.ran; got != "later" {
		t.Fatalf("the task ran with %q", got)
	}
}

func getJSON(t *testing.T, srv *simtest.Server, path string, out any) {
	t.Helper()
	resp, err := srv.Client.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s answered %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func post(t *testing.T, srv *simtest.Server, path string) *http.Response {
	t.Helper()
	resp, err := srv.Client.Post(srv.URL+path, "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
