package cardjwe

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
)

func TestRoundTripAndRefusals(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	c, err := Encrypt([]byte(`{"pan":"6445644564456445"}`), &k.PublicKey, "ds-1")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := Decrypt(c, k, "ds-1"); err != nil || string(p) != `{"pan":"6445644564456445"}` {
		t.Fatalf("Decrypt = %s, %v", p, err)
	}
	if _, err := Decrypt(c, k, "ds-2"); !errors.Is(err, ErrKeyID) {
		t.Fatalf("kid: %v", err)
	}
	if _, err := Decrypt("6445644564456445", k, ""); !errors.Is(err, ErrNotJWE) {
		t.Fatalf("clear PAN: %v", err)
	}
}
