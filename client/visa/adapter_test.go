package visa_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	_ "github.com/c2psim/c2psim/simulator/networks/visa"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// configFrom builds the adapter's configuration from the simulator's
// sandbox credentials, as an issuer would from its Visa project.
func configFrom(t *testing.T, srv *simtest.Server) visa.Config {
	t.Helper()
	creds := map[string]string{}
	for _, c := range srv.Sim.Credentials("visa") {
		creds[c.Name] = c.Value
	}
	pb, _ := pem.Decode([]byte(creds["mle-server-public-key"]))
	pub, err := x509.ParsePKIXPublicKey(pb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode([]byte(creds["mle-client-private-key"]))
	priv, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return visa.Config{
		BaseURL: srv.URL + srv.Sim.BasePath("visa"), APIKey: creds["api-key"], SharedSecret: creds["shared-secret"],
		KeyID: creds["mle-key-id"], ServerKey: pub.(*rsa.PublicKey), ClientKey: priv.(*rsa.PrivateKey), BID: "10000001",
		HTTPClient: srv.Client, Now: srv.Sim.Clock().Now,
	}
}

func setup(t *testing.T) (*simtest.Server, *client.Issuer) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, Settings: map[string]string{"visa.asyncDelay": "1ms"}})
	a, err := visa.New(configFrom(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithPollInterval(2*time.Millisecond),
		client.WithRetryPolicy(client.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, iss
}

func ada() client.Consumer {
	return client.Consumer{Ref: "cons-1", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

func card(ref, number string) client.Card {
	return client.Card{Ref: ref, PAN: pan.MustParse(number), Expiry: client.Expiry{Year: 2030, Month: 8}, NameOnCard: "Ada Lovelace",
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

func wait(t *testing.T, iss *client.Issuer, op *client.Operation, err error) *client.Operation {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done, err := iss.Wait(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

func TestAdapterAgainstTheSimulator(t *testing.T) {
	_, iss := setup(t)
	ctx := context.Background()
	c1, c2 := card("c1", "4111111145551140"), card("c2", "4111111111111111")

	op, err := iss.EnrolCard(ctx, ada(), c1)
	if op != nil && op.Status != client.Pending {
		t.Fatalf("a 202 must be pending: %+v", op)
	}
	if done := wait(t, iss, op, err); done.Status != client.Succeeded || done.TokenRef == "" {
		t.Fatalf("enrolment outcome = %+v", done)
	}
	// The second card goes through enrollPaymentInstruments, not a second enrollData.
	op, err = iss.EnrolCard(ctx, ada(), c2)
	wait(t, iss, op, err)
	p, err := iss.GetProfile(ctx, client.Visa, "cons-1")
	if err != nil || !p.Enrolled || len(p.Cards) != 2 || p.Cards[0].TokenRef == "" || p.Cards[0].PAR == "" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	renewed := c1
	renewed.Expiry = client.Expiry{Year: 2033, Month: 1}
	op, err = iss.UpdateCard(ctx, "cons-1", renewed)
	wait(t, iss, op, err)
	op, err = iss.DeleteCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1})
	wait(t, iss, op, err)
	if e, _ := iss.Enrolment(client.Visa, "c1"); e.State != client.StateOptedOut {
		t.Fatalf("c1 state = %s", e.State)
	}
	if e, _ := iss.Enrolment(client.Visa, "c2"); e.State != client.StateActive {
		t.Fatalf("c2 state = %s", e.State)
	}
	op, err = iss.DeleteConsumer(ctx, client.Visa, "cons-1")
	wait(t, iss, op, err)
	if p, _ := iss.GetProfile(ctx, client.Visa, "cons-1"); p.Enrolled {
		t.Fatalf("consumer still enrolled: %+v", p)
	}
	if _, err := iss.SuspendCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c2}); !errors.Is(err, client.ErrUnsupported) {
		t.Fatalf("suspend on VICA: %v", err)
	}
}

func TestAdapterMapsVisaErrors(t *testing.T) {
	srv, iss := setup(t)
	ctx := context.Background()
	nonVisa := card("c9", "5186001700008785")
	nonVisa.Network = client.Visa
	_, err := iss.EnrolCard(ctx, ada(), nonVisa)
	var ne *client.NetworkError
	if !errors.Is(err, client.ErrIneligible) || !errors.As(err, &ne) || ne.Code != "VIDC-2006" || ne.Retryable {
		t.Fatalf("non-Visa card: %v", err)
	}
	// A service error is retried; the retry succeeds.
	if _, err := srv.Sim.AddFault(fault.Rule{Network: "visa", Operation: "enrollData", Status: 503, Code: "VIDC-5000", Times: 1}); err != nil {
		t.Fatal(err)
	}
	op, err := iss.EnrolCard(ctx, ada(), card("c1", "4111111145551140"))
	wait(t, iss, op, err)
	// Asynchronous failure of one item: the operation fails with the VIDC code.
	var slowFail string
	for _, tc := range srv.Sim.Network("visa").(simulator.TestCardLister).TestCards() {
		if tc.Outcome == "VIDC-7000" {
			slowFail = tc.PAN
		}
	}
	op, err = iss.EnrolCard(ctx, ada(), card("c2", slowFail))
	done := wait(t, iss, op, err)
	if done.Status != client.Failed || len(done.Errors) != 1 || done.Errors[0].Code != "VIDC-7000" {
		t.Fatalf("item failure = %+v", done)
	}
	// Wrong credentials: an authentication error, not retried.
	cfg := configFrom(t, srv)
	cfg.SharedSecret = "not-the-project-secret"
	bad, _ := visa.New(cfg)
	if _, err := bad.EnrolCard(ctx, ada(), card("c3", "4111111111111111")); !errors.Is(err, client.ErrAuth) {
		t.Fatalf("bad secret: %v", err)
	}
}

func TestConfigErrorsAreReportedTogether(t *testing.T) {
	_, err := visa.New(visa.Config{BaseURL: "ftp://x", APIKey: "k"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"http(s)", "shared secret", "MLE", "BID"} {
		if !contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
