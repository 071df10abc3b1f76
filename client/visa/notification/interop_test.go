package notification_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/internal/josetest"
	"github.com/c2psim/c2psim/client/visa/notification"
)

// Shared with the other Visa interoperability tests.
var (
	jose    = josetest.Run
	pemFile = josetest.PEMFile
)

const attempt = `{"clientInformation":{"firstName":"Jane","lastName":"Doe","email":"jane@example.com"},"enrollment":{"enrollmentID":"e-7","tokenRequestorID":"40010075001","panLast4":"1140"}}`

// jose builds notifications as Visa would (both content encryptions it may
// use); Open verifies and decrypts them, and refuses one signed by another key.
func TestInteropJoseBuildsOpenReads(t *testing.T) {
	signPub, issuerPriv := josetest.PublicKey(t, "visa-signing.pub.pem"), josetest.PrivateKey(t, "issuer-notification.pem")
	for _, enc := range []string{"A128GCM", "A256GCM"} {
		res, err := jose(t, "notif-seal", map[string]any{
			"signKeyPem": pemFile(t, "visa-signing.pem"), "signKid": "715EA257",
			"encPublicKeyPem": pemFile(t, "issuer-notification.pub.pem"), "encKid": "ISS-1",
			"iat": time.Now().Unix(), "payload": attempt, "enc": enc,
		})
		if err != nil {
			t.Fatalf("jose notif-seal %s: %v", enc, err)
		}
		var body notification.Body
		if err := json.Unmarshal([]byte(res["body"].(string)), &body); err != nil {
			t.Fatal(err)
		}
		if len(body.EncryptedData) > notification.MaxEncryptedData {
			t.Fatalf("jose's encryptedData is %d characters, over the limit", len(body.EncryptedData))
		}
		got, err := notification.Open(body.EncryptedData, signPub, issuerPriv)
		if err != nil || string(got) != attempt {
			t.Fatalf("%s: Open = %q, %v", enc, got, err)
		}
	}
	forged, err := jose(t, "notif-seal", map[string]any{
		"signKeyPem": pemFile(t, "issuer-mle-client.pem"), "signKid": "715EA257",
		"encPublicKeyPem": pemFile(t, "issuer-notification.pub.pem"), "encKid": "ISS-1",
		"iat": time.Now().Unix(), "payload": attempt,
	})
	if err != nil {
		t.Fatal(err)
	}
	var body notification.Body
	_ = json.Unmarshal([]byte(forged["body"].(string)), &body)
	if got, err := notification.Open(body.EncryptedData, signPub, issuerPriv); !errors.Is(err, notification.ErrSignature) {
		t.Fatalf("jose-built notification signed by another key: got %q, %v; want ErrSignature", got, err)
	}
}

// Build's output is accepted by jose, which sees the documented headers; a
// notification Build signs with another key is refused by jose.
func TestInteropBuildJoseReads(t *testing.T) {
	now := time.Unix(1764043200, 0)
	jws, err := notification.Build([]byte(attempt), josetest.PublicKey(t, "issuer-notification.pub.pem"), "ISS-1",
		josetest.PrivateKey(t, "visa-signing.pem"), "715EA257", now)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(notification.Body{EncryptedData: jws})
	res, err := jose(t, "notif-open", map[string]any{
		"verifyPublicKeyPem": pemFile(t, "visa-signing.pub.pem"), "decryptKeyPem": pemFile(t, "issuer-notification.pem"), "body": string(body),
	})
	if err != nil {
		t.Fatalf("jose refused our notification: %v", err)
	}
	jwsH, jweH := res["jwsHeader"].(map[string]any), res["jweHeader"].(map[string]any)
	if res["payload"] != attempt {
		t.Fatalf("jose decrypted %q", res["payload"])
	}
	if jwsH["alg"] != "PS256" || jwsH["typ"] != "JOSE" || jwsH["cty"] != "JWE" || jwsH["kid"] != "715EA257" {
		t.Fatalf("JWS header as jose reads it: %v", jwsH)
	}
	if jweH["alg"] != "RSA-OAEP-256" || jweH["enc"] != "A128GCM" || jweH["kid"] != "ISS-1" || jweH["iat"] != float64(now.Unix()) {
		t.Fatalf("JWE header as jose reads it: %v", jweH)
	}

	forged, err := notification.Build([]byte(attempt), josetest.PublicKey(t, "issuer-notification.pub.pem"), "ISS-1",
		josetest.PrivateKey(t, "issuer-mle-client.pem"), "715EA257", now)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = json.Marshal(notification.Body{EncryptedData: forged})
	_, err = jose(t, "notif-open", map[string]any{
		"verifyPublicKeyPem": pemFile(t, "visa-signing.pub.pem"), "decryptKeyPem": pemFile(t, "issuer-notification.pem"), "body": string(body),
	})
	if err == nil || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("jose on a forged notification: %v; want a signature failure", err)
	}
}
