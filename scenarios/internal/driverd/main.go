// Command driverd runs the bundled issuer client as a separate issuer
// system in front of a running c2psim: it reads the sandbox credentials from
// the simulator's admin API, serves openapi/driver.yaml at /driver and the
// networks' callbacks at /callbacks/<network> (a network that calls over
// mutual TLS, Discover, on a TLS listener of its own requiring the
// network's client certificate), and names those callback URLs in GET
// /driver/info for the harness to register. With --own-ids the issuer
// chooses its own consumer and card identifiers at the networks. The
// harness's external mode is tested against it.
//
//	driverd --simulator http://127.0.0.1:8080 --addr 127.0.0.1:9090 [--own-ids] [--wait 30s]
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/driver"
	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/conformance/networks/all"
	"github.com/c2psim/c2psim/simulator"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "driverd:", err)
		os.Exit(2)
	}
}

func run() error {
	simURL := flag.String("simulator", "", "base URL of the running c2psim")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	networks := flag.String("networks", strings.Join(conformance.RegisteredNetworks(), ","), "networks to drive")
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for the simulator to listen")
	ownIDs := flag.Bool("own-ids", false, "choose the issuer's own consumer and card identifiers instead of the harness's refs")
	flag.Parse()
	if !strings.HasPrefix(*simURL, "http") {
		return errors.New("--simulator http://host:port is required")
	}
	ctx := context.Background()
	ctl := &conformance.AdminControl{BaseURL: *simURL, HTTP: http.DefaultClient, Token: os.Getenv("C2PSIM_ADMIN_TOKEN")}
	bases, err := basePaths(*simURL)
	if err != nil && errors.Is(err, syscall.ECONNREFUSED) {
		// Started beside the simulator (make run compiling it): ask again
		// every 250 ms until it listens or --wait has passed.
		tick := time.NewTicker(250 * time.Millisecond)
		giveUp := time.After(*wait)
	waiting:
		for err != nil && errors.Is(err, syscall.ECONNREFUSED) {
			select {
			case <-giveUp:
				break waiting
			case <-tick.C:
				bases, err = basePaths(*simURL)
			}
		}
		tick.Stop()
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	self := "http://" + ln.Addr().String()
	// Networks that call over mutual TLS get a TLS listener of their own,
	// requiring the network's client certificate.
	type tlsCallbacks struct {
		network string
		ln      net.Listener
		cfg     *tls.Config
	}
	var secured []tlsCallbacks
	var opts []client.Option
	info := driver.Info{Name: "driverd (c2psim bundled issuer client)", Version: simulator.Version, Vendor: "c2psim", Callbacks: map[client.Network]string{}}
	var dopts []driver.Option
	for _, n := range strings.Split(*networks, ",") {
		creds, err := ctl.Credentials(ctx, n)
		if err != nil {
			return err
		}
		reg, ok := conformance.LookupNetwork(n)
		if !ok {
			return fmt.Errorf("network %q is not registered with the harness (registered: %v)", n, conformance.RegisteredNetworks())
		}
		a, err := reg.Wire(creds, *simURL+bases[n], http.DefaultClient)
		if err != nil {
			return fmt.Errorf("wiring %s: %w", n, err)
		}
		opts = append(opts, client.WithAdapter(a))
		info.Callbacks[client.Network(n)] = self + "/callbacks/" + n
		if reg.CallbackTLS != nil {
			cfg, err := reg.CallbackTLS(creds)
			if err != nil {
				return fmt.Errorf("%s callback endpoint: %w", n, err)
			}
			if cfg.Certificates, err = selfSigned(); err != nil {
				return err
			}
			tln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			url := "https://" + tln.Addr().String() + "/callbacks/" + n
			// The issuer's server certificate is its own test one: the
			// simulator takes it unverified, and the harness keeps that.
			if err := ctl.SetCallback(ctx, n, simulator.CallbackTarget{URL: url, InsecureSkipVerify: true}); err != nil {
				return fmt.Errorf("registering %s's callback URL: %w", n, err)
			}
			info.Callbacks[client.Network(n)] = url
			secured = append(secured, tlsCallbacks{n, tln, cfg})
		}
		if reg.Owner != "" {
			dopts = append(dopts, driver.WithOwner(client.Network(n), reg.Owner))
		}
	}
	if *ownIDs {
		dopts = append(dopts, driver.WithOwnIDs())
	}
	logs := driver.NewLogBuffer(0)
	opts = append(opts, client.WithLogger(slog.New(logs)))
	dopts = append(dopts, driver.WithLogs(logs), driver.WithInfo(info))
	opts = append(opts, client.WithPollInterval(20*time.Millisecond),
		client.WithRetryPolicy(client.RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}))
	iss, err := client.New(opts...)
	if err != nil {
		return err
	}
	sink := &client.MemorySink{}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mux := http.NewServeMux()
	mux.Handle("/driver/", http.StripPrefix("/driver", driver.New(iss, sink, log, dopts...)))
	mux.Handle("/callbacks/", http.StripPrefix("/callbacks", iss.CallbackHandler(nil, sink)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("driverd ready %s/driver\n", self)
	sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-sig.Done(); _ = srv.Shutdown(context.Background()) }()
	for _, sc := range secured {
		// Refused handshakes (the harness's strangers) are the point.
		ts := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, TLSConfig: sc.cfg, ErrorLog: stdlog.New(io.Discard, "", 0)}
		go func() { _ = ts.Serve(tls.NewListener(sc.ln, sc.cfg)) }()
		go func() { <-sig.Done(); _ = ts.Shutdown(context.Background()) }()
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func basePaths(simURL string) (map[string]string, error) {
	req, _ := http.NewRequest(http.MethodGet, simURL+"/_admin/networks", nil)
	resp, err := http.DefaultClient.Do(withAdminToken(req))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("GET %s/_admin/networks: %s: %s (an admin token goes in C2PSIM_ADMIN_TOKEN)", simURL, resp.Status, strings.TrimSpace(string(b)))
	}
	var infos []simulator.NetworkInfo
	if err := json.NewDecoder(resp.Body).Decode(&infos); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, i := range infos {
		out[i.ID] = i.BasePath
	}
	return out, nil
}

// withAdminToken adds the simulator's admin token (C2PSIM_ADMIN_TOKEN), when
// it has one.
func withAdminToken(r *http.Request) *http.Request {
	if tok := os.Getenv("C2PSIM_ADMIN_TOKEN"); tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

// selfSigned makes the server certificate of a TLS callback listener.
func selfSigned() ([]tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "driverd"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, nil
}
