package mastercard

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/mastercard/oauth1"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator/journal"
)

// These scenarios act as a misbehaving client on purpose, straight against
// the simulator, to show what a mistaken integration gets back.

const cardsPath = "/mastercard/src/api/digital/payments/cards"

// rawClient signs and sends Enroll API calls the way a careless issuer might.
type rawClient struct {
	signer                 *oauth1.Signer
	encKey                 *rsa.PublicKey
	srcClientID, serviceID string
}

// newRawClient signs with the sandbox signing key; when the issuer has
// registered a signing key of its own, the simulator no longer accepts it and
// these checks cannot run.
func newRawClient(ctx context.Context) *rawClient {
	creds := mc.Credentials(ctx)
	k, err := pemkey.ParsePrivate(creds["signing-private-key"])
	Expect(err).NotTo(HaveOccurred(), "the simulator's signing-private-key")
	if registered, err := pemkey.ParsePublic(creds["signing-public-key"]); err == nil && !registered.Equal(&k.PublicKey) {
		Skip("the issuer registered its own signing key: the simulator's sandbox key no longer signs")
	}
	pub, err := pemkey.ParsePublic(creds["encryption-public-key"])
	Expect(err).NotTo(HaveOccurred(), "the simulator's encryption-public-key")
	return &rawClient{signer: &oauth1.Signer{ConsumerKey: creds["consumer-key"], Key: k},
		encKey: pub, srcClientID: creds["src-client-id"], serviceID: creds["service-id"]}
}

// enrolment is a putCard body for one consumer; encryptedCard as given.
func (r *rawClient) enrolment(consumerRef, encryptedCard string) []byte {
	b, _ := json.Marshal(map[string]any{
		"srcClientId": r.srcClientID, "serviceId": r.serviceID, "srcCorrelationId": "0f1e2d3c-4b5a-4968-8776-655443322110",
		"externalCredentialId": consumerRef + "-k1",
		"cardSource":           "ISSUER",
		"consumer": map[string]any{"externalConsumerId": consumerRef, "consumerIdentity": map[string]any{"identityType": "EMAIL_ADDRESS", "identityValue": "ada@example.com"},
			"firstName": "Ada", "lastName": "Lovelace",
			"mobileNumber": map[string]any{"countryCode": "44", "phoneNumber": "7700900123"}, "languageCode": "en", "countryCode": "GB"},
		"complianceSettings": map[string]any{"privacy": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},
			"tnc": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},
		"encryptedCard": encryptedCard,
	})
	return b
}

func (r *rawClient) card(number string) string {
	plain, _ := json.Marshal(map[string]any{"primaryAccountNumber": number, "panExpirationMonth": "08", "panExpirationYear": "2030",
		"cardholderFullName": "Ada Lovelace", "billingAddress": map[string]any{"line1": "1 Analytical Way", "city": "London", "countryCode": "GB"}})
	jwe, err := encryption.Encrypt(plain, r.encKey)
	Expect(err).NotTo(HaveOccurred(), "encrypting the card")
	return jwe
}

// send posts body with the given Authorization header ("" signs it properly).
func send(ctx context.Context, body []byte, auth string, signer *oauth1.Signer) (int, map[string]any) {
	t := conformance.Current()
	u, err := url.Parse(t.SimURL + cardsPath)
	Expect(err).NotTo(HaveOccurred(), "parsing the simulator URL")
	if auth == "" {
		auth, err = signer.Header(http.MethodPost, u, body)
		Expect(err).NotTo(HaveOccurred(), "signing the request")
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	Expect(err).NotTo(HaveOccurred(), "building the request")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", auth)
	resp, err := t.HTTP.Do(r)
	if err != nil {
		conformance.HarnessFailure(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func gatewayReason(m map[string]any) string {
	errs, _ := m["Errors"].(map[string]any)
	list, _ := errs["Error"].([]any)
	if len(list) == 0 {
		return ""
	}
	first, _ := list[0].(map[string]any)
	s, _ := first["ReasonCode"].(string)
	return s
}

var _ = Describe("Mastercard refusals", Label("mastercard"), func() {
	It("refuses a bad signature, a replayed nonce and a stale timestamp with 401 AUTHENTICATION_FAILED", mc.SimulatorCheck("oauth1-refusals"), func(ctx SpecContext) {
		r := newRawClient(ctx)
		c := mc.Consumer()
		body := r.enrolment(c.Ref, r.card(mc.FreshNumber(ctx)))

		other := *r.signer
		other.Key = mustKey()
		status, m := send(ctx, body, "", &other)
		Expect(status).To(Equal(http.StatusUnauthorized), "a signature by another key was accepted")
		Expect(gatewayReason(m)).To(Equal("AUTHENTICATION_FAILED"), "the gateway names AUTHENTICATION_FAILED")

		stale := *r.signer
		stale.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		status, m = send(ctx, body, "", &stale)
		Expect(status).To(Equal(http.StatusUnauthorized), "an hour-old oauth_timestamp was accepted")
		Expect(gatewayReason(m)).To(Equal("AUTHENTICATION_FAILED"), "the gateway names AUTHENTICATION_FAILED")

		fixed := *r.signer
		fixed.NewNonce = func() string { return "c2p-replayed-nonce-" + c.Ref }
		u, _ := url.Parse(conformance.Current().SimURL + cardsPath)
		auth, err := fixed.Header(http.MethodPost, u, body)
		Expect(err).NotTo(HaveOccurred(), "signing the request")
		// The genuine request passes authentication; whether the issuer's
		// Authorize Service approves a card it never enrolled is beside the point.
		status, m = send(ctx, body, auth, nil)
		Expect(status).NotTo(Equal(http.StatusUnauthorized), "the genuine request was refused: %v", m)
		status, m = send(ctx, body, auth, nil)
		Expect(status).To(Equal(http.StatusUnauthorized), "a replayed nonce was accepted")
		Expect(gatewayReason(m)).To(Equal("AUTHENTICATION_FAILED"), "the gateway names AUTHENTICATION_FAILED")
		Expect(mc.Correlated(ctx, "putCard", journal.Inbound, c.Ref)).To(HaveLen(1), "only the genuine request may reach the enrolment service")
	})

	It("refuses card data in clear without echoing it", mc.SimulatorCheck("clear-card-refused"), func(ctx SpecContext) {
		r := newRawClient(ctx)
		c := mc.Consumer()
		sampleCard := mc.FreshNumber(ctx)
		status, m := send(ctx, r.enrolment(c.Ref, sampleCard+"|08|2030|Ada Lovelace"), "", r.signer)
		Expect(status).To(Equal(http.StatusBadRequest), "card data in clear was accepted")
		Expect(m).To(HaveKeyWithValue("status", "INVALID_ARGUMENT"), "the Enroll API's error names INVALID_ARGUMENT in status")
		raw, _ := json.Marshal(m)
		Expect(string(raw)).NotTo(ContainSubstring(sampleCard), "the refusal echoed the card number")
	})

	It("refuses an unknown srcClientId as INVALID_STATE", mc.SimulatorCheck("unknown-src-client-id"), func(ctx SpecContext) {
		r := newRawClient(ctx)
		r.srcClientID = "00000000-0000-4000-8000-000000000000"
		c := mc.Consumer()
		status, m := send(ctx, r.enrolment(c.Ref, r.card(mc.FreshNumber(ctx))), "", r.signer)
		Expect(status).To(Equal(http.StatusBadRequest), "an unknown srcClientId was accepted")
		Expect(m).To(HaveKeyWithValue("status", "INVALID_STATE"), "the Enroll API's error names INVALID_STATE in status")
		Expect(m["message"]).To(ContainSubstring("srcClientId"), "the refusal names srcClientId")
	})
})

// mustKey is a signing key the simulator has never seen.
func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred(), "making a signing key")
	return k
}
