package mastercard_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/internal/nodeinterop"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// requireNodeLibraries checks for node and both npm packages: under CI their
// absence fails the test, elsewhere it skips.
func requireNodeLibraries(t *testing.T) string {
	t.Helper()
	return nodeinterop.Require(t, interopDir, "mastercard-oauth1-signer", "mastercard-client-encryption")
}

// nodeInterop runs script in the interop directory with req on stdin and
// decodes its JSON answer into out. It is safe off the test goroutine.
func nodeInterop(node, script string, req, out any) error {
	return nodeinterop.Run(node, interopDir, req, out, script)
}

// certificateFor wraps a public key PEM (as the credentials endpoint hands
// it out) in an X.509 certificate, the form mastercard-client-encryption
// reads as encryptionCertificate; the library does not check who signed it.
func certificateFor(t *testing.T, dir, name, publicPEM string) string {
	t.Helper()
	b, _ := pem.Decode([]byte(publicPEM))
	if b == nil {
		t.Fatalf("%s is not PEM", name)
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, ca)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".crt")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeInteropFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// End to end with Mastercard's published Node libraries only: the issuer's
// enrolment is JWE-encrypted by mastercard-client-encryption and signed by
// mastercard-oauth1-signer (its own nonce and clock; the simulator runs on
// the real clock), posted by Node, and accepted with an ACTIVE Click to Pay
// token. On the way the simulator calls the issuer's Authorize Service, whose
// encryptedPayload the issuer opens with the library's FieldLevelEncryption.
func TestInteropEnrolWithMastercardNodeLibraries(t *testing.T) {
	node := requireNodeLibraries(t)
	srv := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}})
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials(mastercard.ID) {
		creds[c.Name] = c
	}
	dir := t.TempDir()
	signingKey := writeInteropFile(t, dir, "signing.key", creds["signing-private-key"].Value)
	// Mastercard's encryption key as the simulator hands it out, a certificate.
	encCert := writeInteropFile(t, dir, "mastercard-encryption.crt", creds["encryption-certificate"].Value)
	issuerCert := certificateFor(t, dir, "issuer-fle", creds["issuer-fle-public-key"].Value)
	issuerKey := writeInteropFile(t, dir, "issuer-fle.key", creds["issuer-fle-private-key"].Value)

	// The issuer's Authorize Service: the library decrypts encryptedPayload.
	opened := make(chan string, 4)
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if r.URL.Path != "/issuer/authorizeService" || json.Unmarshal(raw, &body) != nil {
			http.Error(w, "unexpected call", http.StatusBadRequest)
			return
		}
		fai, _ := body["fundingAccountInfo"].(map[string]any)
		env, _ := fai["encryptedPayload"].(map[string]any)
		if env["publicKeyFingerprint"] != creds["issuer-fle-public-key"].KeyID || env["oaepHashingAlgorithm"] != "SHA256" {
			t.Errorf("encryptedPayload %v: publicKeyFingerprint is not %s or hash not SHA256", env, creds["issuer-fle-public-key"].KeyID)
		}
		var res struct{ Bodies []map[string]any }
		err := nodeInterop(node, "encryption.js", map[string]any{
			"mode": "FLE", "op": "decrypt", "url": "https://issuer.example/issuer/authorizeService", "bodies": []any{body},
			"config": map[string]any{
				"paths": []any{map[string]any{
					"path":      "/authorizeService",
					"toEncrypt": []any{},
					"toDecrypt": []any{map[string]any{"element": "fundingAccountInfo.encryptedPayload", "obj": "fundingAccountInfo.encryptedPayload"}},
				}},
				"ivFieldName": "iv", "encryptedKeyFieldName": "encryptedKey", "encryptedValueFieldName": "encryptedData",
				"oaepHashingAlgorithmFieldName": "oaepHashingAlgorithm", "publicKeyFingerprintFieldName": "publicKeyFingerprint",
				"publicKeyFingerprintType": "publicKey", "dataEncoding": "hex", "oaepPaddingDigestAlgorithm": "SHA-256",
				"encryptionCertificate": issuerCert, "privateKey": issuerKey,
			},
		}, &res)
		if err != nil || len(res.Bodies) != 1 {
			t.Errorf("the library could not open the Authorize Service payload: %v", err)
			http.Error(w, "cannot decrypt", http.StatusBadRequest)
			return
		}
		var plain struct {
			FundingAccountInfo struct {
				EncryptedPayload struct {
					CardAccountData struct{ AccountNumber string } `json:"cardAccountData"`
				} `json:"encryptedPayload"`
			} `json:"fundingAccountInfo"`
		}
		b, _ := json.Marshal(res.Bodies[0])
		_ = json.Unmarshal(b, &plain)
		opened <- plain.FundingAccountInfo.EncryptedPayload.CardAccountData.AccountNumber
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"responseHost": "issuer.example", "responseId": "1", "decision": "APPROVED"})
	}))
	defer issuer.Close()
	if err := srv.Sim.SetCallbackTarget(mastercard.ID, simulator.CallbackTarget{
		URL: issuer.URL + "/issuer", RetrySchedule: []time.Duration{}, Timeout: time.Minute,
	}); err != nil {
		t.Fatal(err)
	}

	for i, p := range []string{"5186001700008785", "2223001850114872"} {
		var res struct {
			Status int
			Sent   map[string]any
			Answer map[string]any
		}
		err := nodeInterop(node, "enrol.js", map[string]any{
			"url": srv.URL + path, "consumerKey": creds["consumer-key"].Value,
			"signingKey": signingKey, "encryptionCertificate": encCert,
			"body": map[string]any{
				"srcClientId": creds["src-client-id"].Value, "serviceId": creds["service-id"].Value,
				"srcCorrelationId": fmt.Sprintf("0f1e2d3c-4b5a-4968-8776-65544332211%d", i),
				"consumer": map[string]any{"consumerIdentity": map[string]any{"identityType": "EMAIL_ADDRESS", "identityValue": fmt.Sprintf("ada%d@example.com", i)},
					"firstName": "Ada", "lastName": "Lovelace",
					"mobileNumber": map[string]any{"countryCode": "44", "phoneNumber": "7700900123"}, "languageCode": "en", "countryCode": "GB"},
				"cardSource": "ISSUER", "complianceSettings": map[string]any{"privacy": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},
					"tnc": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},
				"card": map[string]any{
					"primaryAccountNumber": p, "panExpirationMonth": "12", "panExpirationYear": "2030", "cardholderFullName": "Ada Lovelace",
					"billingAddress": map[string]any{"line1": "1 Main Street", "city": "London", "countryCode": "GB"},
				},
			},
		}, &res)
		if err != nil {
			t.Fatal(err)
		}
		jwe, _ := res.Sent["encryptedCard"].(string)
		if _, clear := res.Sent["card"]; clear || strings.Count(jwe, ".") != 4 || strings.Contains(jwe, p) {
			t.Fatalf("the library did not replace card with a compact JWE in encryptedCard: %v", res.Sent)
		}
		hdr, _ := base64.RawStdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "/").Replace(strings.Split(jwe, ".")[0]))
		var h map[string]string
		_ = json.Unmarshal(hdr, &h)
		if h["kid"] != creds["encryption-public-key"].KeyID || h["alg"] != "RSA-OAEP-256" || h["enc"] != "A256GCM" {
			t.Fatalf("library JWE header %s; the credential's keyId is %s", hdr, creds["encryption-public-key"].KeyID)
		}
		raw, _ := json.Marshal(res.Answer)
		if res.Status != http.StatusOK {
			t.Fatalf("card %d: the simulator refused the libraries' enrolment: %d %s", i, res.Status, raw)
		}
		mc, _ := res.Answer["maskedCard"].(map[string]any)
		if dc, _ := mc["digitalCardData"].(map[string]any); dc["status"] != "ACTIVE" || mc["srcDigitalCardId"] == nil || mc["panLastFour"] != p[len(p)-4:] {
			t.Fatalf("card %d: maskedCard %s", i, raw)
		}
		if strings.Contains(string(raw), p) {
			t.Fatal("the answer carries the PAN in clear")
		}
		select {
		case got := <-opened:
			if got != p {
				t.Fatalf("card %d: the library opened an Authorize Service payload for another card", i)
			}
		default:
			t.Fatalf("card %d: enrolled without the Authorize Service payload being opened", i)
		}
	}
}
