// Package simtest starts an in-process simulator on 127.0.0.1:0 for tests, in
// strict mode: every response the simulator sends must match its document,
// and any finding (a mismatch, a handler error, a panic) fails the test.
//
//	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true})
//	resp, err := srv.Client.Post(srv.URL+"/visa/visaIdCredential/v1/enrollData", ...)
//	srv.Clock.Advance(3 * time.Second) // fires the network's pending timers
package simtest

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// Epoch is where a fake clock starts unless Options.Start says otherwise.
var Epoch = time.Date(2026, time.January, 15, 10, 0, 0, 0, time.UTC)

// Options configure Start.
type Options struct {
	// Networks to mount by registered ID (blank-import the plugins); nil
	// mounts every registered network, an empty non-nil slice none.
	Networks []string
	// Extra networks to mount (spec-only networks, test doubles).
	Extra []simulator.Network
	// Settings for plugins, "<network>.<key>" → value.
	Settings map[string]string
	// Seed for identifiers; 0 means 1, so tests are reproducible.
	Seed int64
	// FakeClock uses a clock that only moves when the test advances it.
	FakeClock bool
	// Start is the fake clock's starting time (default Epoch).
	Start time.Time
	// TLS serves HTTPS and requests (but does not require) client
	// certificates, for networks that authenticate callers by mutual TLS.
	TLS bool
	// MaxBodyBytes overrides the request body limit.
	MaxBodyBytes int64
	// Admin protects the admin API (hosts, origins, token).
	Admin simulator.AdminOptions
	// CallbackNetworks are private address ranges callbacks may reach.
	CallbackNetworks []netip.Prefix
	// Store is the state store (nil: a fresh in-memory one), for tests and
	// benchmarks that seed state directly.
	Store store.Store
	// AllowFindings turns strict mode off: findings are kept but do not fail
	// the test (for tests that provoke them on purpose).
	AllowFindings bool
}

// Server is a running simulator.
type Server struct {
	URL    string
	Sim    *simulator.Simulator
	Clock  *simulator.FakeClock // nil unless Options.FakeClock
	HTTP   *httptest.Server
	Client *http.Client // trusts the server's certificate when TLS is on
}

// Start builds and starts a simulator; it is stopped when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	opts := simulator.Options{
		Networks:         o.Networks,
		Extra:            o.Extra,
		Settings:         o.Settings,
		Seed:             o.Seed,
		MaxBodyBytes:     o.MaxBodyBytes,
		Admin:            o.Admin,
		CallbackNetworks: o.CallbackNetworks,
		Store:            o.Store,
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	srv := &Server{}
	if o.FakeClock {
		start := o.Start
		if start.IsZero() {
			start = Epoch
		}
		srv.Clock = simulator.NewFakeClock(start)
		opts.Clock = srv.Clock
	}
	sim, err := simulator.New(opts)
	if err != nil {
		t.Fatalf("starting simulator: %v", err)
	}
	srv.Sim = sim
	hs := httptest.NewUnstartedServer(sim.Handler())
	if o.TLS {
		hs.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
		hs.StartTLS()
	} else {
		hs.Start()
	}
	srv.HTTP, srv.URL, srv.Client = hs, hs.URL, hs.Client()
	t.Cleanup(func() {
		hs.Close()
		sim.Close()
		if o.AllowFindings {
			return
		}
		for _, f := range sim.Findings() {
			t.Errorf("simulator finding: %s", f)
		}
	})
	return srv
}

// Reset forgets state, journal and faults between cases.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	if err := s.Sim.Reset(context.Background()); err != nil {
		t.Fatalf("reset: %v", err)
	}
}
