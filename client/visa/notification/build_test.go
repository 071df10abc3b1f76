package notification

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// segmentHeader decodes the protected header of a compact JOSE string.
func segmentHeader(t *testing.T, compact string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(compact, ".")[0])
	if err != nil {
		t.Fatalf("header of %.20q…: %v", compact, err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBuildOpen(t *testing.T) {
	const payload = `{"clientInformation":{"firstName":"Jane","lastName":"Doe"},"enrollment":{"enrollmentID":"e-1"}}`
	now := time.Unix(1764043200, 0)
	jws, err := Build([]byte(payload), &issuerKey.PublicKey, "ISS-1", visaKey, "715EA257", now)
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(jws, "."); len(parts) != 3 {
		t.Fatalf("not a compact JWS: %d segments", len(parts))
	}
	if h := segmentHeader(t, jws); len(h) != 4 || h["alg"] != "PS256" || h["typ"] != "JOSE" || h["cty"] != "JWE" || h["kid"] != "715EA257" {
		t.Fatalf("JWS header %v, want exactly alg PS256, typ JOSE, cty JWE, kid", h)
	}
	inner, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(string(inner), "."); len(parts) != 5 {
		t.Fatalf("JWS payload is not a compact JWE: %d segments", len(parts))
	}
	if h := segmentHeader(t, string(inner)); h["alg"] != "RSA-OAEP-256" || h["enc"] != "A128GCM" || h["kid"] != "ISS-1" || h["iat"] != float64(now.Unix()) {
		t.Fatalf("JWE header %v", h)
	}
	if strings.Contains(jws, "Jane") || strings.Contains(string(inner), "Jane") {
		t.Fatal("the payload shows in clear")
	}
	got, err := Open(jws, &visaKey.PublicKey, issuerKey)
	if err != nil || string(got) != payload {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// The Opener reads what Build makes, and Open reads what Sealer makes.
	_, o := pair()
	body, _ := json.Marshal(Body{EncryptedData: jws})
	if got, err := o.Open(body); err != nil || string(got.Payload) != payload {
		t.Fatalf("Opener.Open = %+v, %v", got, err)
	}
	s, _ := pair()
	sealed, err := s.Seal([]byte(payload), now)
	if err != nil {
		t.Fatal(err)
	}
	var b Body
	if err := json.Unmarshal(sealed, &b); err != nil {
		t.Fatal(err)
	}
	if got, err := Open(b.EncryptedData, &visaKey.PublicKey, issuerKey); err != nil || string(got) != payload {
		t.Fatalf("Open(Sealer output) = %q, %v", got, err)
	}
}

func TestOpenRefusesForgedSignatureBeforeDecrypting(t *testing.T) {
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// A forger who knows the issuer's public key and Visa's kid builds a
	// well-formed notification signed with its own key.
	forged, err := Build([]byte(`{"clientInformation":{"firstName":"Mallory"}}`), &issuerKey.PublicKey, "ISS-1", forger, "715EA257", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(forged, &visaKey.PublicKey, issuerKey)
	if !errors.Is(err, ErrSignature) || got != nil {
		t.Fatalf("forged notification: got %q, %v; want ErrSignature", got, err)
	}
	if !strings.Contains(err.Error(), "signature does not verify") {
		t.Fatalf("error does not say what is wrong: %v", err)
	}
	// Refused on the signature even when the decryption key would fail too:
	// the signature is checked first.
	if _, err := Open(forged, &visaKey.PublicKey, forger); !errors.Is(err, ErrSignature) {
		t.Fatalf("forged and undecryptable: got %v, want ErrSignature", err)
	}
	// Genuine signature, wrong decryption key: refused at decryption.
	genuine, _ := Build([]byte(`{}`), &issuerKey.PublicKey, "ISS-1", visaKey, "715EA257", time.Now())
	if _, err := Open(genuine, &visaKey.PublicKey, forger); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong decryption key: got %v, want ErrDecrypt", err)
	}
	// The signature covers the JWE: swapping in another JWE under the
	// genuine signature is refused.
	other, _ := Build([]byte(`{"x":1}`), &issuerKey.PublicKey, "ISS-1", visaKey, "715EA257", time.Now())
	g, o := strings.Split(genuine, "."), strings.Split(other, ".")
	if _, err := Open(g[0]+"."+o[1]+"."+g[2], &visaKey.PublicKey, issuerKey); !errors.Is(err, ErrSignature) {
		t.Fatalf("swapped payload: got %v, want ErrSignature", err)
	}
}

func TestOpenRefusesMalformed(t *testing.T) {
	genuine, _ := Build([]byte(`{}`), &issuerKey.PublicKey, "ISS-1", visaKey, "715EA257", time.Now())
	g := strings.Split(genuine, ".")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, c := range map[string]struct {
		in   string
		want error
	}{
		"empty":              {"", ErrNotJWS},
		"too long":           {strings.Repeat("a", MaxEncryptedData+1), ErrTooLong},
		"two segments":       {g[0] + "." + g[1], ErrNotJWS},
		"alg none":           {b64(`{"alg":"none","typ":"JOSE","cty":"JWE","kid":"715EA257"}`) + "." + g[1] + ".", ErrNotJWS},
		"alg HS256":          {b64(`{"alg":"HS256","typ":"JOSE","cty":"JWE","kid":"715EA257"}`) + "." + g[1] + "." + g[2], ErrNotJWS},
		"header without cty": {b64(`{"alg":"PS256","typ":"JOSE","kid":"715EA257"}`) + "." + g[1] + "." + g[2], ErrHeader},
	} {
		if got, err := Open(c.in, &visaKey.PublicKey, issuerKey); !errors.Is(err, c.want) || got != nil {
			t.Errorf("%s: got %q, %v; want %v", name, got, err, c.want)
		}
	}
	if _, err := Open(genuine, nil, issuerKey); err == nil || !strings.Contains(err.Error(), "signing public key") {
		t.Errorf("nil verification key: %v", err)
	}
	if _, err := Open(genuine, &visaKey.PublicKey, nil); err == nil || !strings.Contains(err.Error(), "issuer private key") {
		t.Errorf("nil decryption key: %v", err)
	}
	if _, err := Build([]byte(`{}`), nil, "ISS-1", visaKey, "715EA257", time.Now()); err == nil {
		t.Error("Build without an encryption key succeeded")
	}
	if _, err := Build([]byte(`{}`), &issuerKey.PublicKey, "ISS-1", nil, "715EA257", time.Now()); err == nil {
		t.Error("Build without a signing key succeeded")
	}
	if _, err := Build([]byte(`{}`), &issuerKey.PublicKey, "ISS-1", visaKey, "", time.Now()); err == nil {
		t.Error("Build without a signing kid succeeded")
	}
	if _, err := Build(make([]byte, MaxEncryptedData), &issuerKey.PublicKey, "ISS-1", visaKey, "715EA257", time.Now()); !errors.Is(err, ErrTooLong) {
		t.Errorf("oversized payload: %v, want ErrTooLong", err)
	}
}

// FuzzOpenEncryptedData feeds arbitrary encryptedData values to Open: it must
// never panic, and must return either a payload or an error, never both or
// neither.
func FuzzOpenEncryptedData(f *testing.F) {
	genuine, err := Build([]byte(`{"clientInformation":{"firstName":"Jane"}}`), &issuerKey.PublicKey, "ISS-1", visaKey, "715EA257", time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(genuine)
	f.Add("eyJhbGciOiJQUzI1NiJ9.e30.AAAA")
	f.Add("a.b.c.d.e")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Open(s, &visaKey.PublicKey, issuerKey)
		if err == nil && got == nil {
			t.Fatal("nil payload without error")
		}
		if err != nil && got != nil {
			t.Fatal("payload returned with an error")
		}
	})
}
