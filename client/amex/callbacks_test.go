package amex_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// sink records events and signals each one.
type sink struct {
	client.MemorySink
	got chan struct{}
}

func (s *sink) Record(ctx context.Context, ev client.NetworkEvent) {
	s.MemorySink.Record(ctx, ev)
	s.got <- struct{}{}
}

// next waits for n more events.
func (s *sink) next(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("no notification reached the issuer; events: %+v", s.Events())
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// issuerSide mounts the issuer's CallbackHandler the way an issuer would,
// under a prefix, and registers it with the simulator.
func issuerSide(t *testing.T, srv *simtest.Server, iss *client.Issuer) (*sink, *httptest.Server) {
	s := &sink{got: make(chan struct{}, 64)}
	mux := http.NewServeMux()
	mux.Handle("/callbacks/", http.StripPrefix("/callbacks", iss.CallbackHandler(nil, s)))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	if err := srv.Sim.SetCallbackTarget("amex", simulator.CallbackTarget{URL: hs.URL + "/callbacks/amex", RetrySchedule: []time.Duration{time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	return s, hs
}

func trigger(t *testing.T, srv *simtest.Server, p map[string]any) map[string]any {
	t.Helper()
	out, err := srv.Sim.Trigger(context.Background(), "amex", "tokenStatusChange", p)
	if err != nil {
		t.Fatalf("trigger %v: %v", p, err)
	}
	return out
}

func state(iss *client.Issuer, cardRef string) client.State {
	e, _ := iss.Enrolment(client.Amex, cardRef)
	return e.State
}

func TestNetworkChangesAreAppliedOnce(t *testing.T) {
	srv, _, iss := setup(t)
	sink, _ := issuerSide(t, srv, iss)
	op := must(t)(iss.EnrolCard(context.Background(), ada(), card("k1", sampleCard)))

	first := trigger(t, srv, map[string]any{"token_ref_id": op.TokenRef, "status": "SUSPENDED"})
	if first["status"] != 204 || first["attempts"] != 1 {
		t.Fatalf("delivery = %v", first)
	}
	if s := state(iss, "k1"); s != client.StateSuspended {
		t.Fatalf("state after the network suspended the token: %s", s)
	}
	// The same notification again (a network retry): acknowledged, recorded
	// as a duplicate, not applied again.
	again := trigger(t, srv, map[string]any{"token_ref_id": op.TokenRef, "status": "SUSPENDED",
		"notification_id": first["notification_id"], "previous_status": "ACTIVE"})
	if again["status"] != 204 {
		t.Fatalf("redelivery answered %v", again["status"])
	}
	evs := sink.Events()
	if len(evs) != 2 || evs[0].ID != first["notification_id"] || evs[0].Duplicate || !evs[1].Duplicate ||
		evs[0].Type != client.EventTokenStatusChanged || evs[0].TokenStatus != "SUSPENDED" || evs[0].CardLast4 != "1111" {
		t.Fatalf("events = %+v", evs)
	}
	if evs[0].Payload["initiator"] != "NETWORK" || evs[0].Payload["reason"] != "NETWORK_FRAUD_SUSPECTED" {
		t.Fatalf("payload = %v", evs[0].Payload)
	}
	trigger(t, srv, map[string]any{"token_ref_id": op.TokenRef, "status": "ACTIVE"})
	if s := state(iss, "k1"); s != client.StateActive {
		t.Fatalf("state after the review cleared: %s", s)
	}
	trigger(t, srv, map[string]any{"token_ref_id": op.TokenRef, "status": "DELETED", "initiator": "CARD_MEMBER", "reason": "CARDHOLDER_REQUEST"})
	if s := state(iss, "k1"); s != client.StateOptedOut {
		t.Fatalf("state after the Card Member removed the card: %s", s)
	}
}

func TestASpoiltDeliveryIsRefusedAndTheRedeliveryApplied(t *testing.T) {
	srv, _, iss := setup(t)
	sink, _ := issuerSide(t, srv, iss)
	op := must(t)(iss.EnrolCard(context.Background(), ada(), card("k1", sampleCard)))
	res := trigger(t, srv, map[string]any{"token_ref_id": op.TokenRef, "status": "SUSPENDED", "glitch": true})
	if res["attempts"] != 2 || res["status"] != 204 {
		t.Fatalf("delivery = %v", res)
	}
	attempts := srv.Sim.Journal().Find(journal.Query{Network: "amex", OperationID: "notifyTokenStatus", Direction: journal.Outbound})
	if len(attempts) != 2 || attempts[1].Status != http.StatusUnauthorized {
		t.Fatalf("attempts = %+v", attempts)
	}
	if s := state(iss, "k1"); s != client.StateSuspended || len(sink.Events()) != 1 {
		t.Fatalf("state %s, events %+v", s, sink.Events())
	}
}

// TestTheIssuersOwnChangesAreRecordedNotReapplied: the echo of a suspend
// arriving after the issuer resumed must not suspend the card again.
func TestTheIssuersOwnChangesAreRecordedNotReapplied(t *testing.T) {
	srv, _, iss := setup(t)
	sink, _ := issuerSide(t, srv, iss)
	ctx := context.Background()
	k := card("k1", sampleCard)
	must(t)(iss.EnrolCard(ctx, ada(), k))
	must(t)(iss.SuspendCard(ctx, client.CardAction{ConsumerRef: "cm-1", Card: k, Reason: "LOST"}))
	must(t)(iss.ResumeCard(ctx, client.CardAction{ConsumerRef: "cm-1", Card: k}))
	srv.Clock.Advance(0) // both echoes go out now, in either order
	sink.next(t, 2)
	for _, ev := range sink.Events() {
		if ev.TokenStatus != "" || ev.Payload["initiator"] != "ISSUER" {
			t.Fatalf("an echo of the issuer's own request would be applied: %+v", ev)
		}
	}
	if s := state(iss, "k1"); s != client.StateActive {
		t.Fatalf("state after the echoes: %s", s)
	}
}

// post sends a hand-made notification to the issuer.
func post(t *testing.T, hs *httptest.Server, hdr map[string]string, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/callbacks/amex/tokens/status-notifications", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestForgedAndMalformedNotificationsAreRefused(t *testing.T) {
	srv, _, iss := setup(t)
	sink, hs := issuerSide(t, srv, iss)
	cfg := config(t, srv)
	note := func(id string) string {
		plain, _ := json.Marshal(map[string]string{"notification_id": id, "token_ref_id": "AXTR1", "consumer_ref": "cm-1",
			"token_status": "SUSPENDED", "previous_status": "ACTIVE", "reason": "OTHER", "initiator": "NETWORK", "occurred_at": "2026-01-15T10:00:00Z"})
		enc, err := jwe.Encrypt(plain, cfg.EncryptionKeyID, cfg.EncryptionKey)
		if err != nil {
			t.Fatal(err)
		}
		return `{"notification_data":"` + enc + `"}`
	}
	const id = "0b6c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"
	sign := func(secret string, now time.Time, body string) string {
		s := &mac.Signer{ID: cfg.MACKeyID, Secret: secret, Now: func() time.Time { return now }}
		u := mustURL(hs.URL + "/callbacks/amex/tokens/status-notifications")
		h, err := s.Header(http.MethodPost, u, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	now := srv.Clock.Now()
	good := note(id)
	hdr := func(auth, rid string) map[string]string {
		return map[string]string{"Authorization": auth, "x-amex-api-key": cfg.APIKey, "x-amex-request-id": rid}
	}
	replayed := sign(cfg.Secret, now, good)
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		body   string
		status int
	}{
		{"wrong secret", hdr(sign("not-the-secret", now, good), id), good, 401},
		{"stale timestamp", hdr(sign(cfg.Secret, now.Add(-time.Hour), good), id), good, 401},
		{"body changed after signing", hdr(sign(cfg.Secret, now, good), id), note(id), 401},
		{"no MAC", hdr("", id), good, 401},
		{"request id is not the notification's", hdr(sign(cfg.Secret, now, good), "11111111-2222-4333-8444-555555555555"), good, 400},
		{"not encrypted", hdr(sign(cfg.Secret, now, `{"notification_data":"SUSPENDED"}`), id), `{"notification_data":"SUSPENDED"}`, 400},
		{"genuine", hdr(replayed, id), good, 204},
		{"replayed nonce", hdr(replayed, id), good, 401},
	} {
		if got := post(t, hs, tc.hdr, tc.body); got != tc.status {
			t.Errorf("%s: answered %d, want %d", tc.name, got, tc.status)
		}
	}
	if evs := sink.Events(); len(evs) != 1 || evs[0].ID != id {
		t.Fatalf("events = %+v", evs)
	}
	wrongKey := *mustAdapter(t, cfg, func(c *amex.Config) { c.APIKey = "someone-else" })
	if _, err := wrongKey.DecodeCallback(httptest.NewRequest(http.MethodPost, "/amex/tokens/status-notifications", strings.NewReader(good))); err == nil {
		t.Fatal("a notification without this issuer's api key was accepted")
	}
}

func mustAdapter(t *testing.T, cfg amex.Config, edit func(*amex.Config)) *amex.Adapter {
	edit(&cfg)
	a, err := amex.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCallbackURLBehindAProxy: the network signs the URL it calls; an issuer
// behind a proxy that rewrites host and path names that URL in CallbackURL.
func TestCallbackURLBehindAProxy(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"amex"}, FakeClock: true})
	const public = "https://issuer.example/c2p/amex/tokens/status-notifications"
	a := mustAdapter(t, config(t, srv), func(c *amex.Config) { c.CallbackURL = public })
	cfg := config(t, srv)
	const id = "0b6c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"
	plain, _ := json.Marshal(map[string]string{"notification_id": id, "token_ref_id": "AXTR1", "token_status": "ACTIVE", "initiator": "NETWORK"})
	enc, _ := jwe.Encrypt(plain, cfg.EncryptionKeyID, cfg.EncryptionKey)
	body := `{"notification_data":"` + enc + `"}`
	deliver := func(signedFor string) error {
		h, err := (&mac.Signer{ID: cfg.MACKeyID, Secret: cfg.Secret, Now: srv.Clock.Now}).Header(http.MethodPost, mustURL(signedFor), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "http://10.0.0.7:8080/internal/amex/tokens/status-notifications", strings.NewReader(body))
		r.Header.Set("Authorization", h)
		r.Header.Set("x-amex-api-key", cfg.APIKey)
		r.Header.Set("x-amex-request-id", id)
		_, err = a.DecodeCallback(r)
		return err
	}
	if err := deliver(public); err != nil {
		t.Fatalf("a notification signed for the public URL was refused: %v", err)
	}
	if err := deliver("http://10.0.0.7:8080/internal/amex/tokens/status-notifications"); err == nil {
		t.Fatal("a notification signed for another URL than CallbackURL was accepted")
	}
}
