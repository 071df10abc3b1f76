package scenarios_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator/journal"
)

// TestVisaSuiteAgainstIndependentJoseIssuer runs the Visa suite in external
// mode against a second, independent Visa issuer: a Node program written
// from Visa's published wire rules with the jose npm package
// (client/visa/testdata/interop/driver.mjs), sharing no code with the
// bundled Go client. Both must pass, so no Visa verdict rests on one
// implementation of MLE, X-Pay-Token and the callbacks' JOSE.
func TestVisaSuiteAgainstIndependentJoseIssuer(t *testing.T) {
	sim, simURL, driverURL, _ := independentIssuer{network: "visa", seed: 11, script: "driver.mjs",
		ready: "jose-driver ready ", packages: []string{"jose"}}.start(t)
	// The jose issuer authenticates with X-Pay-Token only, and says so.
	caps := filepath.Join(t.TempDir(), "capabilities.json")
	if err := os.WriteFile(caps, []byte(`{"visa": {"x-pay-token": true, "two-way-ssl": false}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, log := runExternal(t, conformance.Config{Target: "external", SimulatorURL: simURL, DriverURL: driverURL,
		Networks: []string{"visa"}, Seed: 11, Capabilities: caps})
	passed, failed := 0, 0
	for _, s := range rep.Scenarios {
		switch s.Verdict {
		case conformance.Passed:
			passed++
		case conformance.Failed:
			failed++
		}
	}
	if rep.Run.Target != "external" || rep.MustFailed != 0 || failed != 0 || passed < 20 {
		t.Fatalf("jose issuer run: target %s, %d cases passed, %d failed, %d MUST failed\n%s", rep.Run.Target, passed, failed, rep.MustFailed, log)
	}
	// It passed under identifiers of its own: Visa knows its consumers by
	// the externalConsumerIDs it chose, which the harness learnt from
	// networkIds (only the consumers the harness registered in another
	// Visa product itself keep the harness's names).
	own := ownIDs(sim, journal.Query{Network: "visa"}, "10000001/jv")
	if len(own) < 10 {
		t.Fatalf("Visa knows %d consumers by the jose issuer's own identifiers: the run did not exercise an issuer choosing its own IDs", len(own))
	}
	t.Logf("the independent jose issuer passed %d Visa scenarios, under %d consumer identifiers of its own", passed, len(own))
	joseReplacement(t, driverURL)
}

// joseReplacement drives a card replacement through the jose issuer (no
// Visa case asks for one): VICA cannot relink, so the old card is deleted
// and the new one added to the same consumer; both enrolments then name
// the issuer's identifiers at Visa.
func joseReplacement(t *testing.T, driverURL string) {
	t.Helper()
	call := func(method, path string, body any, out any) int {
		t.Helper()
		b, _ := json.Marshal(body)
		r, err := http.NewRequest(method, driverURL+path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if out != nil && json.Unmarshal(raw, out) != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return resp.StatusCode
	}
	number := func(body string) string { return body + string(pan.LuhnCheckDigit(body)) }
	addr := map[string]string{"line1": "1 Analytical Way", "city": "London", "postalCode": "N19GU", "country": "GBR"}
	card := func(ref, num string) map[string]any {
		return map[string]any{"ref": ref, "pan": num, "expiry": "2031-07", "nameOnCard": "Ada Lovelace", "billingAddress": addr, "network": "visa"}
	}
	consumer := map[string]any{"ref": "jose-replace-1", "firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada@example.com"},
		"phones": []string{"447700900123"}, "locale": "en-GB", "country": "GBR"}
	type operation struct {
		ID, Kind, Status string
		NetworkIDs       map[string]string `json:"networkIds"`
	}
	wait := func(op operation) operation {
		t.Helper()
		var got operation
		if st := call("GET", "/networks/visa/operations/"+op.ID+"?wait=10s", nil, &got); st != 200 || got.Status != "SUCCEEDED" {
			t.Fatalf("operation %s (%s): %d %+v", op.ID, op.Kind, st, got)
		}
		return got
	}
	var enrolled, replaced operation
	if st := call("POST", "/enrolments", map[string]any{"consumer": consumer, "card": card("old", number("411111900000123"))}, &enrolled); st != 200 {
		t.Fatalf("enrolling: %d %+v", st, enrolled)
	}
	wait(enrolled)
	if st := call("POST", "/consumers/jose-replace-1/cards/old/replacement", card("new", number("411111900000456")), &replaced); st != 200 || replaced.Kind != "REPLACE_CARD" {
		t.Fatalf("replacing: %d %+v", st, replaced)
	}
	visaID := enrolled.NetworkIDs["consumer"]
	if !strings.HasPrefix(visaID, "jv") {
		t.Fatalf("the enrolment's networkIds = %v, want the issuer's own consumer identifier at Visa", enrolled.NetworkIDs)
	}
	if got := wait(replaced); got.NetworkIDs["consumer"] != visaID || got.NetworkIDs["owner"] == "" || got.NetworkIDs["token"] == "" {
		t.Fatalf("the replacement's networkIds = %v, want the consumer (%s), the owner BID and the new token", got.NetworkIDs, visaID)
	}
	var list struct {
		Enrolments []struct {
			CardRef, State string
			NetworkIDs     map[string]string `json:"networkIds"`
		}
	}
	call("GET", "/enrolments", nil, &list)
	states := map[string]string{}
	for _, e := range list.Enrolments {
		if e.CardRef == "old" || e.CardRef == "new" {
			states[e.CardRef] = e.State
			if e.NetworkIDs["consumer"] != visaID || e.NetworkIDs["owner"] == "" {
				t.Fatalf("enrolment %s: networkIds = %v", e.CardRef, e.NetworkIDs)
			}
		}
	}
	if states["old"] != "REPLACED" || states["new"] != "ACTIVE" {
		t.Fatalf("after the replacement: %v, want old REPLACED and new ACTIVE", states)
	}
}
