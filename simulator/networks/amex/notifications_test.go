package amex_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/amex"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// delivery is one notification attempt as the issuer saw it.
type delivery struct {
	requestID string
	apiKey    string
	macErr    error
	note      amex.Notification
	decErr    error
}

// issuerEndpoint verifies and decrypts notifications the way an issuer
// would, answering 401 to a bad MAC and status (204 by default) otherwise.
type issuerEndpoint struct {
	srv      *httptest.Server
	verifier *mac.Verifier
	keys     jwe.KeyLookup
	got      chan delivery

	mu     sync.Mutex
	status int
}

func withIssuerEndpoint(t *testing.T, srv *simtest.Server, c *issuer, retries []time.Duration) *issuerEndpoint {
	e := &issuerEndpoint{
		verifier: &mac.Verifier{Secrets: func(id string) (string, bool) { return c.creds["mac-secret"].Value, id == c.creds["mac-key-id"].Value }, Now: srv.Clock.Now},
		keys:     jwe.SingleKey(c.creds["encryption-key"].KeyID, c.key),
		got:      make(chan delivery, 16),
	}
	e.srv = httptest.NewServer(e)
	t.Cleanup(e.srv.Close)
	if err := srv.Sim.SetCallbackTarget(amex.ID, simulator.CallbackTarget{URL: e.srv.URL + "/issuer/amex", RetrySchedule: retries}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *issuerEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	d := delivery{requestID: r.Header.Get(mac.HeaderRequestID), apiKey: r.Header.Get(mac.HeaderAPIKey)}
	u, _ := url.Parse(e.srv.URL + r.URL.RequestURI())
	_, d.macErr = e.verifier.VerifyRequest(r, u, b)
	var body struct {
		NotificationData string `json:"notification_data"`
	}
	_ = json.Unmarshal(b, &body)
	plain, _, err := jwe.Decrypt(body.NotificationData, e.keys)
	d.decErr = err
	if err == nil {
		d.decErr = json.Unmarshal(plain, &d.note)
	}
	e.got <- d
	e.mu.Lock()
	status := e.status
	e.mu.Unlock()
	switch {
	case d.macErr != nil:
		w.WriteHeader(http.StatusUnauthorized)
	case status != 0:
		w.WriteHeader(status)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (e *issuerEndpoint) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-e.got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no notification reached the issuer")
	}
	return delivery{}
}

func TestIssuerLifecycleRequestIsNotified(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, c, []time.Duration{})
	tok := c.enrol("cm-1", "card-1", amex.SampleTestPAN).str("token_ref_id")
	if srv.Clock.Pending() != 0 {
		t.Fatal("an enrolment scheduled a notification")
	}
	expect(t, c.lifecycle(tok, "suspend"), 200, "")
	srv.Clock.Advance(0)
	d := e.next(t)
	if d.macErr != nil || d.decErr != nil {
		t.Fatalf("the issuer could not verify or read the notification: %v %v", d.macErr, d.decErr)
	}
	n := d.note
	if n.TokenRefID != tok || n.ConsumerRef != "cm-1" || n.CardRef != "card-1" || n.AccountLast4 != "1111" ||
		n.TokenStatus != "SUSPENDED" || n.PreviousStatus != "ACTIVE" || n.Reason != "LOST" || n.Initiator != "ISSUER" {
		t.Fatalf("notification %+v", n)
	}
	if d.requestID != n.NotificationID || d.apiKey != c.creds["api-key"].Value {
		t.Fatalf("headers: request id %q (notification %q), api key %q", d.requestID, n.NotificationID, d.apiKey)
	}
	waitFor(t, func() bool {
		out := srv.Sim.Journal().Find(journal.Query{Network: amex.ID, OperationID: "notifyTokenStatus", Direction: journal.Outbound})
		return len(out) == 1 && out[0].Status == 204 && out[0].RequestCheck != nil && out[0].RequestCheck.OK &&
			strings.Contains(out[0].RequestPlain, `"token_status":"SUSPENDED"`)
	})
}

func TestNoNotificationForOwnChangesWhenTurnedOff(t *testing.T) {
	srv, c := start(t, "notifyIssuerChanges", "false")
	withIssuerEndpoint(t, srv, c, []time.Duration{})
	tok := c.enrol("cm-1", "", amex.SampleTestPAN).str("token_ref_id")
	expect(t, c.lifecycle(tok, "suspend"), 200, "")
	if srv.Clock.Pending() != 0 {
		t.Fatal("a notification was scheduled although notifyIssuerChanges is false")
	}
}

// settle waits until the simulator's deferred work is parked on the clock.
func settle(t *testing.T, srv *simtest.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !srv.Sim.Settled() {
		if time.Now().After(deadline) {
			t.Fatal("the simulator's deferred work did not settle")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNotificationDelay(t *testing.T) {
	srv, c := start(t, "notificationDelay", "3s")
	e := withIssuerEndpoint(t, srv, c, []time.Duration{})
	tok := c.enrol("cm-1", "", amex.SampleTestPAN).str("token_ref_id")
	expect(t, c.lifecycle(tok, "delete"), 200, "")
	settle(t, srv)
	srv.Clock.Advance(2 * time.Second)
	settle(t, srv) // the dispatcher has looked at the queue and set its timer
	if n := srv.Clock.Pending(); n != 1 {
		t.Fatalf("the notification is not waiting for its delay (%d timers pending, want 1)", n)
	}
	srv.Clock.Advance(time.Second)
	if d := e.next(t); d.note.TokenStatus != "DELETED" || d.note.PreviousStatus != "ACTIVE" || d.note.Reason != "LOST" {
		t.Fatalf("notification %+v", d.note)
	}
}

func TestNetworkTriggeredChangeRedeliveredAfterRefusal(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, c, []time.Duration{0})
	tok := c.enrol("cm-1", "", amex.SampleTestPAN).str("token_ref_id")
	out, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": tok, "status": "SUSPENDED", "glitch": true})
	if err != nil {
		t.Fatal(err)
	}
	first, second := e.next(t), e.next(t)
	if first.macErr == nil || second.macErr != nil {
		t.Fatalf("first attempt MAC error %v, second %v", first.macErr, second.macErr)
	}
	if first.requestID != second.requestID || second.note.NotificationID != out["notification_id"] {
		t.Fatalf("redelivery changed the notification ID: %q %q %v", first.requestID, second.requestID, out)
	}
	if out["attempts"] != 2 || out["status"] != 204 {
		t.Fatalf("trigger result %v", out)
	}
	if n := second.note; n.Initiator != "NETWORK" || n.Reason != "NETWORK_FRAUD_SUSPECTED" || n.TokenStatus != "SUSPENDED" {
		t.Fatalf("notification %+v", n)
	}
	if st := c.call("GET", "/tokens/"+tok+"/status", nil); st.str("token_status") != "SUSPENDED" {
		t.Fatalf("status %s", st.raw)
	}
	attempts := srv.Sim.Journal().Find(journal.Query{OperationID: "notifyTokenStatus"})
	if len(attempts) != 2 || attempts[1].Status != 401 || attempts[0].Status != 204 {
		t.Fatalf("journal %+v", attempts)
	}

	// A duplicate delivery of the same notification: same ID, state as is.
	dup, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{
		"token_ref_id": tok, "status": "SUSPENDED", "previous_status": "ACTIVE", "notification_id": out["notification_id"]})
	if err != nil {
		t.Fatal(err)
	}
	if d := e.next(t); d.requestID != out["notification_id"] || dup["notification_id"] != out["notification_id"] || d.note.PreviousStatus != "ACTIVE" {
		t.Fatalf("duplicate %+v %v", d, dup)
	}

	// The network follows the same transition rules as the issuer.
	if _, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": tok, "status": "SUSPENDED"}); err == nil {
		t.Fatal("suspending a suspended token was accepted")
	}
	if _, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": "AXTRNONE", "status": "DELETED"}); err == nil {
		t.Fatal("an unknown token was accepted")
	}
	if _, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": tok, "status": "ACTIVE", "reason": "BORED"}); err == nil {
		t.Fatal("an unknown reason was accepted")
	}
	if _, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": tok, "status": "CLOSED"}); err == nil {
		t.Fatal("an unknown status was accepted")
	}
}

func TestUndeliverableNotificationIsReported(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, c, []time.Duration{0, 0})
	e.mu.Lock()
	e.status = http.StatusInternalServerError
	e.mu.Unlock()
	tok := c.enrol("cm-1", "", amex.SampleTestPAN).str("token_ref_id")
	_, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": tok, "status": "DELETED", "initiator": "CARD_MEMBER"})
	if err == nil || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("error %v", err)
	}
	for i := 0; i < 3; i++ {
		if d := e.next(t); d.note.Initiator != "CARD_MEMBER" || d.macErr != nil {
			t.Fatalf("attempt %d: %+v", i, d)
		}
	}
	// The change itself stands: the network deleted the token.
	if st := c.call("GET", "/tokens/"+tok+"/status", nil); st.str("token_status") != "DELETED" {
		t.Fatalf("status %s", st.raw)
	}
}

func TestTriggerWithoutCallbackURL(t *testing.T) {
	srv, c := start(t)
	tok := c.enrol("cm-1", "", amex.SampleTestPAN).str("token_ref_id")
	if _, err := srv.Sim.Trigger(context.Background(), amex.ID, "tokenStatusChange", map[string]any{"token_ref_id": tok, "status": "SUSPENDED"}); err == nil || !strings.Contains(err.Error(), "no callback URL") {
		t.Fatalf("error %v", err)
	}
}

// waitFor polls cond until it holds, failing after a few seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		runtime.Gosched()
	}
}
