package pemkey_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/internal/pemkey"
)

var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func block(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func TestRoundTrip(t *testing.T) {
	k := rsaKey()
	pubPEM := pemkey.EncodePublic(&k.PublicKey)
	if !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("public key PEM starts %q", pubPEM[:min(30, len(pubPEM))])
	}
	pub, err := pemkey.ParsePublic(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(&k.PublicKey) {
		t.Error("public key changed on the way through PEM")
	}
	privPEM := pemkey.EncodePrivate(k)
	if !strings.HasPrefix(privPEM, "-----BEGIN PRIVATE KEY-----\n") {
		t.Fatalf("private key PEM starts %q", privPEM[:min(30, len(privPEM))])
	}
	priv, err := pemkey.ParsePrivate(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Equal(k) {
		t.Error("private key changed on the way through PEM")
	}
}

func TestParsePrivateReadsPKCS1(t *testing.T) {
	k := rsaKey()
	priv, err := pemkey.ParsePrivate(block("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Equal(k) {
		t.Error("PKCS#1 key read as another key")
	}
}

func TestParseRefuses(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPub, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	garbage := block("PUBLIC KEY", []byte("not DER"))
	for name, c := range map[string]struct {
		parse func(string) error
		in    string
		want  error // nil: any error but the sentinels
	}{
		"public empty":       {parsePublic, "", pemkey.ErrNotPEM},
		"public clear text":  {parsePublic, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", pemkey.ErrNotPEM},
		"public EC":          {parsePublic, block("PUBLIC KEY", ecPub), pemkey.ErrNotRSA},
		"public garbage DER": {parsePublic, garbage, nil},
		"private empty":      {parsePrivate, "", pemkey.ErrNotPEM},
		"private EC":         {parsePrivate, block("PRIVATE KEY", ecPriv), pemkey.ErrNotRSA},
		"private garbage":    {parsePrivate, block("PRIVATE KEY", []byte("not DER")), nil},
		"private as public":  {parsePublic, pemkey.EncodePrivate(rsaKey()), nil},
		"public as private":  {parsePrivate, pemkey.EncodePublic(&rsaKey().PublicKey), nil},
	} {
		t.Run(name, func(t *testing.T) {
			err := c.parse(c.in)
			switch {
			case err == nil:
				t.Fatal("accepted")
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("got %v, want %v", err, c.want)
			case c.want == nil && (errors.Is(err, pemkey.ErrNotPEM) || errors.Is(err, pemkey.ErrNotRSA)):
				t.Fatalf("got %v, want a parse error", err)
			}
		})
	}
}

func parsePublic(s string) error  { _, err := pemkey.ParsePublic(s); return err }
func parsePrivate(s string) error { _, err := pemkey.ParsePrivate(s); return err }

func TestParsePublicAtLeast(t *testing.T) {
	k := rsaKey()
	if _, err := pemkey.ParsePublicAtLeast(pemkey.EncodePublic(&k.PublicKey), 2048); err != nil {
		t.Fatalf("2048-bit key refused: %v", err)
	}
	_, err := pemkey.ParsePublicAtLeast(pemkey.EncodePublic(&k.PublicKey), 3072)
	if !errors.Is(err, pemkey.ErrTooWeak) || !strings.Contains(err.Error(), "2048 bits, at least 3072") {
		t.Fatalf("got %v, want ErrTooWeak naming both sizes", err)
	}
	if _, err := pemkey.ParsePublicAtLeast("", 2048); !errors.Is(err, pemkey.ErrNotPEM) {
		t.Fatalf("got %v, want ErrNotPEM", err)
	}
}
