package conformance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator/fault"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// fakeDriver answers GET /info with info, as an issuer's driver would.
func fakeDriver(t *testing.T, info conformance.Info) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/driver/info" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(info)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/driver"
}

func externalTarget(t *testing.T, simURL, driverURL string) (*conformance.Target, conformance.Config) {
	t.Helper()
	cfg := conformance.Config{Target: "external", SimulatorURL: simURL, DriverURL: driverURL, Networks: []string{"visa"}}
	tg, err := conformance.External(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tg, cfg
}

// In external mode the preflight registers the callback URL the driver
// names, with the retries and timeout the cases need, and reads the
// simulator's own version and seed for the run record.
func TestPreflightRegistersTheDriversCallbacks(t *testing.T) {
	sim := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, Seed: 4242})
	drv := fakeDriver(t, conformance.Info{Name: "acme issuer", Version: "7.1", Networks: []string{"visa"},
		Callbacks: map[string]string{"visa": "http://127.0.0.1:1/acme/visa"}})
	tg, cfg := externalTarget(t, sim.URL, drv)
	p, err := conformance.RunPreflight(context.Background(), tg, cfg, true, false)
	if err != nil {
		t.Fatal(err)
	}
	got := sim.Sim.CallbackTarget("visa")
	if got.URL != "http://127.0.0.1:1/acme/visa" || got.Timeout != conformance.CallbackTimeout || len(got.RetrySchedule) != len(conformance.CallbackRetries) {
		t.Fatalf("the simulator's visa callback target is %+v", got)
	}
	if p.Simulator.Seed != 4242 || p.Simulator.Version == "" || p.Simulator.URL != sim.URL || p.SUT.Name != "acme issuer" || p.SUT.Version != "7.1" {
		t.Fatalf("preflight read simulator %+v, system under test %+v", p.Simulator, p.SUT)
	}
}

// A network that calls the issuer, with no callback URL from the driver
// nor registered at the simulator, stops the run saying exactly what to
// set.
func TestPreflightSaysWhichCallbackToSet(t *testing.T) {
	sim := simtest.Start(t, simtest.Options{Networks: []string{"visa"}})
	drv := fakeDriver(t, conformance.Info{Name: "acme issuer", Networks: []string{"visa"}})
	tg, cfg := externalTarget(t, sim.URL, drv)
	_, err := conformance.RunPreflight(context.Background(), tg, cfg, true, false)
	if err == nil || !strings.Contains(err.Error(), "callbacks.visa") || !strings.Contains(err.Error(), "GET /info") {
		t.Fatalf("want a preflight error naming callbacks.visa in GET /info, got %v", err)
	}
}

// A simulator with fault rules armed (left by an earlier or aborted run)
// is refused, naming the rules and how to reset it; with reset the run
// resets it and goes on.
func TestPreflightRefusesAnUncleanSimulator(t *testing.T) {
	sim := simtest.Start(t, simtest.Options{Networks: []string{"visa"}})
	drv := fakeDriver(t, conformance.Info{Name: "acme issuer", Networks: []string{"visa"}, Callbacks: map[string]string{"visa": "http://127.0.0.1:1/cb"}})
	left, err := sim.Sim.AddFault(fault.Rule{Network: "visa", Status: 503, Card: "1140"})
	if err != nil {
		t.Fatal(err)
	}
	tg, cfg := externalTarget(t, sim.URL, drv)
	ctx := context.Background()
	_, err = conformance.RunPreflight(ctx, tg, cfg, true, false)
	if err == nil || !strings.Contains(err.Error(), "not clean") || !strings.Contains(err.Error(), left.ID) || !strings.Contains(err.Error(), "--reset") {
		t.Fatalf("want the unclean simulator refused, naming rule %s and --reset: %v", left.ID, err)
	}
	if rules, _ := tg.Control.Faults(ctx); len(rules) != 1 {
		t.Fatalf("a refused preflight changed the simulator's rules: %v", rules)
	}
	p, err := conformance.RunPreflight(ctx, tg, cfg, true, true)
	if err != nil || !strings.Contains(strings.Join(p.Notes, " "), "reset the simulator") {
		t.Fatalf("with reset: %v, notes %v", err, p.Notes)
	}
	if rules, _ := tg.Control.Faults(ctx); len(rules) != 0 {
		t.Fatalf("after the reset the simulator still has rules: %v", rules)
	}
}

// Neither the simulator nor the driver answering is a preflight error
// naming what does not answer and where.
func TestPreflightNamesWhatDoesNotAnswer(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tg, cfg := externalTarget(t, closed.URL, closed.URL+"/driver")
	_, err := conformance.RunPreflight(context.Background(), tg, cfg, true, false)
	if err == nil || !strings.Contains(err.Error(), "simulator at "+closed.URL) || !strings.Contains(err.Error(), "simulatorUrl") {
		t.Fatalf("simulator down: %v", err)
	}
	sim := simtest.Start(t, simtest.Options{Networks: []string{"visa"}})
	tg, cfg = externalTarget(t, sim.URL, closed.URL+"/driver")
	_, err = conformance.RunPreflight(context.Background(), tg, cfg, true, false)
	if err == nil || !strings.Contains(err.Error(), "driver at "+closed.URL+"/driver does not answer GET /info") || !strings.Contains(err.Error(), "driverUrl") {
		t.Fatalf("driver down: %v", err)
	}
}

// A setting that delays outcomes past what the cases wait stops the run
// saying exactly which setting to change and to what.
func TestPreflightSaysWhichSettingToChange(t *testing.T) {
	sim := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, Settings: map[string]string{"visa.asyncDelay": "10s"}})
	drv := fakeDriver(t, conformance.Info{Name: "acme issuer", Networks: []string{"visa"}, Callbacks: map[string]string{"visa": "http://127.0.0.1:1/cb"}})
	tg, cfg := externalTarget(t, sim.URL, drv)
	_, err := conformance.RunPreflight(context.Background(), tg, cfg, true, false)
	if err == nil || !strings.Contains(err.Error(), "visa.asyncDelay is 10s") || !strings.Contains(err.Error(), "--set visa.asyncDelay=200ms") {
		t.Fatalf("want the delaying setting named with the --set to use: %v", err)
	}
}

// After the last case a simulator still holding a fault rule is a harness
// error naming it; a clean one is none.
func TestLeftArmedNamesTheRules(t *testing.T) {
	sim := simtest.Start(t, simtest.Options{Networks: []string{"visa"}})
	ctl := &conformance.AdminControl{BaseURL: sim.URL, HTTP: sim.Client}
	ctx := context.Background()
	if err := conformance.LeftArmed(ctx, ctl); err != nil {
		t.Fatalf("a clean simulator: %v", err)
	}
	left, err := sim.Sim.AddFault(fault.Rule{Network: "visa", Status: 503, Card: "1140"})
	if err != nil {
		t.Fatal(err)
	}
	if err := conformance.LeftArmed(ctx, ctl); err == nil || !strings.Contains(err.Error(), "left 1 fault rules armed") || !strings.Contains(err.Error(), left.ID) {
		t.Fatalf("a rule left armed: %v", err)
	}
}
