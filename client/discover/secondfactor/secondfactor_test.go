package secondfactor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
	other   *rsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		testKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		other, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	return testKey, other
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestContentHashKnownAnswer(t *testing.T) {
	// SHA-256 of the empty string and of "abc", base64url without padding.
	if got := ContentHash(nil); got != "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU" {
		t.Fatalf("empty: %s", got)
	}
	if got := ContentHash([]byte("abc")); got != "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0" {
		t.Fatalf("abc: %s", got)
	}
}

func TestSignAndVerify(t *testing.T) {
	k, o := keys(t)
	body := []byte(`{"tokenReferenceId":"DDX1","operationType":"Suspend"}`)
	tok, err := Sign(k, "partner-1", body, t0)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(kid string) (*rsa.PublicKey, bool) {
		if kid == "partner-1" {
			return &k.PublicKey, true
		}
		return nil, false
	}
	v := &Verifier{Keys: lookup, Now: func() time.Time { return t0.Add(time.Minute) }}
	res, err := v.Verify(tok, body)
	if err != nil || res.KeyID != "partner-1" || !res.IssuedAt.Equal(t0) {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
	// The header says typ JWT, RS256 and the kid.
	parsed, _ := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if h := parsed.Signatures[0].Protected; h.KeyID != "partner-1" || h.ExtraHeaders[jose.HeaderType] != "JWT" || h.Algorithm != "RS256" {
		t.Fatalf("header %+v", h)
	}
	// Verified twice: a retry of the same request is not refused.
	if _, err := v.Verify(tok, body); err != nil {
		t.Fatalf("second verification: %v", err)
	}

	otherTok, _ := Sign(o, "partner-1", body, t0)
	unknownKid, _ := Sign(k, "partner-2", body, t0)
	stale, _ := Sign(k, "partner-1", body, t0.Add(-10*time.Minute))
	hs, _ := hs256(body)
	for name, tc := range map[string]struct {
		tok  string
		body []byte
		want error
	}{
		"missing":         {"", body, ErrMissing},
		"not a JWS":       {"abc.def", body, ErrMalformed},
		"other body":      {tok, []byte(`{"tokenReferenceId":"DDX2","operationType":"Suspend"}`), ErrContentHash},
		"empty body":      {tok, nil, ErrContentHash},
		"other key":       {otherTok, body, ErrSignature},
		"unknown kid":     {unknownKid, body, ErrUnknownKey},
		"stale iat":       {stale, body, ErrStale},
		"HS256 refused":   {hs, body, ErrMalformed},
		"tampered claims": {tamper(tok), body, ErrSignature},
	} {
		if _, err := v.Verify(tc.tok, tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// hs256 signs with a shared secret: never acceptable for the second factor.
func hs256(body []byte) (string, error) {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "partner-1"))
	if err != nil {
		return "", err
	}
	o, err := s.Sign([]byte(`{"content_hash":"` + ContentHash(body) + `","iat":1772366400}`))
	if err != nil {
		return "", err
	}
	return o.CompactSerialize()
}

// tamper swaps the payload for another one, keeping the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"content_hash":"x","iat":1772366400}`))
	return strings.Join(parts, ".")
}

func TestExpiredAndMissingClaims(t *testing.T) {
	k, _ := keys(t)
	lookup := func(string) (*rsa.PublicKey, bool) { return &k.PublicKey, true }
	v := &Verifier{Keys: lookup, Now: func() time.Time { return t0 }}
	sign := func(claims string) string {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "p"))
		o, _ := s.Sign([]byte(claims))
		c, _ := o.CompactSerialize()
		return c
	}
	h := ContentHash(nil)
	if _, err := v.Verify(sign(`{"content_hash":"`+h+`","iat":1772366400,"exp":1772366300}`), nil); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	if _, err := v.Verify(sign(`{"content_hash":"`+h+`"}`), nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("no iat: %v", err)
	}
	if _, err := v.Verify(sign(`{"iat":1772366400}`), nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("no content_hash: %v", err)
	}
	if _, err := v.Verify(sign(`{"content_hash":"`+h+`","iat":1772366400}`), nil); err != nil {
		t.Errorf("good: %v", err)
	}
}

func selfSigned(t *testing.T, cn string, from, to time.Time) *x509.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn}, NotBefore: from, NotAfter: to}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestCertificateHeader(t *testing.T) {
	reg := selfSigned(t, "app", t0.Add(-time.Hour), t0.Add(time.Hour))
	foreign := selfSigned(t, "app", t0.Add(-time.Hour), t0.Add(time.Hour))
	h := CertificateHeader(reg)
	if c, err := CheckCertificate(h, []*x509.Certificate{reg}, t0); err != nil || c != reg {
		t.Fatalf("registered: %v", err)
	}
	if _, err := CheckCertificate(CertificateHeader(foreign), []*x509.Certificate{reg}, t0); !errors.Is(err, ErrCertUnknown) {
		t.Fatalf("foreign: %v", err)
	}
	if _, err := CheckCertificate(h, []*x509.Certificate{reg}, t0.Add(2*time.Hour)); !errors.Is(err, ErrCertNotValidNow) {
		t.Fatalf("expired: %v", err)
	}
	for _, bad := range []string{"", "%%%", base64.StdEncoding.EncodeToString([]byte("not DER"))} {
		if _, err := CheckCertificate(bad, []*x509.Certificate{reg}, t0); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func FuzzVerify(f *testing.F) {
	k, _ := keys(f)
	good, _ := Sign(k, "p", []byte("{}"), t0)
	for _, s := range []string{good, "", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", good + "x", strings.Replace(good, ".", "..", 1)} {
		f.Add(s, []byte("{}"))
	}
	v := &Verifier{Keys: func(string) (*rsa.PublicKey, bool) { return &k.PublicKey, true }, Now: func() time.Time { return t0 }}
	f.Fuzz(func(t *testing.T, tok string, body []byte) {
		res, err := v.Verify(tok, body)
		if err == nil && (res.KeyID == "" || ContentHash(body) == "") {
			t.Fatalf("accepted %q with %+v", tok, res)
		}
		_, _ = ParseCertificateHeader(tok)
	})
}
