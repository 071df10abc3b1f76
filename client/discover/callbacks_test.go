package discover_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/simulator"
)

func serverCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "issuer.example"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// Discover's notifications reach the adapter over mutual TLS and decode
// once the JWS verifies with Discover's published key; a forged one, or one
// that did not come over mutual TLS, is refused.
func TestNotificationsOverMutualTLS(t *testing.T) {
	srv, a, iss := setup(t)
	cfg := config(t, srv)
	var ca *x509.Certificate
	for _, c := range srv.Sim.Credentials("discover") {
		if c.Name == "notification-client-ca" {
			b, _ := pem.Decode([]byte(c.Value))
			ca, _ = x509.ParseCertificate(b.Bytes)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	cfg.NotificationCAs = pool
	strict, err := discover.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan *client.NetworkEvent, 4)
	refused := make(chan error, 4)
	endpoint := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := strict.DecodeCallback(r)
		if err != nil {
			refused <- err
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		events <- ev
		_ = strict.WriteReply(w, ev)
	}))
	endpoint.Config.ErrorLog = log.New(io.Discard, "", 0)
	if endpoint.TLS, err = discover.ServerTLSConfig(serverCert(t), pool); err != nil {
		t.Fatal(err)
	}
	endpoint.StartTLS()
	defer endpoint.Close()
	if err := srv.Sim.SetCallbackTarget("discover", simulator.CallbackTarget{URL: endpoint.URL, InsecureSkipVerify: true, RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k := card("k1", "6445644564456445")
	done := wait(t, iss)(iss.EnrolCard(ctx, grace(), k))
	wait(t, iss)(iss.SuspendCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: k, Reason: "LOST"}))
	select {
	case ev := <-events:
		if ev.TokenRef != done.TokenRef || ev.TokenStatus != "SUSPENDED" || ev.CardLast4 != "6445" {
			t.Fatalf("event %+v", ev)
		}
	case err := <-refused:
		t.Fatalf("refused: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}

	// Forged: signed by someone else, sent straight to the decoder.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	body := `{"eventId":"evt-1","consumerId":"cons-1","cardId":"k1","tokenReferenceId":"` + done.TokenRef + `","status":"ACTIVE","reason":"OTHER","occurredAt":"2026-01-15T10:00:00Z"}`
	forge := func(key *rsa.PrivateKey, kid string) *http.Request {
		r := httptest.NewRequest("POST", "/token-events", strings.NewReader(body))
		jwt, _ := secondfactor.Sign(key, kid, []byte(body), srv.Clock.Now())
		r.Header.Set(secondfactor.HeaderJWT, jwt)
		return r
	}
	var sigKid string
	for _, c := range srv.Sim.Credentials("discover") {
		if c.Name == "discover-signing-public-key" {
			sigKid = c.KeyID
		}
	}
	if _, err := a.DecodeCallback(forge(other, sigKid)); !errors.Is(err, client.ErrAuth) {
		t.Fatalf("forged signature: %v", err)
	}
	// No mutual TLS at all, to the adapter that requires it.
	if _, err := strict.DecodeCallback(forge(other, sigKid)); !errors.Is(err, client.ErrAuth) || !strings.Contains(err.Error(), "mutual TLS") {
		t.Fatalf("plain HTTP: %v", err)
	}
}
