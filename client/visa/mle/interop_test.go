package mle_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/internal/josetest"
	"github.com/c2psim/c2psim/client/visa/mle"
)

// Shared with the other Visa interoperability tests.
var (
	jose    = josetest.Run
	pemFile = josetest.PEMFile
)

// A VICA Enroll Data body as an issuer sends it, with Visa's published sample card.
const enrollData = `{"intent":{"type":"PRODUCT_CODE","value":"CLICK_TO_PAY"},"consumerInformation":{"externalConsumerID":"mle-interop-1","externalConsumerIDOwnerBID":"10000001","firstName":"Ada","lastName":"Lovelace","countryCode":"GBR"},"paymentInstruments":[{"type":"CARD","accountNumber":"4111111145551140","nameOnCard":"Ada Lovelace","expirationDate":"2029-08"}]}`

// jose encrypts a VICA body as Visa's MLE samples do (RSA-OAEP-256, A128GCM,
// kid, iat in milliseconds, {"encData"}); Open decrypts it and reads iat. A
// body jose encrypts with another content encryption, or to another key, is
// refused.
func TestInteropJoseEncryptsOpenDecrypts(t *testing.T) {
	serverPriv := josetest.PrivateKey(t, "visa-mle-server.pem")
	iat := time.Now().UnixMilli()
	seal := func(keyFile, enc string) []byte {
		t.Helper()
		req := map[string]any{"publicKeyPem": pemFile(t, keyFile), "kid": "MLE-KID-1", "iat": iat, "payload": enrollData}
		if enc != "" {
			req["enc"] = enc
		}
		res, err := jose(t, "mle-encrypt", req)
		if err != nil {
			t.Fatalf("jose mle-encrypt: %v", err)
		}
		return []byte(res["body"].(string))
	}
	body := seal("visa-mle-server.pub.pem", "")
	var env map[string]string
	if err := json.Unmarshal(body, &env); err != nil || len(env) != 1 || env["encData"] == "" {
		t.Fatalf("jose body %s is not {\"encData\": ...}", body)
	}
	o, err := mle.Open(body, serverPriv, "MLE-KID-1")
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Payload) != enrollData || o.KeyID != "MLE-KID-1" || o.IssuedAt.UnixMilli() != iat {
		t.Fatalf("Open = %q kid %q iat %v", o.Payload, o.KeyID, o.IssuedAt)
	}
	if _, err := mle.Open(seal("visa-mle-server.pub.pem", "A256GCM"), serverPriv, "MLE-KID-1"); !errors.Is(err, mle.ErrAlgorithm) {
		t.Fatalf("A256GCM body: %v, want ErrAlgorithm", err)
	}
	if _, err := mle.Open(seal("issuer-mle-client.pub.pem", ""), serverPriv, "MLE-KID-1"); err == nil {
		t.Fatal("a body encrypted to another key was decrypted")
	}
}

// Seal's output is what jose expects of Visa MLE; jose refuses it with the
// wrong private key and refuses a tampered ciphertext.
func TestInteropSealJoseDecrypts(t *testing.T) {
	now := time.UnixMilli(1764043200123)
	body, err := mle.Seal([]byte(enrollData), josetest.PublicKey(t, "issuer-mle-client.pub.pem"), "MLE-KID-1", now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := jose(t, "mle-decrypt", map[string]any{"privateKeyPem": pemFile(t, "issuer-mle-client.pem"), "body": string(body)})
	if err != nil {
		t.Fatalf("jose refused our MLE body: %v", err)
	}
	h := res["header"].(map[string]any)
	if res["payload"] != enrollData || h["alg"] != "RSA-OAEP-256" || h["enc"] != "A128GCM" || h["kid"] != "MLE-KID-1" || h["iat"] != float64(now.UnixMilli()) || h["typ"] != "JWE" {
		t.Fatalf("jose read %v", res)
	}
	if _, err := jose(t, "mle-decrypt", map[string]any{"privateKeyPem": pemFile(t, "visa-mle-server.pem"), "body": string(body)}); err == nil {
		t.Fatal("jose decrypted with the wrong key")
	}
	var env mle.Envelope
	_ = json.Unmarshal(body, &env)
	parts := strings.Split(env.EncData, ".")
	ct := []byte(parts[3]) // change one ciphertext character in the middle
	if ct[len(ct)/2] == 'A' {
		ct[len(ct)/2] = 'B'
	} else {
		ct[len(ct)/2] = 'A'
	}
	parts[3] = string(ct)
	tampered, _ := json.Marshal(mle.Envelope{EncData: strings.Join(parts, ".")})
	if _, err := jose(t, "mle-decrypt", map[string]any{"privateKeyPem": pemFile(t, "issuer-mle-client.pem"), "body": string(tampered)}); err == nil {
		t.Fatal("jose accepted a tampered ciphertext")
	}
	if _, err := mle.Open(tampered, josetest.PrivateKey(t, "issuer-mle-client.pem"), "MLE-KID-1"); err == nil {
		t.Fatal("Open accepted a tampered ciphertext")
	}
}
