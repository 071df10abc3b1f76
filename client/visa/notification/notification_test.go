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

var (
	visaKey, _   = rsa.GenerateKey(rand.Reader, 2048)
	issuerKey, _ = rsa.GenerateKey(rand.Reader, 2048)
)

func pair() (Sealer, Opener) {
	s := Sealer{SignKey: visaKey, SignKeyID: "715EA257", EncKey: &issuerKey.PublicKey, EncKeyID: "ISS-1"}
	o := Opener{
		VerifyKeys: func(kid string) (*rsa.PublicKey, bool) { return &visaKey.PublicKey, kid == "715EA257" },
		DecryptKey: issuerKey, DecryptKeyID: "ISS-1",
	}
	return s, o
}

func TestSealOpen(t *testing.T) {
	s, o := pair()
	body, err := s.Seal([]byte(`{"clientInformation":{"firstName":"Jane"}}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var b Body
	_ = json.Unmarshal(body, &b)
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(b.EncryptedData, ".")[0])
	var h map[string]any
	_ = json.Unmarshal(raw, &h)
	if h["alg"] != "PS256" || h["typ"] != "JOSE" || h["cty"] != "JWE" || h["kid"] != "715EA257" {
		t.Fatalf("JWS header %v", h)
	}
	got, err := o.Open(body)
	if err != nil || string(got.Payload) != `{"clientInformation":{"firstName":"Jane"}}` || got.EncKeyID != "ISS-1" {
		t.Fatalf("Open = %+v, %v", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	s, o := pair()
	body, _ := s.Seal([]byte(`{}`), time.Now())
	var b Body
	_ = json.Unmarshal(body, &b)
	parts := strings.Split(b.EncryptedData, ".")
	// Flip one character of the signed content: the signature no longer holds.
	tampered := []byte(parts[1])
	if tampered[10] == 'A' {
		tampered[10] = 'B'
	} else {
		tampered[10] = 'A'
	}
	wrap := func(s string) []byte { out, _ := json.Marshal(Body{EncryptedData: s}); return out }

	forger, _ := rsa.GenerateKey(rand.Reader, 2048)
	fs := s
	fs.SignKey = forger
	forged, _ := fs.Seal([]byte(`{}`), time.Now())
	other := s
	other.SignKeyID = "OTHER"
	unknownKid, _ := other.Seal([]byte(`{}`), time.Now())
	wrongEnc := s
	wrongEnc.EncKeyID = "ISS-2"
	wrongEncBody, _ := wrongEnc.Seal([]byte(`{}`), time.Now())

	for name, c := range map[string]struct {
		body []byte
		want error
	}{
		"plaintext":     {[]byte(`{"clientInformation":{}}`), ErrNotBody},
		"not json":      {[]byte(`nope`), ErrNotBody},
		"too long":      {wrap(strings.Repeat("a", MaxEncryptedData+1)), ErrTooLong},
		"not a JWS":     {wrap("a.b"), ErrNotJWS},
		"tampered":      {wrap(parts[0] + "." + string(tampered) + "." + parts[2]), ErrSignature},
		"forged":        {forged, ErrSignature},
		"unknown kid":   {unknownKid, ErrUnknownKey},
		"wrong enc kid": {wrongEncBody, ErrWrongKeyIDs},
	} {
		if _, err := o.Open(c.body); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	s, o := pair()
	good, _ := s.Seal([]byte(`{}`), time.Now())
	f.Add(good)
	f.Add([]byte(`{"encryptedData":"eyJhbGciOiJQUzI1NiJ9.e30.AAAA"}`))
	f.Add([]byte(`{"encryptedData":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := o.Open(b); err == nil && got == nil {
			t.Fatal("nil result without error")
		}
	})
}
