package jwe

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	testKey  = bytes.Repeat([]byte{0x42}, 32)
	otherKey = bytes.Repeat([]byte{0x17}, 32)
)

func TestRoundTrip(t *testing.T) {
	plain := []byte(`{"account_type":"credit_card"}`)
	c, err := Encrypt(plain, "ax-enc-1", testKey)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Inspect(c)
	if err != nil {
		t.Fatal(err)
	}
	if h.Alg != "A256KW" || h.Enc != "A128GCM" || h.Kid != "ax-enc-1" {
		t.Fatalf("header %+v", h)
	}
	got, h2, err := Decrypt(c, SingleKey("ax-enc-1", testKey))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) || h2 != h {
		t.Fatalf("got %s %+v", got, h2)
	}
}

// A JWE made by go-jose directly with the SDK's profile (as Nimbus builds it:
// alg, enc and kid only) decrypts.
func TestDecryptsForeignJWEOfTheProfile(t *testing.T) {
	enc, err := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.A256KW, Key: testKey, KeyID: "k"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := enc.Encrypt([]byte("x"))
	c, _ := obj.CompactSerialize()
	if got, _, err := Decrypt(c, SingleKey("k", testKey)); err != nil || string(got) != "x" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestRefusals(t *testing.T) {
	good, _ := Encrypt([]byte("x"), "ax-enc-1", testKey)
	other := func(alg jose.KeyAlgorithm, enc jose.ContentEncryption, key any) string {
		e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: key, KeyID: "ax-enc-1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := e.Encrypt([]byte("x"))
		s, _ := o.CompactSerialize()
		return s
	}
	noKid := func() string {
		e, _ := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.A256KW, Key: testKey}, nil)
		o, _ := e.Encrypt([]byte("x"))
		s, _ := o.CompactSerialize()
		return s
	}()
	parts := strings.Split(good, ".")
	flip := "A"
	if parts[4][0] == 'A' {
		flip = "B"
	}
	tampered := strings.Join([]string{parts[0], parts[1], parts[2], parts[3], flip + parts[4][1:]}, ".")
	zipHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"A256KW","enc":"A128GCM","kid":"ax-enc-1","zip":"DEF"}`))
	critHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"A256KW","enc":"A128GCM","kid":"ax-enc-1","crit":["exp"]}`))
	for name, c := range map[string]struct {
		in   string
		keys KeyLookup
		want error
		msg  string
	}{
		"clear JSON":        {`{"account_number":"371111111111111"}`, SingleKey("ax-enc-1", testKey), ErrNotJWE, "1 parts"},
		"four parts":        {"a.b.c.d", SingleKey("ax-enc-1", testKey), ErrNotJWE, ""},
		"header not b64":    {"!!.b.c.d.e", SingleKey("ax-enc-1", testKey), ErrNotJWE, "base64url"},
		"header not JSON":   {"bm90LWpzb24.b.c.d.e", SingleKey("ax-enc-1", testKey), ErrNotJWE, "JSON"},
		"A256GCMKW":         {other(jose.A256GCMKW, jose.A128GCM, testKey), SingleKey("ax-enc-1", testKey), ErrAlgorithm, `alg "A256GCMKW"`},
		"A256GCM content":   {other(jose.A256KW, jose.A256GCM, testKey), SingleKey("ax-enc-1", testKey), ErrAlgorithm, `enc "A256GCM"`},
		"dir":               {other(jose.DIRECT, jose.A128GCM, testKey[:16]), SingleKey("ax-enc-1", testKey), ErrAlgorithm, `alg "dir"`},
		"no kid":            {noKid, SingleKey("ax-enc-1", testKey), ErrMissingKeyID, ""},
		"unknown kid":       {good, SingleKey("ax-enc-2", testKey), ErrUnknownKeyID, `"ax-enc-1"`},
		"no keys":           {good, nil, ErrUnknownKeyID, ""},
		"short key":         {good, SingleKey("ax-enc-1", testKey[:16]), ErrKeySize, "16 bytes"},
		"wrong key":         {good, SingleKey("ax-enc-1", otherKey), ErrDecrypt, ""},
		"tampered":          {tampered, SingleKey("ax-enc-1", testKey), ErrDecrypt, ""},
		"zip":               {zipHeader + "." + strings.Join(parts[1:], "."), SingleKey("ax-enc-1", testKey), ErrCompressedJWE, ""},
		"crit":              {critHeader + "." + strings.Join(parts[1:], "."), SingleKey("ax-enc-1", testKey), ErrCriticalHeader, ""},
		"header swapped in": {base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"ax-enc-1","enc":"A128GCM","alg":"A256KW"}`)) + "." + strings.Join(parts[1:], "."), SingleKey("ax-enc-1", testKey), ErrDecrypt, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := Decrypt(c.in, c.keys)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if c.msg != "" && !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
			if strings.Contains(err.Error(), "371111111111111") {
				t.Fatal("the error echoes the card number")
			}
		})
	}
}

func TestEncryptRefusesBadKeyOrKid(t *testing.T) {
	if _, err := Encrypt([]byte("x"), "k", testKey[:16]); !errors.Is(err, ErrKeySize) {
		t.Fatal(err)
	}
	if _, err := Encrypt([]byte("x"), "", testKey); !errors.Is(err, ErrMissingKeyID) {
		t.Fatal(err)
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(testKey),
		base64.RawURLEncoding.EncodeToString(testKey),
		" " + EncodeKey(testKey) + "\n",
	} {
		k, err := ParseKey(s)
		if err != nil || !bytes.Equal(k, testKey) {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseKey(base64.StdEncoding.EncodeToString(testKey[:16])); !errors.Is(err, ErrKeySize) || !strings.Contains(err.Error(), "16 bytes") {
		t.Error(err)
	}
	if _, err := ParseKey("not base64 at all!"); !errors.Is(err, ErrKeySize) {
		t.Error(err)
	}
}

func FuzzDecrypt(f *testing.F) {
	good, _ := Encrypt([]byte(`{"a":1}`), "ax-enc-1", testKey)
	f.Add(good)
	f.Add("a.b.c.d.e")
	f.Add(`{"account_number":"371111111111111"}`)
	f.Add("eyJhbGciOiJBMjU2S1ciLCJlbmMiOiJBMTI4R0NNIiwia2lkIjoiYXgtZW5jLTEifQ....")
	f.Fuzz(func(t *testing.T, s string) {
		plain, h, err := Decrypt(s, SingleKey("ax-enc-1", testKey))
		if err != nil {
			if plain != nil {
				t.Fatal("plaintext returned with an error")
			}
			return
		}
		// Whatever decrypts was made with the profile and the right kid.
		if h.Alg != KeyAlgorithm || h.Enc != ContentEncryption || h.Kid != "ax-enc-1" {
			t.Fatalf("accepted header %+v", h)
		}
	})
}
