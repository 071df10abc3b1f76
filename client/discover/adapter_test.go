package discover_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/client/pan"
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
	b, _ := pem.Decode([]byte(creds["card-encryption-public-key"].Value))
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return discover.Config{BaseURL: srv.URL + "/discover", ClientID: creds["client-id"].Value, ClientSecret: creds["client-secret"].Value,
		AppSecret: creds["app-secret"].Value, APIPlan: creds["api-plan"].Value, CardKey: pub.(*rsa.PublicKey),
		CardKeyID: creds["card-encryption-public-key"].KeyID, HTTPClient: srv.Client, Now: srv.Sim.Clock().Now}
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
	srv.Clock.Advance(16 * time.Minute) // past the 15-minute token lifetime
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
	if !errors.Is(err, client.ErrIneligible) || !errors.As(err, &ne) || ne.Code != "2003" {
		t.Fatalf("ineligible: %v", err)
	}
	done := wait(t, iss)(iss.EnrolCard(ctx, grace(), card("k2", cardFor(t, srv, "declined"))))
	if done.Status != client.Failed || done.Errors[0].Code != "2005" {
		t.Fatalf("declined: %+v", done)
	}
	cfg := config(t, srv)
	cfg.ClientSecret = "not-the-right-secret-at-all"
	bad, _ := discover.New(cfg)
	if _, err := bad.GetProfile(ctx, "cons-1"); !errors.Is(err, client.ErrAuth) {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestRawRequestsAreRefused(t *testing.T) {
	srv, a, _ := setup(t)
	_, _ = a.GetProfile(context.Background(), "nobody") // fetch a token through the adapter
	tok := srv.Sim.Journal().Find(journal.Query{OperationID: "getToken", Limit: 1})
	if len(tok) != 1 {
		t.Fatal("no token request journalled")
	}
	cfg := config(t, srv)
	send := func(auth, body string, hdr map[string]string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/discover/dci/clicktopay/v1/enrolments", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// A fresh token, fetched by hand.
	treq, _ := http.NewRequest("POST", srv.URL+"/discover/auth/oauth/v2/token", strings.NewReader("grant_type=client_credentials"))
	treq.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tresp, err := srv.Client.Do(treq)
	if err != nil || tresp.StatusCode != 200 {
		t.Fatalf("token: %v %v", tresp, err)
	}
	var tb struct {
		AccessToken string `json:"access_token"`
	}
	_ = jsonDecode(tresp.Body, &tb)
	hdr := map[string]string{"x-dfs-api-plan": cfg.APIPlan, "x-dfs-c-app-cert": cfg.AppSecret}
	clear := `{"consumer":{"consumerId":"c9","firstName":"G","lastName":"H","email":"g@example.com","phone":"12025550143","locale":"en-US","country":"USA"},"card":{"cardId":"k9","encryptedCard":"6445644564456445-in-the-clear"}}`
	for _, tc := range []struct {
		name, auth, body string
		hdr              map[string]string
		status           int
		code             string
	}{
		{"no token", "", clear, hdr, 401, `"1001"`},
		{"unknown token", "Bearer nope", clear, hdr, 401, `"1001"`},
		{"wrong app secret", "Bearer " + tb.AccessToken, clear, map[string]string{"x-dfs-api-plan": cfg.APIPlan, "x-dfs-c-app-cert": "other"}, 403, `"1003"`},
		{"clear card number", "Bearer " + tb.AccessToken, clear, hdr, 400, "must be encrypted"},
	} {
		status, body := send(tc.auth, tc.body, tc.hdr)
		if status != tc.status || !strings.Contains(body, tc.code) || strings.Contains(body, "6445644564456445") {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	// Token per call is visible: every API call notes which token it used.
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrolConsumer", Limit: 1})
	if len(e) != 1 || e[0].Notes["token"] != "#2" {
		t.Fatalf("token note = %+v", e)
	}
}
