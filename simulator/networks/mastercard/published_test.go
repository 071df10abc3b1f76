package mastercard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/c2psim/c2psim/internal/mastercardfacts"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// Every published MDES Customer Service request (R-MC1) is accepted by the
// served document: none is refused as invalid. The published tokens are
// unknown to a fresh simulator, so the answer is EMPTY_RESULT (404); the
// system status answers 200. An unknown-field variant of each is refused,
// so the check can fail.
func TestPublishedCustomerServiceRequestsAreAccepted(t *testing.T) {
	srv, c := start(t)
	accepted := 0
	for _, s := range mastercardfacts.CustomerService {
		if s.Request == "" {
			continue
		}
		var body map[string]map[string]any
		if err := json.Unmarshal([]byte(s.Request), &body); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for wrapper, fields := range body {
			a := c.cs(s.Path, wrapper, fields)
			if a.status == http.StatusBadRequest {
				t.Errorf("%s: refused as invalid: %s", s.Name, a.raw)
				continue
			}
			if a.status != http.StatusNotFound || func() string { r, _ := appError(t, a); return r }() != "EMPTY_RESULT" {
				t.Errorf("%s: %d %s, want 404 EMPTY_RESULT for an unknown token", s.Name, a.status, a.raw)
				continue
			}
			accepted++
			fields["NotAField"] = "x"
			if a := c.cs(s.Path, wrapper, fields); a.status != http.StatusBadRequest {
				t.Errorf("%s with an unknown field: %d %s", s.Name, a.status, a.raw)
			}
		}
	}
	if a := c.get("/mdes/csapi/v2/systemstatus"); a.status != 200 || dig(a.body, "SystemStatusResponse", "CommentText") == nil {
		t.Errorf("system status: %d %s", a.status, a.raw)
	}
	t.Logf("%d published Customer Service requests accepted", accepted)
	if f := srv.Sim.Findings(); len(f) > 0 {
		t.Errorf("findings: %v", f)
	}
}

// c2psim's own callbacks follow the published Issuer Outbound API: every
// Pre-Digitization call the simulator makes, in each encryption form and on
// each path (green, yellow with Request Activation Methods, Deliver
// Activation Code, Notify Service Activated, Notify Token Updated for a
// status change and a funding account update, Notify Suspicious Events, Get
// Account Information), matches the issuer-side document, and so does each
// answer of a spec-correct issuer (responseId only).
func TestOwnCallbacksMatchThePublishedDocument(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	ctx := context.Background()
	var turs []string
	for _, outcome := range []string{"fle-oaep-sha512", "fle-pkcs1", "fle-zero-iv"} {
		turs = append(turs, enrolToken(t, c, testCardWith(t, outcome), "ACTIVE"))
		iss.next(t, "/authorizeService")
	}
	iss.decide["9726"] = "REQUIRE_ADDITIONAL_AUTHENTICATION"
	yellow := enrolToken(t, c, "5186001700009726", "INACTIVE")
	srv.Clock.Advance(0)
	iss.next(t, "/requestActivationMethods")
	dac := iss.next(t, "/deliverActivationCode")
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": yellow, "activationCode": dac.Body["activationCode"]}); err != nil {
		t.Fatal(err)
	}
	for i := range turs {
		nsa := iss.next(t, "/notifyServiceActivated")
		if nsa.Plain["tokenData"] == nil || nsa.Plain["cardAccountData"] == nil {
			t.Fatalf("Notify Service Activated payload %v", nsa.Plain)
		}
		_ = i
	}
	tur := turs[0]
	if a := c.cs("/token/update", "TokenUpdateRequest", map[string]any{"TokenUniqueReference": tur, "ExpirationDate": "0832"}); a.status != 200 {
		t.Fatalf("update: %d %s", a.status, a.raw)
	}
	srv.Clock.Advance(0)
	fau := iss.next(t, "/notifyTokenUpdated")
	for fau.Body["reasonCode"] != "FUNDING_ACCOUNT_UPDATE" {
		fau = iss.next(t, "/notifyTokenUpdated")
	}
	if fau.Plain["tokenData"] == nil {
		t.Fatalf("FUNDING_ACCOUNT_UPDATE payload %v", fau.Plain)
	}
	for _, trig := range []string{mastercard.TriggerSuspiciousEvent, mastercard.TriggerAccountInformation} {
		if _, err := srv.Sim.Trigger(ctx, mastercard.ID, trig, map[string]any{"tokenUniqueReference": tur}); err != nil {
			t.Fatalf("%s: %v", trig, err)
		}
	}
	seen := map[string]int{}
	for _, e := range srv.Sim.Journal().Find(journal.Query{Limit: 1000}) {
		if e.Direction != journal.Outbound {
			continue
		}
		seen[e.OperationID]++
		if e.RequestCheck == nil || !e.RequestCheck.OK {
			t.Errorf("%s attempt %d does not match the published document: %+v", e.OperationID, e.Attempt, e.RequestCheck)
		}
		if e.ResponseCheck == nil || !e.ResponseCheck.OK {
			t.Errorf("%s: the spec-correct answer was judged invalid: %+v", e.OperationID, e.ResponseCheck)
		}
	}
	for _, op := range []string{"authorizeService", "requestActivationMethods", "deliverActivationCode", "notifyServiceActivated",
		"notifyTokenUpdated", "notifySuspiciousEvents", "getAccountInformation"} {
		if seen[op] == 0 {
			t.Errorf("no %s was sent (journalled: %v)", op, seen)
		}
	}
	if f := srv.Sim.Findings(); len(f) > 0 {
		t.Errorf("findings: %v", f)
	}
}

// With issuerValidatesCode on, Deliver Activation Code carries no code and
// the cardholder's code goes to the issuer's Validate Activation Code,
// whose SUCCESS activates the token.
func TestIssuerValidatesItsOwnCode(t *testing.T) {
	srv := startWith(t, map[string]string{"issuerValidatesCode": "true"})
	c := newIssuer(t, srv)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	iss.decide["9726"] = "REQUIRE_ADDITIONAL_AUTHENTICATION"
	tur := enrolToken(t, c, "5186001700009726", "INACTIVE")
	srv.Clock.Advance(0)
	dac := iss.next(t, "/deliverActivationCode")
	if _, has := dac.Body["activationCode"]; has {
		t.Fatalf("Deliver Activation Code carries a code the issuer generates itself: %v", dac.Body)
	}
	out, err := srv.Sim.Trigger(context.Background(), mastercard.ID, mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur, "activationCode": "123456"})
	if err != nil || out["status"] != "ACTIVE" {
		t.Fatalf("validated code: %v %v", out, err)
	}
	vac := iss.next(t, "/validateActivationCode")
	if vac.Body["activationCode"] != "123456" || vac.Body["tokenUniqueReference"] != tur {
		t.Fatalf("Validate Activation Code %v", vac.Body)
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "A" {
		t.Fatalf("token after SUCCESS: %v", tok)
	}
}

func startWith(t *testing.T, settings map[string]string) *simtest.Server {
	t.Helper()
	s := map[string]string{}
	for k, v := range settings {
		s[mastercard.ID+"."+k] = v
	}
	return simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Settings: s})
}

// get sends a signed GET to the simulator.
func (c *issuer) get(path string) answer {
	c.t.Helper()
	return c.signed(http.MethodGet, "/"+mastercard.ID+path, nil)
}
