package simulator_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/simtest"
	"github.com/c2psim/c2psim/simulator/store"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
	"github.com/c2psim/c2psim/simulator/store/pgstore"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
)

// liveNet is openNet with a setting it reads where it uses it (Live) and
// one it reads at start.
type liveNet struct{ openNet }

var (
	liveMode  = simulator.Key[string]{Name: "mode", Default: "fast", Description: "how", Check: simulator.OneOf("fast", "slow"), Live: true}
	startOnly = simulator.Key[int]{Name: "count", Default: 3, Description: "how many", Check: simulator.Positive[int]}
)

func (n *liveNet) Settings() []simulator.Setting {
	return []simulator.Setting{liveMode.Setting(), startOnly.Setting()}
}

// replica is one simulator on a store, served over HTTP.
type replica struct {
	sim *simulator.Simulator
	srv *httptest.Server
}

func startReplica(t *testing.T, s store.Store, clock simulator.Clock) *replica {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&liveNet{}}, Store: s, Clock: clock, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{sim: sim, srv: httptest.NewServer(sim.Handler())}
	t.Cleanup(func() { r.srv.Close(); sim.Close() })
	return r
}

func (r *replica) do(t *testing.T, method, path, body string, hdr ...string) result {
	t.Helper()
	return do(t, &simtest.Server{URL: r.srv.URL, Client: r.srv.Client()}, method, path, "application/json", body, hdr...)
}

func (r *replica) create(t *testing.T) int {
	t.Helper()
	return r.do(t, "POST", "/art/api/v1/art", goodBody, "X-Test-Key", "k").status
}

func (r *replica) faults(t *testing.T) []fault.Rule {
	t.Helper()
	rules, err := r.sim.FaultRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func TestFaultRulesAndSettingsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	clock := simulator.NewFakeClock(simtest.Epoch)
	open := func() *boltstore.Store {
		s, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	a := startReplica(t, s, clock)
	if r := a.do(t, "POST", "/_admin/faults", `{"network":"art","operation":"createArt","status":400,"code":"BAD_ART","times":3}`); r.status != 201 {
		t.Fatalf("adding a rule: %d %s", r.status, r.raw)
	}
	if r := a.do(t, "POST", "/_admin/faults", `{"network":"art","operation":"getArt","status":400,"ttl":"10m"}`); r.status != 201 {
		t.Fatalf("adding a rule: %d %s", r.status, r.raw)
	}
	if r := a.do(t, "PATCH", "/_admin/networks/art/settings", `{"mode":"slow","unknownFields":"false"}`); r.status != 200 {
		t.Fatalf("changing settings: %d %s", r.status, r.raw)
	}
	if st := a.create(t); st != 400 {
		t.Fatalf("the first of three faulted calls answered %d", st)
	}
	a.srv.Close()
	a.sim.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open()
	defer s.Close()
	clock.Advance(5 * time.Minute)
	b := startReplica(t, s, clock)
	rules := b.faults(t)
	if len(rules) != 2 || rules[0].Remaining == nil || *rules[0].Remaining != 2 || rules[0].Hits != 1 {
		t.Fatalf("after the restart the rules are %+v, want the times=3 rule with 2 uses left and 1 hit, and the ttl rule", rules)
	}
	for i := 0; i < 2; i++ {
		if st := b.create(t); st != 400 {
			t.Fatalf("faulted call %d of 3 after the restart answered %d", i+2, st)
		}
	}
	r := b.do(t, "POST", "/art/api/v1/art", goodBody, "X-Test-Key", "k")
	if r.status != 201 {
		t.Fatalf("a fourth call answered %d: the rule outlived its three uses", r.status)
	}
	if r.body[simulator.UnknownField] != nil {
		t.Fatalf("unknownFields=false changed through the admin API did not survive the restart: %s", r.raw)
	}
	settings, err := b.sim.Settings(context.Background(), "art")
	if err != nil {
		t.Fatal(err)
	}
	if got := settingValue(settings, "mode"); got != "slow/admin" {
		t.Fatalf("mode after the restart = %s, want slow from the admin API", got)
	}
	// The TTL runs on the simulator's clock, across the restart too.
	if r := b.do(t, "GET", "/art/api/v1/art/art-0001", "", "X-Test-Key", "k"); r.status != 400 {
		t.Fatalf("the ttl rule 5 minutes into its 10: %d", r.status)
	}
	clock.Advance(5 * time.Minute)
	if r := b.do(t, "GET", "/art/api/v1/art/art-0001", "", "X-Test-Key", "k"); r.status != 404 {
		t.Fatalf("the ttl rule 10 minutes after it was added still applies: %d", r.status)
	}
	if rules := b.faults(t); len(rules) != 0 {
		t.Fatalf("rules left: %+v", rules)
	}
}

func settingValue(list []simulator.Setting, key string) string {
	for _, s := range list {
		if s.Key == key {
			if s.Value == "" {
				return "default"
			}
			return s.Value + "/" + s.Source
		}
	}
	return "undeclared"
}

func TestSettingsChangesAreCheckedAndAllOrNothing(t *testing.T) {
	a := startReplica(t, store.NewMemory(), nil)
	r := a.do(t, "PATCH", "/_admin/networks/art/settings", `{"mode":"medium","count":"5","colour":"red","unknownFields":"false"}`)
	if r.status != 400 {
		t.Fatalf("a bad change answered %d %s", r.status, r.raw)
	}
	for _, want := range []string{`art.mode=medium: must be one of fast, slow`, `art.count is read at start: give it with --set art.count=`,
		`art has no setting \"colour\" (settings: count, mode, unknownFields)`} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("the refusal does not say %s: %s", want, r.raw)
		}
	}
	settings, _ := a.sim.Settings(context.Background(), "art")
	if got := settingValue(settings, "unknownFields"); got != "default" {
		t.Fatalf("a refused change changed unknownFields: %s", got)
	}
	if r := a.do(t, "PATCH", "/_admin/networks/art/settings", `{"unknownFields":"false"}`); r.status != 200 || !strings.Contains(r.raw, `"key":"unknownFields","kind":"bool","default":"true"`) {
		t.Fatalf("a good change: %d %s", r.status, r.raw)
	}
	if r := a.do(t, "POST", "/art/api/v1/art", goodBody, "X-Test-Key", "k"); r.body[simulator.UnknownField] != nil {
		t.Fatalf("unknownFields=false did not apply at once: %s", r.raw)
	}
	if r := a.do(t, "PATCH", "/_admin/networks/art/settings", `{"unknownFields":null}`); r.status != 200 {
		t.Fatalf("going back to the default: %d %s", r.status, r.raw)
	}
	if r := a.do(t, "POST", "/art/api/v1/art", goodBody, "X-Test-Key", "k"); r.body[simulator.UnknownField] == nil {
		t.Fatalf("back to the default, the field is missing: %s", r.raw)
	}
	if r := a.do(t, "PATCH", "/_admin/networks/nope/settings", `{}`); r.status != 404 {
		t.Fatalf("an unknown network: %d", r.status)
	}
}

// Two simulators on one PostgreSQL database are replicas: a rule for the
// next 2 calls answers exactly 2 of the calls made through both, a rule or
// a setting changed through one applies on the other at its next request.
func TestReplicasShareFaultRulesAndSettings(t *testing.T) {
	url := pgtest.URL(t)
	open := func() store.Store {
		s, err := pgstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := startReplica(t, open(), nil), startReplica(t, open(), nil)
	// b lists (and so caches) the rules before a adds one.
	if rules := b.faults(t); len(rules) != 0 {
		t.Fatalf("rules at start: %+v", rules)
	}
	if r := a.do(t, "POST", "/_admin/faults", `{"network":"art","operation":"createArt","status":400,"code":"BAD_ART","times":2}`); r.status != 201 {
		t.Fatalf("adding a rule: %d %s", r.status, r.raw)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := 0; i < 20; i++ {
		rep := a
		if i%2 == 1 {
			rep = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := rep.create(t)
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[400] != 2 || statuses[201] != 18 {
		t.Fatalf("20 calls through two replicas under a rule for the next 2: %v, want 2 faulted and 18 answered", statuses)
	}

	// A rule added through b applies on a at once; deleted through a, it stops on b.
	r := b.do(t, "POST", "/_admin/faults", `{"network":"art","operation":"getArt","status":400}`)
	if r.status != 201 {
		t.Fatalf("adding a rule through b: %d %s", r.status, r.raw)
	}
	id, _ := r.body["id"].(string)
	if r := a.do(t, "GET", "/art/api/v1/art/art-0001", "", "X-Test-Key", "k"); r.status != 400 {
		t.Fatalf("a rule added through b does not apply on a: %d", r.status)
	}
	if r := a.do(t, "DELETE", "/_admin/faults/"+id, ""); r.status != 204 {
		t.Fatalf("deleting through a: %d", r.status)
	}
	if r := b.do(t, "GET", "/art/api/v1/art/art-0001", "", "X-Test-Key", "k"); r.status != 404 {
		t.Fatalf("a rule deleted through a still applies on b: %d", r.status)
	}

	// A setting changed through a is in force on b.
	if r := a.do(t, "PATCH", "/_admin/networks/art/settings", `{"unknownFields":"false","mode":"slow"}`); r.status != 200 {
		t.Fatalf("changing settings through a: %d %s", r.status, r.raw)
	}
	if r := b.do(t, "POST", "/art/api/v1/art", goodBody, "X-Test-Key", "k"); r.status != 201 || r.body[simulator.UnknownField] != nil {
		t.Fatalf("unknownFields=false set through a does not apply on b: %d %s", r.status, r.raw)
	}
	if r := b.do(t, "GET", "/_admin/networks/art/settings", ""); !strings.Contains(r.raw, `"key":"mode","kind":"string","default":"fast","description":"how","live":true,"value":"slow","source":"admin"`) {
		t.Fatalf("b lists the settings as %s", r.raw)
	}
	// Reset through b clears the rules on a too.
	if _, err := a.sim.AddFault(fault.Rule{Network: "art", Operation: "getArt", Status: 400}); err != nil {
		t.Fatal(err)
	}
	if err := b.sim.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := a.do(t, "GET", "/art/api/v1/art/art-0001", "", "X-Test-Key", "k"); r.status != 404 {
		t.Fatalf("a rule cleared by a reset through b still applies on a: %d", r.status)
	}
}
