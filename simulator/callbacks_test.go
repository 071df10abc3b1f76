package simulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/openapi"
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

func (n *eventNet) notify(ctx context.Context, body string) (*simulator.CallbackResult, error) {
	return n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: "examples/card-art-issuer.yaml", OperationID: "notifyArtChanged", Path: "/art-events",
		Body: []byte(body), CorrelationIDs: []string{"evt-1"},
		Sign: func(r *http.Request, _ []byte) error { r.Header.Set("X-Signature", "sig"); return nil },
	})
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
	if entries[0].RequestHeader["X-Signature"] != "sig" {
		t.Fatalf("signed header not journalled: %v", entries[0].RequestHeader)
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

func TestAfterRunsOnTheFakeClockAndResetDropsPending(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	var fired atomic.Int64
	n.env.After(2*time.Second, func(context.Context) { fired.Add(1) })
	n.env.After(10*time.Second, func(context.Context) { fired.Add(10) })
	srv.Clock.Advance(time.Second)
	if fired.Load() != 0 || srv.Clock.Pending() != 2 {
		t.Fatalf("fired early: %d", fired.Load())
	}
	srv.Clock.Advance(time.Second)
	waitFor(t, func() bool { return fired.Load() == 1 })
	srv.Reset(t)
	srv.Clock.Advance(time.Hour)
	if fired.Load() != 1 || srv.Clock.Pending() != 0 {
		t.Fatalf("reset did not drop the pending timer: %d", fired.Load())
	}
	if got := openapi.Files(); len(got) == 0 {
		t.Fatal("no documents")
	}
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
