package mastercard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
)

// The issuer's Authorize Service decides per card; the simulator activates
// the token on APPROVED, fails the enrolment on DECLINED, leaves the token
// INACTIVE on REQUIRE_ADDITIONAL_AUTHENTICATION and fails with 503 when the
// issuer does not answer.
func TestAuthorizeService(t *testing.T) {
	srv, c := start(t)
	ring := issuerRing(t, srv)
	decisions := map[string]string{"5186001700008785": "APPROVED", "5186001700009726": "DECLINED", "2223001850114872": "REQUIRE_ADDITIONAL_AUTHENTICATION"}
	var mu sync.Mutex
	var seen []string
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			TokenRequestorID   string `json:"tokenRequestorId"`
			AccountPanSuffix   string `json:"accountPanSuffix"`
			FundingAccountInfo struct {
				EncryptedPayload encryption.FLE `json:"encryptedPayload"`
			} `json:"fundingAccountInfo"`
		}
		raw, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/issuer/authorizeService" || json.Unmarshal(raw, &req) != nil || req.TokenRequestorID != mastercard.TokenRequestorID {
			http.Error(w, "unexpected call", http.StatusBadRequest)
			return
		}
		plain, err := ring.OpenFLE(req.FundingAccountInfo.EncryptedPayload)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var p struct {
			CardAccountData struct{ AccountNumber string } `json:"cardAccountData"`
		}
		_ = json.Unmarshal(plain, &p)
		mu.Lock()
		seen = append(seen, req.AccountPanSuffix)
		mu.Unlock()
		d, ok := decisions[p.CardAccountData.AccountNumber]
		if !ok {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"responseHost": "issuer.example", "responseId": "1", "decision": d})
	}))
	defer issuer.Close()
	if err := srv.Sim.SetCallbackTarget(mastercard.ID, simulator.CallbackTarget{URL: issuer.URL + "/issuer", RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	if a := c.send(c.body("5186001700008785"), nil); a.status != 200 || dig(a.body, "maskedCard", "digitalCardData", "status") != "ACTIVE" {
		t.Fatalf("APPROVED: %d %s", a.status, a.raw)
	}
	if a := c.send(c.body("5186001700009726"), nil); a.status != 422 || serviceReason(t, a) != "DECLINED" {
		t.Fatalf("DECLINED: %d %s", a.status, a.raw)
	}
	if a := c.send(c.body("2223001850114872"), nil); a.status != 200 || dig(a.body, "maskedCard", "digitalCardData", "status") != "INACTIVE" {
		t.Fatalf("REQUIRE_ADDITIONAL_AUTHENTICATION: %d %s", a.status, a.raw)
	}
	if a := c.send(c.body("5186001700009908"), nil); a.status != 503 || serviceReason(t, a) != "UNAVAILABLE" {
		t.Fatalf("no answer: %d %s", a.status, a.raw)
	}
	// A declined card was not enrolled: once the issuer approves, it enrols.
	decisions["5186001700009726"] = "APPROVED"
	if a := c.send(c.body("5186001700009726"), nil); a.status != 200 {
		t.Fatalf("after approval: %d %s", a.status, a.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 5 {
		t.Fatalf("Authorize Service calls: %v", seen)
	}
}
