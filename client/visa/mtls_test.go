package visa_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// Two-way SSL instead of X-Pay-Token: the adapter sends no apikey and no
// token; the client certificate and the project's HTTP Basic user ID and
// password authenticate it, and neither alone does.
func TestAdapterOverMutualTLS(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, TLS: true, Settings: map[string]string{"visa.asyncDelay": "1ms"}})
	creds := simCredentials(srv)
	pair, err := tls.X509KeyPair([]byte(creds["mtls-client-certificate"].Value), []byte(creds["mtls-client-private-key"].Value))
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Client.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{pair}
	cfg := configFrom(t, srv)
	cfg.APIKey, cfg.SharedSecret, cfg.HTTPClient = "", "", &http.Client{Transport: tr}
	cfg.UserID, cfg.Password = creds["two-way-ssl-user-id"].Value, creds["two-way-ssl-password"].Value
	a, err := visa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithPollInterval(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	op, err := iss.EnrolCard(context.Background(), ada(), card("c1", "4111111145551140"))
	if done := wait(t, iss, op, err); done.Status != client.Succeeded {
		t.Fatalf("enrolment over mutual TLS = %+v", done)
	}
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrollData", Limit: 1})
	if len(e) != 1 || e[0].Principal != "mtls:c2psim-visa-sandbox-client" {
		t.Fatalf("journal = %+v", e)
	}
	// The certificate with a wrong password, and Basic credentials without
	// the certificate: Visa's 401, surfaced as ErrAuth with the gateway code.
	wrong := cfg
	wrong.Password = "not-the-project-password"
	noCert := cfg
	noCert.HTTPClient = srv.Client
	for name, c := range map[string]visa.Config{"wrong password": wrong, "no certificate": noCert} {
		bare, err := visa.New(c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bare.EnrolCard(context.Background(), ada(), card("c2", "4111111145551141"))
		var ne *client.NetworkError
		if !errors.Is(err, client.ErrAuth) || !errors.As(err, &ne) || (ne.Code != "9124" && ne.Code != "9125") {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
