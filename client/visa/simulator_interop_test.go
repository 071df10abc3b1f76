package visa_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/xpaytoken"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/visa"
	"github.com/c2psim/c2psim/simulator/simtest"
)

func simCredentials(srv *simtest.Server) map[string]simulator.Credential {
	out := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials("visa") {
		out[c.Name] = c
	}
	return out
}

// The simulator accepts a request body encrypted by jose exactly as Visa's
// MLE rules say, and jose decrypts the simulator's encrypted answer.
func TestInteropSimulatorAcceptsJoseMLE(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true})
	creds := simCredentials(srv)
	kid := creds["mle-key-id"].Value
	res := node(t, "mle-encrypt", map[string]any{
		"publicKeyPem": creds["mle-server-public-key"].Value, "kid": kid, "iat": srv.Clock.Now().UnixMilli(),
		"payload": `{"intent":{"type":"PRODUCT_CODE","value":"CLICK_TO_PAY"},"consumerInformation":{"externalConsumerID":"jose-1","externalConsumerIDOwnerBID":"10000001","firstName":"Ada","lastName":"Lovelace","emails":["ada@example.com"],"phones":["16504005555"],"locale":"en_US","countryCode":"USA"},"paymentInstruments":[{"type":"CARD","accountNumber":"4111111145551140","nameOnCard":"Ada Lovelace","expirationDate":"2030-12","billingAddress":{"addressLine1":"1 Analytical Way","city":"London","postalCode":"N19GU","country":"GBR"}}]}`,
	})
	body := []byte(res["body"].(string))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/visa/visaIdCredential/v1/enrollData", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(mle.KeyIDHeader, kid)
	xpaytoken.Sign(req, creds["api-key"].Value, creds["shared-secret"].Value, srv.Clock.Now(), body)
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, answer)
	}
	dec := node(t, "mle-decrypt", map[string]any{"privateKeyPem": creds["mle-client-private-key"].Value, "body": string(answer)})
	if !strings.Contains(dec["payload"].(string), "requestTraceId") || dec["header"].(map[string]any)["kid"] != kid {
		t.Fatalf("jose read %v", dec)
	}
}

// jose verifies and decrypts the enrolment-attempt notification the
// simulator sends.
func TestInteropJoseOpensSimulatorNotification(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true})
	creds := simCredentials(srv)
	var mu sync.Mutex
	var got []byte
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = b
		mu.Unlock()
	}))
	defer hs.Close()
	if err := srv.Sim.SetCallbackTarget("visa", simulator.CallbackTarget{URL: hs.URL, RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"firstName": "Grace"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	body := string(got)
	mu.Unlock()
	res := node(t, "notif-open", map[string]any{
		"verifyPublicKeyPem": creds["notification-signing-public-key"].Value,
		"decryptKeyPem":      creds["mle-client-private-key"].Value, "body": body,
	})
	if !strings.Contains(res["payload"].(string), `"firstName":"Grace"`) || res["jwsHeader"].(map[string]any)["kid"] != creds["notification-signing-public-key"].KeyID {
		t.Fatalf("jose read %v", res)
	}
}
