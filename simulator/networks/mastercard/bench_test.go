package mastercard_test

import (
	"bytes"
	"context"
	"crypto/rsa"
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
	"github.com/c2psim/c2psim/simulator/store"
)

// BenchmarkEnrolment is one Enroll API call end to end over loopback HTTP:
// the issuer signs (OAuth 1.0a RSA-SHA256), the simulator verifies the
// signature and nonce, decrypts the card JWE (RSA-OAEP-256), validates
// request, plaintext and answer against the documents, enrols and journals.
// Each iteration enrols the same card for a new consumer; the card's JWE is
// made once (encrypting is the issuer's cost, not the simulator's).
func BenchmarkEnrolment(b *testing.B) {
	srv := simtest.Start(b, simtest.Options{Networks: []string{mastercard.ID}})
	is := newBenchIssuer(b, srv)
	jwe := is.cardJWE()
	signer, u := is.signer, is.url
	i := 0
	for b.Loop() {
		i++
		body := is.body(fmt.Sprintf("bench-%d", i), "k1", jwe)
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

// benchIssuer is what the enrolment benchmarks sign and encrypt with: the
// simulator's Mastercard credentials.
type benchIssuer struct {
	creds  map[string]simulator.Credential
	signer *oauth1.Signer
	pub    *rsa.PublicKey
	url    *url.URL // the Enroll API
}

func newBenchIssuer(b *testing.B, srv *simtest.Server) benchIssuer {
	b.Helper()
	is := benchIssuer{creds: map[string]simulator.Credential{}}
	for _, c := range srv.Sim.Credentials(mastercard.ID) {
		is.creds[c.Name] = c
	}
	key, err := pemkey.ParsePrivate(is.creds["signing-private-key"].Value)
	if err != nil {
		b.Fatal(err)
	}
	if is.pub, err = pemkey.ParsePublic(is.creds["encryption-public-key"].Value); err != nil {
		b.Fatal(err)
	}
	is.signer = &oauth1.Signer{ConsumerKey: is.creds["consumer-key"].Value, Key: key}
	is.url, _ = url.Parse(srv.URL + path)
	return is
}

// cardJWE is the benchmarks' card, encrypted to the simulator (anew each
// call: a fresh key and IV). It is called from the goroutines that sign
// ahead, so a failure panics.
func (is benchIssuer) cardJWE() string {
	plain, _ := json.Marshal(map[string]any{"primaryAccountNumber": "5186001700008785", "panExpirationMonth": "12", "panExpirationYear": "2030",
		"cardholderFullName": "Ada Lovelace", "billingAddress": map[string]any{"line1": "1 Main Street", "city": "London", "countryCode": "GB"}})
	jwe, err := encryption.Encrypt(plain, is.pub)
	if err != nil {
		panic(err)
	}
	return jwe
}

// body is an Enroll API call enrolling the card jwe for consumer under
// externalCredentialId credential.
func (is benchIssuer) body(consumer, credential, jwe string) []byte {
	body, _ := json.Marshal(map[string]any{
		"srcClientId": is.creds["src-client-id"].Value, "serviceId": is.creds["service-id"].Value, "srcCorrelationId": "0f1e2d3c-4b5a-4968-8776-655443322110",
		"externalCredentialId": credential,
		"consumer": map[string]any{"externalConsumerId": consumer, "firstName": "Ada", "lastName": "Lovelace",
			"consumerIdentity": map[string]any{"identityType": "EMAIL_ADDRESS", "identityValue": "ada@example.com"}, "languageCode": "en", "countryCode": "GB"},
		"cardSource": "ISSUER", "complianceSettings": map[string]any{"privacy": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},
			"tnc": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},
		"encryptedCard": jwe,
	})
	return body
}

// BenchmarkAtScale is the per-request cost of the calls that look a card up
// (MDES search by token, a suspend and unsuspend by token, search by PAN)
// with 1,000 and with 100,000 cards already enrolled: every lookup is
// indexed, so the cost stays flat as the state grows. The cards are seeded
// straight into the store (100,000 enrolments over HTTP would take minutes).
func BenchmarkAtScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) {
			mem := store.NewMemory()
			srv := simtest.Start(b, simtest.Options{Networks: []string{mastercard.ID}, Store: mem, FakeClock: true})
			cards := store.Namespace(mem, mastercard.ID)
			ctx := context.Background()
			for i := range n {
				rec, _ := json.Marshal(map[string]any{
					"cardRef": fmt.Sprintf("ref-%08d", i), "panRef": fmt.Sprintf("%064x", i), "srcDigitalCardId": fmt.Sprintf("dc-%d", i),
					"srcConsumerId": fmt.Sprintf("sc-%d", i), "consumer": map[string]any{"firstName": "Ada", "lastName": "Lovelace", "emailAddress": "ada@example.com"},
					"panBin": "518600", "panLastFour": "0000", "panExpirationMonth": "12", "panExpirationYear": "2030",
					"tokenUniqueReference": fmt.Sprintf("DM4MMC%032x", i), "tokenRequestorId": mastercard.TokenRequestorID, "status": "ACTIVE",
					"enrolledAt": simtest.Epoch,
				})
				if err := cards.Put(ctx, "cards", fmt.Sprintf("ref-%08d", i), rec); err != nil {
					b.Fatal(err)
				}
			}
			c := newIssuer(b, srv)
			tur := fmt.Sprintf("DM4MMC%032x", n/2)
			// The PAN of a real enrolment, to search by Account PAN.
			a := c.send(c.body("5186001700008785"), nil)
			if a.status != http.StatusOK {
				b.Fatalf("enrol: %d %s", a.status, a.raw)
			}
			b.ResetTimer()
			for b.Loop() {
				if a := c.cs("/search", "SearchRequest", map[string]any{"TokenUniqueReference": tur}); a.status != http.StatusOK {
					b.Fatalf("search by token: %d %s", a.status, a.raw)
				}
				if a := c.change("suspend", tur, "T"); a.status != http.StatusOK {
					b.Fatalf("suspend: %d %s", a.status, a.raw)
				}
				if a := c.change("unsuspend", tur, "T"); a.status != http.StatusOK {
					b.Fatalf("unsuspend: %d %s", a.status, a.raw)
				}
				if a := c.cs("/search", "SearchRequest", map[string]any{"AccountPan": "5186001700008785"}); a.status != http.StatusOK {
					b.Fatalf("search by PAN: %d %s", a.status, a.raw)
				}
			}
		})
	}
}
