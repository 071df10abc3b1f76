package cardjwe

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func TestSealOpenAndRefusals(t *testing.T) {
	discover, _ := rsa.GenerateKey(rand.Reader, 2048)
	partner, _ := rsa.GenerateKey(rand.Reader, 2048)
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	card := []byte(`{"pan":"6445644564456445","expiryMonth":2,"expiryYear":2031}`)
	signers := func(kid string) (*rsa.PublicKey, bool) {
		if kid == "partner-1" {
			return &partner.PublicKey, true
		}
		return nil, false
	}
	sealed, err := Seal(card, partner, "partner-1", &discover.PublicKey, "ds-enc-1")
	if err != nil {
		t.Fatal(err)
	}
	plain, kid, err := Open(sealed, discover, "ds-enc-1", signers)
	if err != nil || string(plain) != string(card) || kid != "partner-1" {
		t.Fatalf("Open = %s %s %v", plain, kid, err)
	}
	// The outer header is the documented nested form.
	obj, _ := jose.ParseEncryptedCompact(sealed, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if obj.Header.KeyID != "ds-enc-1" || obj.Header.ExtraHeaders[jose.HeaderContentType] != "JWT" {
		t.Fatalf("header %+v", obj.Header)
	}

	// A plain JWE of the card (no inner JWS).
	enc, _ := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: &discover.PublicKey, KeyID: "ds-enc-1"}, nil)
	o, _ := enc.Encrypt(card)
	plainJWE, _ := o.CompactSerialize()
	encJWT, _ := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: &discover.PublicKey, KeyID: "ds-enc-1"}, (&jose.EncrypterOptions{}).WithContentType("JWT"))
	o, _ = encJWT.Encrypt(card)
	notJWS, _ := o.CompactSerialize()
	byStranger, _ := Seal(card, stranger, "partner-1", &discover.PublicKey, "ds-enc-1")
	unknownSigner, _ := Seal(card, partner, "partner-9", &discover.PublicKey, "ds-enc-1")
	toOtherKey, _ := Seal(card, partner, "partner-1", &stranger.PublicKey, "ds-enc-1")
	otherKid, _ := Seal(card, partner, "partner-1", &discover.PublicKey, "ds-enc-2")
	for name, tc := range map[string]struct {
		in   string
		want error
	}{
		"clear card number": {"6445644564456445", ErrNotJWE},
		"clear JSON":        {string(card), ErrNotJWE},
		"plain JWE":         {plainJWE, ErrNotNested},
		"JWT without JWS":   {notJWS, ErrNotNested},
		"signed by another": {byStranger, ErrSignature},
		"unknown signer":    {unknownSigner, ErrSignerKey},
		"to another key":    {toOtherKey, ErrDecrypt},
		"another kid":       {otherKid, ErrKeyID},
		"truncated":         {sealed[:len(sealed)-10], ErrDecrypt},
	} {
		if _, _, err := Open(tc.in, discover, "ds-enc-1", signers); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
		if _, _, err := Open(tc.in, discover, "ds-enc-1", signers); err != nil && strings.Contains(err.Error(), "6445644564456445") {
			t.Errorf("%s: the error echoes the card number", name)
		}
	}
}
