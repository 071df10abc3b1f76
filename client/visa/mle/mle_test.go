package mle

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

func TestSealOpenRoundTripAndHeader(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.UnixMilli(1764043200123)
	body, err := Seal([]byte(`{"a":1}`), &key.PublicKey, "KID-1", now)
	if err != nil {
		t.Fatal(err)
	}
	var env Envelope
	_ = json.Unmarshal(body, &env)
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(env.EncData, ".")[0])
	var h map[string]any
	_ = json.Unmarshal(hdr, &h)
	if h["alg"] != "RSA-OAEP-256" || h["enc"] != "A128GCM" || h["kid"] != "KID-1" || h["iat"] != float64(1764043200123) || h["typ"] != "JWE" {
		t.Fatalf("header = %v", h)
	}
	o, err := Open(body, key, "KID-1")
	if err != nil || string(o.Payload) != `{"a":1}` || !o.IssuedAt.Equal(now) {
		t.Fatalf("Open = %+v, %v", o, err)
	}
	if _, err := Open(body, key, "KID-2"); !errors.Is(err, ErrKeyID) {
		t.Fatalf("kid mismatch: %v", err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, err := Open(body, other, ""); err == nil {
		t.Fatal("decrypted with the wrong key")
	}
	for _, bad := range []string{`{"accountNumber":"4111111145551140"}`, `{"encData":""}`, `nonsense`} {
		if _, err := Open([]byte(bad), key, ""); !errors.Is(err, ErrNotEnvelope) {
			t.Errorf("Open(%s) = %v", bad, err)
		}
	}
	if _, err := Open([]byte(`{"encData":"a.b.c.d.e"}`), key, ""); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("garbage JWE: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	good, _ := Seal([]byte(`{}`), &key.PublicKey, "k", time.Now())
	f.Add(good)
	f.Add([]byte(`{"encData":"eyJhbGciOiJub25lIn0..."}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Open(b, key, "") // must not panic
		if err == nil {
			_ = CheckIssuedAt(o, time.Now(), time.Minute) // nor may the iat check, whatever the header holds
		}
	})
}

func TestCheckIssuedAt(t *testing.T) {
	now := time.UnixMilli(1764043200123)
	window := 5 * time.Minute
	cases := []struct {
		name string
		iat  any
		want error
		text string
	}{
		{"milliseconds now", float64(now.UnixMilli()), nil, ""},
		{"milliseconds 4 minutes old", float64(now.Add(-4 * time.Minute).UnixMilli()), nil, ""},
		{"seconds", float64(now.Unix()), ErrIATSeconds, "looks like seconds"},
		{"a day old", float64(now.Add(-24 * time.Hour).UnixMilli()), ErrIATStale, "outside the accepted window"},
		{"an hour ahead", float64(now.Add(time.Hour).UnixMilli()), ErrIATStale, "-1h0m0s off"},
		{"a string", "1764043200123", ErrIATSeconds, "not a number"},
		{"absent", nil, ErrNoIAT, "no iat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckIssuedAt(&Opened{IAT: c.iat}, now, window)
			if c.want == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("err = %v, want %v containing %q", err, c.want, c.text)
			}
		})
	}
	// Seal stamps milliseconds, so what it seals passes.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	body, _ := Seal([]byte(`{}`), &key.PublicKey, "k", now)
	o, err := Open(body, key, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckIssuedAt(o, now, window); err != nil {
		t.Fatalf("a sealed body fails its own iat check: %v", err)
	}
}
