package discover_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/c2psim/c2psim/internal/nodeinterop"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/discover"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// An independent client, written in Node from the developer guide's
// conventions with the jose package and no c2psim code
// (testdata/interop/client.mjs), gets a token (scope, API plan, form-body
// client authentication), enrols a card (second factor JWT, JWS-in-JWE card
// data to the JWKS encryption key), reads it back (certificate second
// factor), suspends it (token-state operation) and receives the
// notification over mutual TLS, verifying Discover's JWS with the JWKS.
func TestAnIndependentClientFromTheDeveloperGuide(t *testing.T) {
	node := nodeinterop.Require(t, "testdata/interop", "jose")
	srv := simtest.Start(t, simtest.Options{Networks: []string{discover.ID}, Settings: map[string]string{"discover.asyncDelay": "200ms"}})
	certPEM, keyPEM := serverCertificate(t)
	var out struct {
		Steps []map[string]any `json:"steps"`
	}
	in := map[string]any{"simulator": srv.URL, "card": "6445644564456445", "notify": map[string]string{"certPem": certPEM, "keyPem": keyPEM}}
	if err := nodeinterop.Run(node, "testdata/interop", in, &out, "client.mjs"); err != nil {
		t.Fatal(err)
	}
	steps := map[string]map[string]any{}
	for _, s := range out.Steps {
		steps[s["name"].(string)] = s
	}
	check := func(step, key string, want any) {
		t.Helper()
		if got := steps[step][key]; got != want {
			t.Errorf("%s.%s = %v, want %v (steps %v)", step, key, got, want, out.Steps)
		}
	}
	check("jwks", "status", float64(200))
	check("token", "status", float64(200))
	check("token", "expiresIn", float64(3600))
	check("enrol", "status", float64(202))
	check("operation", "status", "SUCCEEDED")
	check("operation", "hasPar", true)
	check("profile", "status", float64(200))
	check("suspend", "status", float64(200))
	check("suspend", "tokenStatus", "SUSPENDED")
	cards := func(step string) []any { c, _ := steps[step]["cards"].([]any); return c }
	if c := cards("profile"); len(c) != 1 || c[0].(map[string]any)["status"] != "ACTIVE" || c[0].(map[string]any)["last4"] != "6445" {
		t.Errorf("profile cards %v", c)
	}
	if c := cards("profile-after"); len(c) != 1 || c[0].(map[string]any)["status"] != "SUSPENDED" {
		t.Errorf("profile after the change %v", c)
	}
	got, _ := steps["notification"]["received"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["status"] != "SUSPENDED" || got[0].(map[string]any)["peer"] != "c2psim Discover notifications" {
		t.Errorf("notification %v", got)
	}
	// The simulator saw one token call and the client's calls on it.
	if tok := srv.Sim.Journal().Find(journal.Query{Network: discover.ID, OperationID: "getToken"}); len(tok) != 1 || tok[0].Status != 200 {
		t.Errorf("token calls %d", len(tok))
	}
}

// serverCertificate is the issuer's TLS server certificate for 127.0.0.1.
func serverCertificate(t *testing.T) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "issuer.example"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}
