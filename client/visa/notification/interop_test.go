package notification_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/notification"
)

// The keys and the jose driver script are shared with the other Visa
// interoperability tests.
var (
	keysDir    = filepath.Join("..", "testdata", "keys")
	interopDir = filepath.Join("..", "testdata", "interop")
)

// joseDir returns the driver's folder, or skips the test locally (fails it
// when CI is set) when node or the pinned jose package is not installed;
// `make test` installs it with npm ci.
func joseDir(t *testing.T) string {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(interopDir, "node_modules", "jose", "package.json")); err != nil {
		missing = "the jose package is not installed: run npm ci in " + interopDir
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return interopDir
}

// jose runs one command of interop.mjs; it returns the answer, or the error
// output when the command failed.
func jose(t *testing.T, cmd string, req any) (map[string]any, error) {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("node", "interop.mjs", cmd)
	c.Dir = joseDir(t)
	c.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, &stderr
	if err := c.Run(); err != nil {
		if _, exit := err.(*exec.ExitError); !exit {
			t.Fatalf("running node: %v", err)
		}
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("node %s answered %q", cmd, out.String())
	}
	return res, nil
}

func pemFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(keysDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rsaPrivate(t *testing.T, name string) *rsa.PrivateKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(pemFile(t, name)))
	if blk == nil {
		t.Fatalf("%s holds no PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

func rsaPublic(t *testing.T, name string) *rsa.PublicKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(pemFile(t, name)))
	if blk == nil {
		t.Fatalf("%s holds no PEM block", name)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PublicKey)
}

const attempt = `{"clientInformation":{"firstName":"Jane","lastName":"Doe","email":"jane@example.com"},"enrollment":{"enrollmentID":"e-7","tokenRequestorID":"40010075001","panLast4":"1140"}}`

// jose builds notifications as Visa would (both content encryptions it may
// use); Open verifies and decrypts them, and refuses one signed by another key.
func TestInteropJoseBuildsOpenReads(t *testing.T) {
	signPub, issuerPriv := rsaPublic(t, "visa-signing.pub.pem"), rsaPrivate(t, "issuer-notification.pem")
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
	jws, err := notification.Build([]byte(attempt), rsaPublic(t, "issuer-notification.pub.pem"), "ISS-1",
		rsaPrivate(t, "visa-signing.pem"), "715EA257", now)
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

	forged, err := notification.Build([]byte(attempt), rsaPublic(t, "issuer-notification.pub.pem"), "ISS-1",
		rsaPrivate(t, "issuer-mle-client.pem"), "715EA257", now)
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
