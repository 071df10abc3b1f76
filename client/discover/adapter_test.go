package discover_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	_ "github.com/c2psim/c2psim/simulator/networks/discover"
	"github.com/c2psim/c2psim/simulator/simtest"
)

func config(t *testing.T, srv *simtest.Server) discover.Config {
	t.Helper()
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials("discover") {
		creds[c.Name] = c
	}
	key, err := pemkey.ParsePrivate(creds["partner-signing-private-key"].Value)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(creds["app-certificate"].Value))
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return discover.Config{BaseURL: srv.URL + "/discover", ClientID: creds["client-id"].Value, ClientSecret: creds["client-secret"].Value,
		Scope: creds["scope"].Value, APIPlan: creds["api-plan"].Value, SigningKey: key, SigningKeyID: creds["partner-signing-private-key"].KeyID,
		AppCertificate: cert, HTTPClient: srv.Client, Now: srv.Sim.Clock().Now}
}

func setup(t *testing.T) (*simtest.Server, *discover.Adapter, *client.Issuer) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"discover"}, FakeClock: true, Settings: map[string]string{"discover.asyncDelay": "1s"}})
	a, err := discover.New(config(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithClock(srv.Clock.Now),
		// Each poll advances the simulator's clock past the operation delay.
		client.WithSleep(func(context.Context, time.Duration) error { srv.Clock.Advance(time.Second); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return srv, a, iss
}

func grace() client.Consumer {
	return client.Consumer{Ref: "cons-1", FirstName: "Grace", LastName: "Hopper", Emails: []string{"grace@example.com"},
		Phones: []string{"12025550143"}, Locale: "en-US", Country: "USA"}
}

func card(ref, number string) client.Card {
	return client.Card{Ref: ref, PAN: pan.MustParse(number), Expiry: client.Expiry{Year: 2031, Month: 2}, NameOnCard: "Grace Hopper",
		BillingAddress: client.Address{Line1: "1 Navy Way", City: "Arlington", PostalCode: "22201", Country: "USA"}}
}

func wait(t *testing.T, iss *client.Issuer) func(*client.Operation, error) *client.Operation {
	return func(op *client.Operation, err error) *client.Operation {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		done, err := iss.Wait(context.Background(), op)
		if err != nil {
			t.Fatal(err)
		}
		return done
	}
}

func cardFor(t *testing.T, srv *simtest.Server, outcome string) string {
	for _, c := range srv.Sim.Network("discover").(simulator.TestCardLister).TestCards() {
		if c.Outcome == outcome {
			return c.PAN
		}
	}
	t.Fatalf("no %s card", outcome)
	return ""
}

func TestLifecycleWithOneToken(t *testing.T) {
	srv, a, iss := setup(t)
	ctx := context.Background()
	c1, c2 := card("k1", "6445644564456445"), card("k2", srv.Sim.Network("discover").(simulator.TestCardLister).TestCards()[1].PAN)
	if done := wait(t, iss)(iss.EnrolCard(ctx, grace(), c1)); done.Status != client.Succeeded || done.TokenRef == "" {
		t.Fatalf("enrol = %+v", done)
	}
	wait(t, iss)(iss.EnrolCard(ctx, grace(), c2))
	wait(t, iss)(iss.SuspendCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1, Reason: "LOST"}))
	if e, _ := iss.Enrolment(client.Discover, "k1"); e.State != client.StateSuspended {
		t.Fatalf("state = %s", e.State)
	}
	wait(t, iss)(iss.ResumeCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1}))
	wait(t, iss)(iss.DeleteCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1}))
	p, err := iss.GetProfile(ctx, client.Discover, "cons-1")
	if err != nil || len(p.Cards) != 1 || p.Cards[0].CardRef != "k2" || p.Cards[0].PAR == "" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	wait(t, iss)(iss.DeleteConsumer(ctx, client.Discover, "cons-1"))
	if p, _ := iss.GetProfile(ctx, client.Discover, "cons-1"); p.Enrolled {
		t.Fatal("consumer still there")
	}
	if n := a.TokenFetches(); n != 1 {
		t.Fatalf("fetched %d tokens for one session: tokens must be reused (SEC-08)", n)
	}
	tokens := srv.Sim.Journal().Find(journal.Query{OperationID: "getToken"})
	if len(tokens) != 1 {
		t.Fatalf("journal shows %d token requests", len(tokens))
	}
}

func TestExpiredTokenIsReplaced(t *testing.T) {
	srv, a, iss := setup(t)
	ctx := context.Background()
	wait(t, iss)(iss.EnrolCard(ctx, grace(), card("k1", "6445644564456445")))
	srv.Clock.Advance(61 * time.Minute) // past the hour a token lasts (expires_in 3600)
	if _, err := iss.GetProfile(ctx, client.Discover, "cons-1"); err != nil {
		t.Fatal(err)
	}
	if a.TokenFetches() != 2 {
		t.Fatalf("token fetches = %d, want a refresh after expiry", a.TokenFetches())
	}
}

func TestErrorsMapToTheUnifiedModel(t *testing.T) {
	srv, _, iss := setup(t)
	ctx := context.Background()
	_, err := iss.EnrolCard(ctx, grace(), card("k1", cardFor(t, srv, "ineligible")))
	var ne *client.NetworkError
	if !errors.Is(err, client.ErrIneligible) || !errors.As(err, &ne) || ne.Code != "10002" || ne.HTTPStatus != 400 {
		t.Fatalf("ineligible: %v", err)
	}
	done := wait(t, iss)(iss.EnrolCard(ctx, grace(), card("k2", cardFor(t, srv, "declined"))))
	if done.Status != client.Failed || done.Errors[0].Code != "10007" || done.Errors[0].Retryable {
		t.Fatalf("declined: %+v", done)
	}
	cfg := config(t, srv)
	cfg.ClientSecret = "not-the-right-secret-at-all"
	bad, _ := discover.New(cfg)
	if _, err := bad.GetProfile(ctx, "cons-1"); !errors.Is(err, client.ErrAuth) {
		t.Fatalf("wrong secret: %v", err)
	}
}
