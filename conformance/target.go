package conformance

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
	HTTP *http.Client
	// SimTLSURL is the simulator's TLS listener, which requests client
	// certificates (two-way SSL), with TLSHTTP trusting its certificate and
	// presenting none; both empty where the harness does not know one.
	SimTLSURL string
	TLSHTTP   *http.Client
	// Info is what the driver said of the issuer system before the first
	// case (GET /info).
	Info  *Info
	close func()
}

// Close stops what the target started.
func (t *Target) Close() {
	if t.close != nil {
		t.close()
	}
}

// UnderTest reports whether network n is under test.
func (t *Target) UnderTest(n string) bool {
	for _, x := range t.Networks {
		if x == n {
			return true
		}
	}
	return false
}

// BundledOptions shape the bundled target.
type BundledOptions struct {
	Networks []string          // all registered ones when empty
	Settings map[string]string // simulator settings, "<network>.<key>"
	Seed     int64
	// Defect names a deliberate issuer defect for the harness's own
	// mutation tests (see Network.Defects); empty for every real run.
	Defect string
}

// Bundled starts an in-process simulator on 127.0.0.1:0 and the bundled
// client behind the driver contract, for the given networks. Each ginkgo
// process builds its own, so parallel runs never share state.
func Bundled(o BundledOptions) (*Target, error) {
	networks := o.Networks
	if len(networks) == 0 {
		networks = RegisteredNetworks()
	}
	if len(networks) == 0 {
		return nil, errors.New("no network is registered with the harness (import conformance/networks/all)")
	}
	sim, err := simulator.New(simulator.Options{Networks: networks, Settings: o.Settings, Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	simSrv := httptest.NewServer(sim.Handler())
	var tlsSrv *httptest.Server
	for _, id := range networks {
		if n, ok := LookupNetwork(id); ok && n.ClientCertificate != nil && tlsSrv == nil {
			tlsSrv = httptest.NewUnstartedServer(sim.Handler())
			tlsSrv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
			tlsSrv.StartTLS()
		}
	}
	closeSim := func() {
		simSrv.Close()
		if tlsSrv != nil {
			tlsSrv.Close()
		}
		sim.Close()
	}
	var defect Defect
	if o.Defect != "" {
		var ok bool
		if defect, ok = LookupDefect(o.Defect); !ok {
			closeSim()
			return nil, fmt.Errorf("no defect %q", o.Defect)
		}
	}
	var opts []client.Option
	var errs []error
	applied := o.Defect == ""
	resigners := map[string]func(*http.Request) error{}
	for _, id := range networks {
		n, ok := LookupNetwork(id)
		if !ok {
			errs = append(errs, fmt.Errorf("network %s is not registered with the harness (registered: %v)", id, RegisteredNetworks()))
			continue
		}
		creds, base, hc := sim.Credentials(id), simSrv.URL+sim.BasePath(id), simSrv.Client()
		if n.ClientCertificate != nil {
			// The network's two-way SSL: over the TLS listener, with the
			// sandbox client certificate.
			cert, err := n.ClientCertificate(creds)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s client certificate: %w", id, err))
				continue
			}
			tr := tlsSrv.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
			base, hc = tlsSrv.URL+sim.BasePath(id), &http.Client{Transport: tr, Timeout: tlsSrv.Client().Timeout}
		}
		if o.Defect != "" && defect.AppliesTo(n) {
			applied = true
			if defect.Transport != nil {
				hc = &http.Client{Transport: defect.Transport(n, creds, base, hc.Transport), Timeout: hc.Timeout}
			}
			if defect.Unverified {
				u, err := n.Resign(creds)
				if err != nil {
					errs = append(errs, fmt.Errorf("building the %s defect into %s: %w", o.Defect, id, err))
					continue
				}
				creds, resigners[id] = u.Creds, u.Resign
				if u.Transport != nil {
					hc = &http.Client{Transport: u.Transport(hc.Transport), Timeout: hc.Timeout}
				}
			}
		}
		a, err := n.Wire(creds, base, hc)
		if err != nil {
			errs = append(errs, fmt.Errorf("wiring %s: %w", id, err))
			continue
		}
		if o.Defect != "" && defect.AppliesTo(n) && defect.Event != nil {
			a = n.WrapCodec(a, defect.Event)
		}
		opts = append(opts, client.WithAdapter(a))
	}
	if !applied {
		errs = append(errs, fmt.Errorf("no network under test (%v) takes the defect %q", networks, o.Defect))
	}
	if err := errors.Join(errs...); err != nil {
		closeSim()
		return nil, err
	}
	logs := driver.NewLogBuffer(0)
	opts = append(opts, client.WithPollInterval(20*time.Millisecond),
		client.WithRetryPolicy(client.RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}),
		client.WithLogger(slog.New(logs)))
	if defect.Sleep != nil {
		opts = append(opts, client.WithSleep(defect.Sleep))
	}
	log := slog.New(logs)
	iss, err := client.New(opts...)
	if err != nil {
		closeSim()
		return nil, err
	}
	sink := &client.MemorySink{}
	mux := http.NewServeMux()
	issuerSrv := httptest.NewUnstartedServer(mux)
	issuerSrv.Start()
	// The bundled issuer chooses its own identifiers at the networks, as a
	// real issuer does: the cases find its exchanges through the networkIds
	// it reports, never by assuming the harness's refs.
	info := driver.Info{Name: "c2psim bundled issuer client", Version: simulator.Version, Vendor: "c2psim", Callbacks: map[client.Network]string{}}
	dopts := []driver.Option{driver.WithOwnIDs(), driver.WithLogs(logs)}
	var callbackSrvs []*httptest.Server
	for _, n := range networks {
		// Networks call back only where the bundled adapter can answer.
		if decodesCallbacks(iss, n) {
			target := simulator.CallbackTarget{URL: issuerSrv.URL + "/callbacks/" + n, RetrySchedule: CallbackRetries, Timeout: CallbackTimeout}
			if reg, _ := LookupNetwork(n); reg.CallbackTLS != nil {
				// The network calls over mutual TLS: its calls get a TLS
				// listener requiring its client certificate (the issuer's
				// own server certificate is a test one).
				cfg, err := reg.CallbackTLS(sim.Credentials(n))
				if err == nil && o.Defect != "" && defect.CallbackTLS != nil && defect.AppliesTo(reg) {
					cfg = defect.CallbackTLS(cfg)
				}
				if err != nil {
					issuerSrv.Close()
					for _, s := range callbackSrvs {
						s.Close()
					}
					closeSim()
					return nil, fmt.Errorf("%s callback endpoint: %w", n, err)
				}
				s := httptest.NewUnstartedServer(mux)
				s.TLS = cfg
				// Refused handshakes (a case's stranger) are the point.
				s.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
				s.StartTLS()
				callbackSrvs = append(callbackSrvs, s)
				target.URL, target.InsecureSkipVerify = s.URL+"/callbacks/"+n, true
			}
			info.Callbacks[client.Network(n)] = target.URL
			_ = sim.SetCallbackTarget(n, target)
		}
		if reg, _ := LookupNetwork(n); reg.Owner != "" {
			dopts = append(dopts, driver.WithOwner(client.Network(n), reg.Owner))
		}
	}
	var drv http.Handler = driver.New(iss, sink, nil, append(dopts, driver.WithInfo(info))...)
	if defect.Driver != nil {
		drv = defect.Driver(drv, log)
	}
	mux.Handle("/driver/", http.StripPrefix("/driver", drv))
	callbacks := http.StripPrefix("/callbacks", iss.CallbackHandler(nil, sink))
	mux.Handle("/callbacks/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for n, resign := range resigners {
			if strings.HasPrefix(r.URL.Path, "/callbacks/"+n+"/") {
				if err := resign(r); err != nil {
					http.Error(w, "re-signing: "+err.Error(), http.StatusInternalServerError)
					return
				}
			}
		}
		callbacks.ServeHTTP(w, r)
	}))
	t := &Target{
		Name: "bundled", Networks: networks,
		Driver:  &Driver{BaseURL: issuerSrv.URL + "/driver", HTTP: issuerSrv.Client()},
		Control: InProcess{Sim: sim}, SimURL: simSrv.URL, HTTP: simSrv.Client(),
		close: func() {
			issuerSrv.Close()
			for _, s := range callbackSrvs {
				s.Close()
			}
			closeSim()
		},
	}
	if tlsSrv != nil {
		t.SimTLSURL, t.TLSHTTP = tlsSrv.URL, tlsSrv.Client()
	}
	return t, nil
}

// decodesCallbacks reports whether the issuer's adapter for n decodes callbacks.
func decodesCallbacks(iss *client.Issuer, n string) bool {
	return iss.HasCapability(client.Network(n), func(a client.Adapter) bool {
		_, ok := a.(client.CallbackCodec)
		return ok
	})
}

// External targets a running c2psim (admin API) and an issuer driver.
func External(cfg Config) (*Target, error) {
	networks := cfg.Networks
	if len(networks) == 0 {
		networks = RegisteredNetworks()
	}
	return &Target{Name: "external", Networks: networks,
		Driver:  &Driver{BaseURL: cfg.DriverURL, HTTP: http.DefaultClient},
		Control: &AdminControl{BaseURL: cfg.SimulatorURL, HTTP: http.DefaultClient, Token: cfg.SimulatorAdminToken},
		SimURL:  cfg.SimulatorURL, HTTP: http.DefaultClient}, nil
}

// Ctx is a bounded context for one step outside a spec body.
func Ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
