package conformance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/driver"
	"github.com/c2psim/c2psim/simulator"
)

// Target is what scenarios drive and observe.
type Target struct {
	Name     string   // bundled | external
	Networks []string // networks under test
	Driver   *Driver  // the issuer system, through openapi/driver.yaml
	Control  Control  // the simulator
	// SimURL is the simulator's base URL (for scenarios that act as a
	// misbehaving client on purpose, such as a forged signature).
	SimURL string
	// HTTP reaches the simulator (it trusts its certificate when on TLS).
	HTTP  *http.Client
	close func()
}

// Close stops what the target started.
func (t *Target) Close() {
	if t.close != nil {
		t.close()
	}
}

// Wiring builds a network's client adapter from the simulator's sandbox
// credentials and the network's base URL (simulator URL + base path), so the
// same wiring serves the bundled target and a driver service in front of a
// running c2psim.
type Wiring func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error)

var (
	wiringMu sync.RWMutex
	wirings  = map[string]Wiring{}
	samples  = map[string][]string{}
	outcomes = map[string]string{} // network + "/" + outcome → card number
)

// OutcomeAnswerLost names the test card a network processes but answers
// with a retryable error the first time, as if the answer was lost (IDM-04).
const OutcomeAnswerLost = "answer-lost"

// RegisterOutcomeCard names a network's test card for an outcome the
// cross-network scenarios play (OutcomeAnswerLost).
func RegisterOutcomeCard(network, outcome, pan string) {
	wiringMu.Lock()
	defer wiringMu.Unlock()
	outcomes[network+"/"+outcome] = pan
}

// OutcomeCard returns a network's test card for an outcome, or "".
func OutcomeCard(network, outcome string) string {
	wiringMu.RLock()
	defer wiringMu.RUnlock()
	return outcomes[network+"/"+outcome]
}

// RegisterSampleCards names card numbers that enrol successfully on a
// network, for scenarios that hold for every network.
func RegisterSampleCards(network string, pans ...string) {
	wiringMu.Lock()
	defer wiringMu.Unlock()
	samples[network] = append(samples[network], pans...)
}

// SampleCards returns the registered sample cards of a network.
func SampleCards(network string) []string {
	wiringMu.RLock()
	defer wiringMu.RUnlock()
	return append([]string(nil), samples[network]...)
}

// RegisterNetwork is called in init() by a network's scenario package so the
// bundled target can drive that network. Registering twice panics.
func RegisterNetwork(network string, w Wiring) {
	wiringMu.Lock()
	defer wiringMu.Unlock()
	if _, dup := wirings[network]; dup {
		panic("conformance: network " + network + " wired twice")
	}
	wirings[network] = w
}

// WiringFor returns a network's wiring.
func WiringFor(network string) (Wiring, bool) {
	wiringMu.RLock()
	defer wiringMu.RUnlock()
	w, ok := wirings[network]
	return w, ok
}

// WiredNetworks lists the networks the bundled target can drive.
func WiredNetworks() []string {
	wiringMu.RLock()
	defer wiringMu.RUnlock()
	out := make([]string, 0, len(wirings))
	for n := range wirings {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Bundled starts an in-process simulator on 127.0.0.1:0 and the bundled
// client behind the driver contract, for the given networks (all wired ones
// when empty). Each ginkgo process builds its own, so `ginkgo -p` is safe.
func Bundled(networks []string, settings map[string]string, seed int64) (*Target, error) {
	if len(networks) == 0 {
		networks = WiredNetworks()
	}
	if len(networks) == 0 {
		return nil, errors.New("no network is wired for the bundled target")
	}
	sim, err := simulator.New(simulator.Options{Networks: networks, Settings: settings, Seed: seed})
	if err != nil {
		return nil, err
	}
	simSrv := httptest.NewServer(sim.Handler())
	var opts []client.Option
	var errs []error
	for _, n := range networks {
		wiringMu.RLock()
		w, ok := wirings[n]
		wiringMu.RUnlock()
		if !ok {
			errs = append(errs, fmt.Errorf("network %s has no bundled wiring (wired: %v)", n, WiredNetworks()))
			continue
		}
		a, err := w(sim.Credentials(n), simSrv.URL+sim.BasePath(n), simSrv.Client())
		if err != nil {
			errs = append(errs, fmt.Errorf("wiring %s: %w", n, err))
			continue
		}
		opts = append(opts, client.WithAdapter(a))
	}
	if err := errors.Join(errs...); err != nil {
		simSrv.Close()
		sim.Close()
		return nil, err
	}
	opts = append(opts, client.WithPollInterval(20*time.Millisecond),
		client.WithRetryPolicy(client.RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}),
		client.WithLogger(slog.New(slog.DiscardHandler)))
	iss, err := client.New(opts...)
	if err != nil {
		simSrv.Close()
		sim.Close()
		return nil, err
	}
	sink := &client.MemorySink{}
	mux := http.NewServeMux()
	mux.Handle("/driver/", http.StripPrefix("/driver", driver.New(iss, sink, nil)))
	mux.Handle("/callbacks/", http.StripPrefix("/callbacks", iss.CallbackHandler(nil, sink)))
	issuerSrv := httptest.NewServer(mux)
	for _, n := range networks {
		// Networks call back only where the bundled adapter can answer.
		if a := adapterFor(iss, n); a {
			_ = sim.SetCallbackTarget(n, simulator.CallbackTarget{URL: issuerSrv.URL + "/callbacks/" + n,
				RetrySchedule: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, Timeout: 2 * time.Second})
		}
	}
	return &Target{
		Name: "bundled", Networks: networks,
		Driver:  &Driver{BaseURL: issuerSrv.URL + "/driver", HTTP: issuerSrv.Client()},
		Control: InProcess{Sim: sim}, SimURL: simSrv.URL, HTTP: simSrv.Client(),
		close: func() { issuerSrv.Close(); simSrv.Close(); sim.Close() },
	}, nil
}

// adapterFor reports whether the issuer's adapter for n decodes callbacks.
func adapterFor(iss *client.Issuer, n string) bool {
	return iss.HasCapability(client.Network(n), func(a client.Adapter) bool {
		_, ok := a.(client.CallbackCodec)
		return ok
	})
}

// Ctx is a bounded context for one scenario step.
func Ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
