package discover_test

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/discover/jwks"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/discover"
)

type delivery struct {
	peer     string
	verified error
	body     map[string]any
	reqID    string
}

// issuerEndpoint is the issuer's notification endpoint: mutual TLS with the
// CA Discover hands out, and Discover's JWS verified with the JWKS key.
func issuerEndpoint(t *testing.T, p *partner, trust *x509.CertPool) (*httptest.Server, <-chan delivery) {
	t.Helper()
	resp, err := p.srv.Client.Get(p.srv.URL + base + jwks.Path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	set, err := jwks.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	v := &secondfactor.Verifier{Keys: func(kid string) (*rsa.PublicKey, bool) { return set.Find(kid, jwks.UseSig) }, Now: p.srv.Clock.Now}
	got := make(chan delivery, 16)
	issuer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		d := delivery{reqID: r.Header.Get("X-Request-ID")}
		if len(r.TLS.PeerCertificates) > 0 {
			d.peer = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		_, d.verified = v.Verify(r.Header.Get(secondfactor.HeaderJWT), raw)
		_ = json.Unmarshal(raw, &d.body)
		got <- d
		if d.verified != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	issuer.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of one test
	issuer.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: trust, MinVersion: tls.VersionTLS12}
	issuer.StartTLS()
	t.Cleanup(issuer.Close)
	if err := p.srv.Sim.SetCallbackTarget(discover.ID, simulator.CallbackTarget{URL: issuer.URL, InsecureSkipVerify: true,
		RetrySchedule: []time.Duration{time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	return issuer, got
}

func discoverCA(t *testing.T, p *partner) *x509.CertPool {
	b, _ := pem.Decode([]byte(p.creds["notification-client-ca"].Value))
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool
}

func next(t *testing.T, got <-chan delivery) delivery {
	t.Helper()
	select {
	case d := <-got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no notification reached the issuer")
	}
	return delivery{}
}

// The issuer's own token change is notified over mutual TLS with Discover's
// client certificate and a JWS that verifies with Discover's published key.
func TestNotificationsAreMutualTLSAndSigned(t *testing.T) {
	_, p := start(t)
	_, got := issuerEndpoint(t, p, discoverCA(t, p))
	tok := p.enrolled("c1", "k1", "6445644564456445")
	a := p.call("POST", "/globalpymt/ddx/stored-payment-token/operations/v1/token/state",
		map[string]any{"requestId": "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35", "tokenReferenceId": tok, "operationType": "Suspend", "reason": "LOST"}, false)
	expect(t, a, 200, "")
	d := next(t, got)
	if d.verified != nil || d.peer != "c2psim Discover notifications" || d.body["status"] != "SUSPENDED" || d.body["tokenReferenceId"] != tok || len(d.reqID) != 36 {
		t.Fatalf("delivery %+v", d)
	}
}

// A network change whose first delivery carries a signature that does not
// verify is refused by the issuer and redelivered, signed properly.
func TestAGlitchedSignatureIsRedelivered(t *testing.T) {
	_, p := start(t)
	_, got := issuerEndpoint(t, p, discoverCA(t, p))
	p.enrolled("c1", "k1", "6445644564456445")
	res, err := p.srv.Sim.Network(discover.ID).(simulator.Triggerer).Trigger(context.Background(), "tokenStatusChange",
		map[string]any{"consumerId": "c1", "cardId": "k1", "status": "SUSPENDED", "glitch": true})
	if err != nil || res["attempts"] != 2 {
		t.Fatalf("trigger: %v %v", res, err)
	}
	first, second := next(t, got), next(t, got)
	if first.verified == nil || second.verified != nil || first.reqID == second.reqID || first.body["eventId"] != second.body["eventId"] {
		t.Fatalf("deliveries %+v / %+v", first, second)
	}
}

// An issuer that does not trust Discover's certificate authority refuses
// the connection: nothing is delivered.
func TestAnIssuerTrustingAnotherCAGetsNothing(t *testing.T) {
	_, p := start(t)
	other := x509.NewCertPool()
	other.AddCert(selfSigned(t))
	_, got := issuerEndpoint(t, p, other)
	p.enrolled("c1", "k1", "6445644564456445")
	if _, err := p.srv.Sim.Network(discover.ID).(simulator.Triggerer).Trigger(context.Background(), "tokenStatusChange",
		map[string]any{"consumerId": "c1", "cardId": "k1", "status": "SUSPENDED"}); err == nil {
		t.Fatal("a delivery succeeded over a TLS connection the issuer refuses")
	}
	select {
	case d := <-got:
		t.Fatalf("the issuer's handler ran: %+v", d)
	default:
	}
}
