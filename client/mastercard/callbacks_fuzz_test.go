package mastercard_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/client/mastercard"
	"github.com/c2psim/c2psim/internal/mastercardfacts"
)

// FuzzDecodeCallback feeds arbitrary bodies to every Pre-Digitization call
// the adapter decodes: it may refuse them, never panic, and a refusal never
// echoes a card number. The seeds are the published samples (R-MC3); the
// corpus lives in testdata/fuzz/FuzzDecodeCallback.
func FuzzDecodeCallback(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	a, err := mastercard.New(mastercard.Config{BaseURL: "http://127.0.0.1:1", ConsumerKey: "ck", SigningKey: key, EncryptionKey: &key.PublicKey,
		SrcClientID: "c", ServiceID: "s", DirectoryID: "d", DecryptionKey: key})
	if err != nil {
		f.Fatal(err)
	}
	paths := []string{"/authorizeService", "/requestActivationMethods", "/deliverActivationCode", "/validateActivationCode",
		"/notifyServiceActivated", "/notifyTokenUpdated", "/notifySuspiciousEvents", "/getAccountInformation"}
	for i, s := range mastercardfacts.PreDigitization {
		f.Add(uint8(i%len(paths)), []byte(s.Request))
	}
	f.Add(uint8(5), []byte(`{"requestId":"1","reasonCode":"STATUS_UPDATE","tokens":[{"tokenUniqueReference":"T","fundingAccountInfo":{"encryptedPayload":{"encryptedData":"zz","encryptedKey":"00","publicKeyFingerprint":"00"}}}]}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := paths[int(which)%len(paths)]
		r := httptest.NewRequest(http.MethodPost, "/mastercard"+p, bytes.NewReader(body))
		ev, err := a.DecodeCallback(r)
		if err != nil {
			rec := httptest.NewRecorder()
			if werr := a.WriteError(rec, err); werr != nil {
				t.Fatal(werr)
			}
			if strings.Contains(rec.Body.String(), "5123456789012345") {
				t.Fatalf("the refusal echoes a card number: %s", rec.Body)
			}
			return
		}
		if ev == nil || ev.ID == "" {
			t.Fatalf("%s decoded to an event without an ID", p)
		}
		rec := httptest.NewRecorder()
		if err := a.WriteReply(rec, ev); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("reply %d %v", rec.Code, err)
		}
	})
}
