package mastercard_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/mastercard"
	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
	mcnet "github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

const (
	sampleCard = "5186001700008785"
	secondCard = "5186001700009726"
)

func config(t *testing.T, srv *simtest.Server) mastercard.Config {
	t.Helper()
	creds := map[string]string{}
	for _, c := range srv.Sim.Credentials(mcnet.ID) {
		creds[c.Name] = c.Value
	}
	priv := func(name string) *rsa.PrivateKey {
		b, _ := pem.Decode([]byte(creds[name]))
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return k.(*rsa.PrivateKey)
	}
	b, _ := pem.Decode([]byte(creds["encryption-public-key"]))
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return mastercard.Config{BaseURL: srv.URL + "/mastercard", ConsumerKey: creds["consumer-key"], SigningKey: priv("signing-private-key"),
		EncryptionKey: pub.(*rsa.PublicKey), SrcClientID: creds["src-client-id"], ServiceID: creds["service-id"],
		DirectoryID: creds["directory-id"], DecryptionKey: priv("issuer-fle-private-key"), HTTPClient: srv.Client, Now: srv.Clock.Now}
}

func setup(t *testing.T) (*simtest.Server, *mastercard.Adapter, *client.Issuer) {
	t.Helper()
	srv := simtest.Start(t, simtest.Options{Networks: []string{mcnet.ID}, FakeClock: true})
	a, err := mastercard.New(config(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithClock(srv.Clock.Now),
		// Each poll moves the simulator's clock on, so batches complete.
		client.WithSleep(func(context.Context, time.Duration) error { srv.Clock.Advance(time.Second); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return srv, a, iss
}

func ada() client.Consumer {
	return client.Consumer{Ref: "cons-1", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

func card(ref, number string) client.Card {
	return client.Card{Ref: ref, PAN: pan.MustParse(number), Expiry: client.Expiry{Year: 2030, Month: 8}, NameOnCard: "Ada Lovelace",
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

func TestNewReportsEveryMissingSetting(t *testing.T) {
	_, err := mastercard.New(mastercard.Config{BaseURL: "ftp://x"})
	if err == nil {
		t.Fatal("an empty configuration was accepted")
	}
	for _, want := range []string{"base URL", "consumer key", "encryption public key", "srcClientId", "Credential Directory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestLifecycleThroughTheIssuer(t *testing.T) {
	srv, _, iss := setup(t)
	ctx := context.Background()
	op, err := iss.EnrolCard(ctx, ada(), card("k1", sampleCard))
	if err != nil || op.Status != client.Succeeded {
		t.Fatalf("EnrolCard = %+v, %v", op, err)
	}
	if op, err = iss.EnrolCard(ctx, ada(), card("k2", secondCard)); err != nil || op.Kind != client.KindAddCard {
		t.Fatalf("second card = %+v, %v", op, err)
	}
	p, err := iss.GetProfile(ctx, client.Mastercard, "cons-1")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enrolled || len(p.Cards) != 2 || p.Phones[0] != "447700900123" {
		t.Fatalf("profile = %+v", p)
	}
	for _, c := range p.Cards {
		if c.BIN != "518600" || c.TokenRef == "" || c.Status != "ACTIVE" {
			t.Errorf("card read back as %+v: encrypted card data not decrypted or token missing", c)
		}
	}
	puts := srv.Sim.Journal().Find(journal.Query{Network: mcnet.ID, OperationID: "putCard"})
	if len(puts) != 2 {
		t.Fatalf("%d putCard calls, want 2", len(puts))
	}
	for _, e := range puts {
		if !strings.Contains(e.RequestBody, `"externalConsumerId":"cons-1"`) || !strings.Contains(e.RequestBody, `"countryCode":"44"`) {
			t.Errorf("putCard body lacks the stable consumer ID or the split mobile number: %s", e.RequestBody)
		}
	}

	renewed := card("k1", sampleCard)
	renewed.Expiry = client.Expiry{Year: 2033, Month: 1}
	if _, err := iss.UpdateCard(ctx, "cons-1", renewed); err != nil {
		t.Fatalf("UpdateCard: %v", err)
	}
	act := client.CardAction{ConsumerRef: "cons-1", Card: card("k1", sampleCard), Reason: "STOLEN"}
	if _, err := iss.SuspendCard(ctx, act); err != nil {
		t.Fatalf("SuspendCard: %v", err)
	}
	if _, err := iss.SuspendCard(ctx, act); !errors.Is(err, client.ErrIllegalTransition) {
		t.Fatalf("suspending a suspended token = %v", err)
	}
	act.Reason = "FOUND"
	if _, err := iss.ResumeCard(ctx, act); err != nil {
		t.Fatalf("ResumeCard: %v", err)
	}
	if _, err := iss.DeleteCard(ctx, act); err != nil {
		t.Fatalf("DeleteCard: %v", err)
	}
	if p, _ = iss.GetProfile(ctx, client.Mastercard, "cons-1"); len(p.Cards) != 1 || p.Cards[0].Last4 != secondCard[12:] {
		t.Fatalf("after deleting k1: %+v", p)
	}
	updated := ada()
	updated.LastName = "King"
	if _, err := iss.UpdateConsumer(ctx, updated); err != nil {
		t.Fatalf("UpdateConsumer: %v", err)
	}
	if p, _ = iss.GetProfile(ctx, client.Mastercard, "cons-1"); p.LastName != "King" {
		t.Fatalf("consumer update not applied: %+v", p)
	}
	if _, err := iss.DeleteConsumer(ctx, client.Mastercard, "cons-1"); err != nil {
		t.Fatalf("DeleteConsumer: %v", err)
	}
	if p, err = iss.GetProfile(ctx, client.Mastercard, "cons-1"); err != nil || p.Enrolled {
		t.Fatalf("after deleting the consumer: %+v, %v", p, err)
	}
	sus := srv.Sim.Journal().Find(journal.Query{Network: mcnet.ID, OperationID: "suspendToken"})
	if len(sus) == 0 || !strings.Contains(sus[len(sus)-1].RequestBody, `"ReasonCode":"S"`) {
		t.Fatalf("suspend did not carry the MDES reason code S: %+v", sus)
	}
}

func TestAutomaticEnrolmentGoesThroughABatch(t *testing.T) {
	srv, _, iss := setup(t)
	ctx := context.Background()
	op, err := iss.AutoEnrolCard(ctx, ada(), card("k1", sampleCard))
	if err != nil || op.Status != client.Pending {
		t.Fatalf("AutoEnrolCard = %+v, %v", op, err)
	}
	if got := srv.Sim.Journal().Find(journal.Query{Network: mcnet.ID, OperationID: "batchCredentialsInDirectory"}); len(got) != 1 {
		t.Fatalf("%d batch submissions, want 1", len(got))
	}
	done, err := iss.Wait(ctx, op)
	if err != nil || done.Status != client.Succeeded || done.TokenRef == "" {
		t.Fatalf("Wait = %+v, %v", done, err)
	}
	if e, _ := iss.Enrolment(client.Mastercard, "k1"); e.State != client.StateActive {
		t.Fatalf("enrolment state %s after the batch succeeded", e.State)
	}

	bad := ada()
	bad.Ref = "cons-2"
	op, err = iss.AutoEnrolCard(ctx, bad, card("k9", "5186001700004222"))
	if err != nil {
		t.Fatal(err)
	}
	done, err = iss.Wait(ctx, op)
	if err != nil || done.Status != client.Failed || len(done.Errors) != 1 || done.Errors[0].Code != "CARD_INELIGIBLE" {
		t.Fatalf("an ineligible record = %+v, %v", done, err)
	}
}

func TestRefusalsMapToTheUnifiedErrors(t *testing.T) {
	srv, a, iss := setup(t)
	ctx := context.Background()
	// A card enrolled in another profile stays "already enrolled" through the
	// Issuer's add-card fallback (there is no such consumer to add it to).
	if _, err := iss.EnrolCard(ctx, ada(), card("elsewhere", "5186001700004099")); !errors.Is(err, client.ErrAlreadyEnrolled) {
		t.Fatalf("a card enrolled elsewhere = %v, want ErrAlreadyEnrolled", err)
	}
	if _, err := a.EnrolCard(ctx, ada(), card("k1", "5186001700004222")); !errors.Is(err, client.ErrIneligible) || client.Retryable(err) {
		t.Fatalf("ineligible card = %v", err)
	}
	srv.Sim.AddFault(fault.Rule{Network: mcnet.ID, Operation: "putCard", Status: http.StatusUnauthorized, Code: "AUTHENTICATION_FAILED", Times: 1})
	if _, err := a.EnrolCard(ctx, ada(), card("k1", sampleCard)); !errors.Is(err, client.ErrAuth) || client.Retryable(err) {
		t.Fatalf("401 = %v", err)
	}
	srv.Sim.AddFault(fault.Rule{Network: mcnet.ID, Operation: "putCard", Status: http.StatusTooManyRequests, Times: 1})
	if _, err := a.EnrolCard(ctx, ada(), card("k1", sampleCard)); !client.Retryable(err) {
		t.Fatalf("429 = %v, want retryable", err)
	}
	if _, err := a.EnrolCard(ctx, ada(), card("k1", sampleCard)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.EnrolCard(ctx, ada(), card("k1", sampleCard)); !errors.Is(err, client.ErrAlreadyEnrolled) {
		t.Fatalf("enrolling twice = %v", err)
	}
	if _, err := a.ResumeCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: card("k1", sampleCard)}); !errors.Is(err, client.ErrIllegalTransition) {
		t.Fatalf("resuming an active token = %v", err)
	}
	if _, err := a.SuspendCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: card("k2", secondCard)}); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("suspending a card Mastercard never saw = %v", err)
	}
	if p, err := a.GetProfile(ctx, "nobody"); err != nil || p.Enrolled {
		t.Fatalf("unknown consumer = %+v, %v", p, err)
	}
}

func TestCallbacksReachTheIssuer(t *testing.T) {
	srv, _, iss := setup(t)
	sink := &client.MemorySink{}
	hs := httptest.NewServer(http.StripPrefix("/callbacks", iss.CallbackHandler(nil, sink)))
	t.Cleanup(hs.Close)
	if err := srv.Sim.SetCallbackTarget(mcnet.ID, simulator.CallbackTarget{URL: hs.URL + "/callbacks/mastercard"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if op, err := iss.EnrolCard(ctx, ada(), card("k1", sampleCard)); err != nil || op.Status != client.Succeeded {
		t.Fatalf("EnrolCard = %+v, %v", op, err)
	}
	evs := sink.Events()
	if len(evs) != 1 || evs[0].Type != client.EventTokenizationAuth || evs[0].Decision != client.Approve || evs[0].CardLast4 != "8785" {
		t.Fatalf("Authorize Service events = %+v", evs)
	}
	if _, err := iss.SuspendCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: card("k1", sampleCard), Reason: "LOST"}); err != nil {
		t.Fatal(err)
	}
	// Notify Token Updated follows the suspension on the simulator's clock.
	srv.Clock.Advance(0)
	g := gomega.NewWithT(t)
	g.Eventually(func() string {
		for _, ev := range sink.Events() {
			if ev.Type == client.EventTokenStatusChanged {
				return ev.TokenStatus
			}
		}
		return ""
	}).Should(gomega.Equal("SUSPENDED"), "no Notify Token Updated for the suspension")
	if e, _ := iss.Enrolment(client.Mastercard, "k1"); e.State != client.StateSuspended {
		t.Fatalf("enrolment state %s after the suspension was notified", e.State)
	}
}

func TestCallbacksForAnotherKeyAreRefused(t *testing.T) {
	_, a, _ := setup(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	env, err := encryption.SealFLE([]byte(`{"cardAccountData":{"accountNumber":"5186001700008785","expiryMonth":"08","expiryYear":"30"}}`), &other.PublicKey, "SHA256")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"requestId": "1", "accountPanSuffix": "8785",
		"fundingAccountInfo": map[string]any{"tokenUniqueReference": "DM4MMC1", "encryptedPayload": env}})
	r := httptest.NewRequest(http.MethodPost, "/mastercard/authorizeService", bytes.NewReader(body))
	if _, err := a.DecodeCallback(r); !errors.Is(err, client.ErrAuth) {
		t.Fatalf("an envelope for another key = %v, want ErrAuth", err)
	}
	r = httptest.NewRequest(http.MethodPost, "/mastercard/somethingElse", bytes.NewReader(body))
	if _, err := a.DecodeCallback(r); err == nil {
		t.Fatal("an unknown call was decoded")
	}
}

func TestNotifyTokenUpdatedAppliesEveryToken(t *testing.T) {
	srv, _, iss := setup(t)
	ctx := context.Background()
	var refs []string
	for _, k := range []client.Card{card("k1", sampleCard), card("k2", secondCard)} {
		op, err := iss.EnrolCard(ctx, ada(), k)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, op.TokenRef)
	}
	_ = srv
	// Tokens in clear, as the Issuer Outbound API sends them.
	body, _ := json.Marshal(map[string]any{"requestId": "ntu-1", "reasonCode": "STATUS_UPDATE", "tokens": []map[string]any{
		{"tokenUniqueReference": refs[0], "status": "SUSPENDED", "suspendedBy": []string{"ISSUER"}},
		{"tokenUniqueReference": refs[1], "status": "SUSPENDED", "suspendedBy": []string{"TOKEN_REQUESTOR", "ISSUER"}},
	}})
	rec := httptest.NewRecorder()
	iss.CallbackHandler(nil, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mastercard/notifyTokenUpdated", bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("Notify Token Updated answered %d %s", rec.Code, rec.Body)
	}
	for _, k := range []string{"k1", "k2"} {
		if e, _ := iss.Enrolment(client.Mastercard, k); e.State != client.StateSuspended {
			t.Errorf("%s: state %s, want SUSPENDED from the notification's token list", k, e.State)
		}
	}
}
