package visa_test

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/internal/josetest"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
)

// vectors are JOSE objects produced once by the jose npm package
// (testdata/interop) with the test keys in testdata/keys. Opening them pins
// our readers to an independent writer, with no Node needed.
type vectors struct {
	MLE struct {
		Kid       string `json:"kid"`
		IatMillis int64  `json:"iatMillis"`
		Payload   string `json:"payload"`
		Body      string `json:"body"`
	} `json:"mle"`
	Notification struct {
		SignKid string `json:"signKid"`
		EncKid  string `json:"encKid"`
		Payload string `json:"payload"`
		Body    string `json:"body"`
	} `json:"notification"`
	VTS struct {
		APIKey       string `json:"apiKey"`
		SharedSecret string `json:"sharedSecret"`
		Iat          int64  `json:"iat"`
		Payload      string `json:"payload"`
		JWE          string `json:"jwe"`
	} `json:"vts"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The shared test keys in testdata/keys.
var (
	privateKey = josetest.PrivateKey
	publicKey  = josetest.PublicKey
)

func readPEM(t testing.TB, name string) []byte { return []byte(josetest.PEMFile(t, name)) }

func TestVectorMLE(t *testing.T) {
	v := loadVectors(t)
	o, err := mle.Open([]byte(v.MLE.Body), privateKey(t, "visa-mle-server.pem"), v.MLE.Kid)
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Payload) != v.MLE.Payload || o.KeyID != v.MLE.Kid || o.IssuedAt.UnixMilli() != v.MLE.IatMillis {
		t.Fatalf("opened %q kid %q iat %d", o.Payload, o.KeyID, o.IssuedAt.UnixMilli())
	}
	if _, err := mle.Open([]byte(v.MLE.Body), privateKey(t, "issuer-mle-client.pem"), ""); err == nil {
		t.Fatal("the vector opened with a key it was not encrypted to")
	}
}

func TestVectorNotification(t *testing.T) {
	v := loadVectors(t)
	signPub := publicKey(t, "visa-signing.pub.pem")
	op := notification.Opener{
		VerifyKeys:   func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == v.Notification.SignKid },
		DecryptKey:   privateKey(t, "issuer-notification.pem"),
		DecryptKeyID: v.Notification.EncKid,
	}
	o, err := op.Open([]byte(v.Notification.Body))
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Payload) != v.Notification.Payload || o.SignKeyID != "715EA257" {
		t.Fatalf("opened %q signed by %q", o.Payload, o.SignKeyID)
	}
	// The same body verified against another key must be refused before
	// anything is decrypted.
	other := publicKey(t, "issuer-mle-client.pub.pem")
	op.VerifyKeys = func(string) (*rsa.PublicKey, bool) { return other, true }
	if _, err := op.Open([]byte(v.Notification.Body)); !errors.Is(err, notification.ErrSignature) {
		t.Fatalf("wrong verification key: %v", err)
	}
}

func TestVectorVTS(t *testing.T) {
	v := loadVectors(t)
	at := time.Unix(v.VTS.Iat, 0)
	op := vtsjwe.Opener{
		Secret: func(k string) (string, bool) { return v.VTS.SharedSecret, k == v.VTS.APIKey },
		Now:    func() time.Time { return at.Add(time.Minute) },
	}
	o, err := op.Open(v.VTS.JWE)
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Payload) != v.VTS.Payload || o.APIKey != v.VTS.APIKey || !o.IssuedAt.Equal(at) {
		t.Fatalf("opened %+v", o)
	}
	op.Now = func() time.Time { return at.Add(time.Hour) }
	if _, err := op.Open(v.VTS.JWE); !errors.Is(err, vtsjwe.ErrStale) {
		t.Fatalf("an hour later: %v", err)
	}
}
