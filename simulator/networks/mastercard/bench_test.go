package mastercard_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/mastercard/oauth1"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// BenchmarkEnrolment is one Enroll API call end to end over loopback HTTP:
// the issuer signs (OAuth 1.0a RSA-SHA256), the simulator verifies the
// signature and nonce, decrypts the card JWE (RSA-OAEP-256), validates
// request, plaintext and answer against the documents, enrols and journals.
// Each iteration enrols the same card for a new consumer; the card's JWE is
// made once (encrypting is the issuer's cost, not the simulator's).
func BenchmarkEnrolment(b *testing.B) {
	srv := simtest.Start(b, simtest.Options{Networks: []string{mastercard.ID}})
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials(mastercard.ID) {
		creds[c.Name] = c
	}
	key, err := pemkey.ParsePrivate(creds["signing-private-key"].Value)
	if err != nil {
		b.Fatal(err)
	}
	pub, err := pemkey.ParsePublic(creds["encryption-public-key"].Value)
	if err != nil {
		b.Fatal(err)
	}
	plain, _ := json.Marshal(map[string]any{"primaryAccountNumber": "5186001700008785", "panExpirationMonth": "12", "panExpirationYear": "2030",
		"cardholderFullName": "Ada Lovelace", "billingAddress": map[string]any{"line1": "1 Main Street", "city": "London", "countryCode": "GB"}})
	jwe, err := encryption.Encrypt(plain, pub)
	if err != nil {
		b.Fatal(err)
	}
	signer := &oauth1.Signer{ConsumerKey: creds["consumer-key"].Value, Key: key}
	u, _ := url.Parse(srv.URL + path)
	i := 0
	for b.Loop() {
		i++
		body, _ := json.Marshal(map[string]any{
			"srcClientId": creds["src-client-id"].Value, "serviceId": creds["service-id"].Value, "srcCorrelationId": "0f1e2d3c-4b5a-4968-8776-655443322110",
			"externalCredentialId": "k1",
			"consumer": map[string]any{"externalConsumerId": fmt.Sprintf("bench-%d", i), "firstName": "Ada", "lastName": "Lovelace",
				"emailAddress": "ada@example.com", "locale": "en_GB", "countryCode": "GB"},
			"encryptedCard": jwe,
		})
		auth, err := signer.Header(http.MethodPost, u, body)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := srv.Client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("enrolment %d answered %d", i, resp.StatusCode)
		}
	}
	if f := srv.Sim.Findings(); len(f) > 0 {
		b.Fatalf("findings: %v", f)
	}
}
