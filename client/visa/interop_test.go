package visa_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/internal/josetest"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
)

// node runs one command of testdata/interop/interop.mjs. Without node or the
// installed jose package the test is skipped locally and fails in CI, where
// `make test` installs it.
func node(t *testing.T, cmd string, req any) map[string]any {
	t.Helper()
	in, _ := json.Marshal(req)
	c := exec.Command("node", "interop.mjs", cmd)
	c.Dir = interopDir(t)
	c.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("node %s: %v: %s", cmd, err, stderr.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("node %s answered %q", cmd, out.String())
	}
	return res
}

func interopDir(t *testing.T) string {
	t.Helper()
	return josetest.Dir(t)
}

// nodeFails runs a command that must fail and returns its error output.
func nodeFails(t *testing.T, cmd string, req any) string {
	t.Helper()
	in, _ := json.Marshal(req)
	c := exec.Command("node", "interop.mjs", cmd)
	c.Dir = interopDir(t)
	c.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err == nil {
		t.Fatalf("node %s accepted what it must refuse", cmd)
	}
	return stderr.String()
}

const enrolPlaintext = `{"intent":{"type":"PRODUCT_CODE","value":"CLICK_TO_PAY"},"consumerInformation":{"externalConsumerID":"interop-1","externalConsumerIDOwnerBID":"10000001"},"paymentInstruments":[{"type":"CARD","accountNumber":"4111111145551141","expirationDate":"2031-01"}]}`

func TestInteropMLEJoseEncryptsWeDecrypt(t *testing.T) {
	iat := time.Now().UnixMilli()
	res := node(t, "mle-encrypt", map[string]any{
		"publicKeyPem": string(readPEM(t, "visa-mle-server.pub.pem")), "kid": "MLE-INTEROP", "iat": iat, "payload": enrolPlaintext,
	})
	o, err := mle.Open([]byte(res["body"].(string)), privateKey(t, "visa-mle-server.pem"), "MLE-INTEROP")
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Payload) != enrolPlaintext || o.IssuedAt.UnixMilli() != iat {
		t.Fatalf("payload %q iat %v", o.Payload, o.IssuedAt)
	}
}

func TestInteropMLEWeEncryptJoseDecrypts(t *testing.T) {
	now := time.UnixMilli(1764043200123)
	body, err := mle.Seal([]byte(enrolPlaintext), publicKey(t, "issuer-mle-client.pub.pem"), "MLE-INTEROP", now)
	if err != nil {
		t.Fatal(err)
	}
	res := node(t, "mle-decrypt", map[string]any{"privateKeyPem": string(readPEM(t, "issuer-mle-client.pem")), "body": string(body)})
	h := res["header"].(map[string]any)
	if res["payload"] != enrolPlaintext || h["kid"] != "MLE-INTEROP" || h["iat"] != float64(now.UnixMilli()) || h["alg"] != "RSA-OAEP-256" || h["enc"] != "A128GCM" {
		t.Fatalf("jose read %v", res)
	}
}

const attemptPlaintext = `{"clientInformation":{"firstName":"Jane","lastName":"Doe"},"enrollment":{"enrollmentID":"e-1"}}`

func TestInteropNotificationJoseSignsWeVerify(t *testing.T) {
	res := node(t, "notif-seal", map[string]any{
		"signKeyPem": string(readPEM(t, "visa-signing.pem")), "signKid": "715EA257",
		"encPublicKeyPem": string(readPEM(t, "issuer-notification.pub.pem")), "encKid": "ISS-1",
		"iat": time.Now().Unix(), "payload": attemptPlaintext,
	})
	signPub := publicKey(t, "visa-signing.pub.pem")
	op := notification.Opener{
		VerifyKeys: func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == "715EA257" },
		DecryptKey: privateKey(t, "issuer-notification.pem"), DecryptKeyID: "ISS-1",
	}
	body := []byte(res["body"].(string))
	o, err := op.Open(body)
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Payload) != attemptPlaintext {
		t.Fatalf("payload %q", o.Payload)
	}
	// A notification signed by someone else (the issuer's own key standing in
	// for a forger) is refused.
	forged := node(t, "notif-seal", map[string]any{
		"signKeyPem": string(readPEM(t, "issuer-mle-client.pem")), "signKid": "715EA257",
		"encPublicKeyPem": string(readPEM(t, "issuer-notification.pub.pem")), "encKid": "ISS-1",
		"iat": time.Now().Unix(), "payload": attemptPlaintext,
	})
	if _, err := op.Open([]byte(forged["body"].(string))); !errors.Is(err, notification.ErrSignature) {
		t.Fatalf("forged notification: %v", err)
	}
}

func TestInteropNotificationWeSignJoseVerifies(t *testing.T) {
	s := notification.Sealer{SignKey: privateKey(t, "visa-signing.pem"), SignKeyID: "715EA257",
		EncKey: publicKey(t, "issuer-notification.pub.pem"), EncKeyID: "ISS-1"}
	body, err := s.Seal([]byte(attemptPlaintext), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res := node(t, "notif-open", map[string]any{
		"verifyPublicKeyPem": string(readPEM(t, "visa-signing.pub.pem")), "decryptKeyPem": string(readPEM(t, "issuer-notification.pem")), "body": string(body),
	})
	jws := res["jwsHeader"].(map[string]any)
	if res["payload"] != attemptPlaintext || jws["alg"] != "PS256" || jws["typ"] != "JOSE" || jws["cty"] != "JWE" || jws["kid"] != "715EA257" {
		t.Fatalf("jose read %v", res)
	}
	msg := nodeFails(t, "notif-open", map[string]any{
		"verifyPublicKeyPem": string(readPEM(t, "issuer-mle-client.pub.pem")), "decryptKeyPem": string(readPEM(t, "issuer-notification.pem")), "body": string(body),
	})
	if !bytes.Contains([]byte(msg), []byte("signature")) {
		t.Fatalf("jose refused for another reason: %s", msg)
	}
}

func TestInteropVTSBothWays(t *testing.T) {
	const key, secret, payload = "VTSKEY", "interop-shared-secret-000111", `{"riskInformation":{"walletScore":"1"}}`
	now := time.Now()
	res := node(t, "vts-seal", map[string]any{"apiKey": key, "sharedSecret": secret, "iat": now.Unix(), "payload": payload})
	op := vtsjwe.Opener{Secret: func(k string) (string, bool) { return secret, k == key }, Now: func() time.Time { return now }}
	o, err := op.Open(res["jwe"].(string))
	if err != nil || string(o.Payload) != payload {
		t.Fatalf("opening jose's JWE: %v %+v", err, o)
	}
	ours, err := vtsjwe.Seal([]byte(payload), key, secret, now)
	if err != nil {
		t.Fatal(err)
	}
	back := node(t, "vts-open", map[string]any{"sharedSecret": secret, "jwe": ours})
	h := back["header"].(map[string]any)
	if back["payload"] != payload || h["channelSecurityContext"] != "SHARED_SECRET" || h["kid"] != key || h["typ"] != "JOSE" {
		t.Fatalf("jose read %v", back)
	}
	nodeFails(t, "vts-open", map[string]any{"sharedSecret": "another-secret", "jwe": ours})
}
