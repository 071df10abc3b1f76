package simulator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/simtest"
)

func TestMetricsCountRequestsVerdictsCallbacksAndTheOutbox(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, FakeClock: true})
	if r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k"); r.status != 201 && r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody); r.status != 401 {
		t.Fatalf("unauthenticated: %d", r.status)
	}
	start := srv.Clock.Now()
	_, url := newOutageIssuer(t, srv.Clock, start.Add(3*time.Second))
	if err := srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: url}); err != nil {
		t.Fatal(err)
	}
	if err := n.env.Callbacks.Enqueue(context.Background(), artEvent("evt-1", "a", `{"artId":"a1","status":"ACTIVE"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, srv.Sim.Settled)
	metrics := func() string { r := do(t, srv, "GET", "/metrics", "", ""); return r.raw }
	if m := metrics(); !strings.Contains(m, `c2psim_outbox_depth{state="pending"} 1`) {
		t.Fatalf("a refused callback is not counted pending:\n%s", grep(m, "c2psim_outbox"))
	}
	advanceUntil(t, srv, time.Second, func() bool { d, _ := srv.Sim.Deliveries(context.Background(), false); return len(d) == 0 })
	m := metrics()
	for _, want := range []string{
		`c2psim_requests_total{network="art",operation="createArt",status="201"} 1`,
		`c2psim_requests_total{network="art",operation="createArt",status="401"} 1`,
		`c2psim_verdict_failures_total{check="auth",network="art"} 1`,
		`c2psim_callback_attempts_total{network="art",operation="notifyArtChanged",outcome="delivered"} 1`,
		`c2psim_callback_attempts_total{network="art",operation="notifyArtChanged",outcome="failed"}`,
		`c2psim_outbox_depth{state="pending"} 0`,
		`c2psim_outbox_depth{state="dead"} 0`,
		`c2psim_journal_entries `,
		`c2psim_journal_bytes `,
		`c2psim_store_operation_seconds_count{op="put"}`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(grep(m, "c2psim_"))
	}
}

func grep(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
