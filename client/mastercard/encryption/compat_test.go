package encryption

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// libraryJWE builds a compact JWE the way mastercard-client-encryption
// 1.10.x does (lib/mcapi/crypto/jwe-crypto.js): a 16-byte GCM IV and
// "base64url" that is standard base64 with '+' turned into '-' and '=' cut,
// '/' left as is. header overrides or adds protected-header members.
func libraryJWE(t *testing.T, pub *rsa.PublicKey, plaintext []byte, ivLen int, header map[string]any) string {
	t.Helper()
	fp, _ := Fingerprint(pub)
	h := map[string]any{"kid": fp, "cty": "application/json", "alg": "RSA-OAEP-256", "enc": "A256GCM"}
	for k, v := range header {
		h[k] = v
	}
	hj, _ := json.Marshal(h)
	enc := func(b []byte) string {
		return strings.NewReplacer("+", "-", "=", "").Replace(base64.StdEncoding.EncodeToString(b))
	}
	cek, iv := make([]byte, 32), make([]byte, ivLen)
	_, _ = rand.Read(cek)
	_, _ = rand.Read(iv)
	wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, cek, nil)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCMWithNonceSize(block, ivLen)
	eh := enc(hj)
	sealed := gcm.Seal(nil, iv, plaintext, []byte(eh))
	ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	return strings.Join([]string{eh, enc(wrapped), enc(iv), enc(ct), enc(tag)}, ".")
}

// Decrypt opens JWEs in the library's dialect, whatever their '/' count,
// and still refuses IV lengths other than 12 and 16, compression and crit.
func TestDecryptLibraryDialect(t *testing.T) {
	k := key(t)
	ring := KeyRing{}
	_, _ = ring.Add(k)
	pt := []byte(`{"primaryAccountNumber":"5186001700008785"}`)
	slashes := 0
	for range 20 {
		c := libraryJWE(t, &k.PublicKey, pt, 16, nil)
		slashes += strings.Count(c, "/")
		d, err := ring.Decrypt(c)
		if err != nil || string(d.Plaintext) != string(pt) {
			t.Fatalf("library dialect: %q %v", d.Plaintext, err)
		}
	}
	if slashes == 0 {
		t.Fatal("no '/' in 20 library-dialect JWEs: the dialect is not exercised")
	}
	// Padding '=' is tolerated in the binary segments (the header segment is
	// the AAD, so it must stay as the sender authenticated it).
	c := libraryJWE(t, &k.PublicKey, pt, 12, nil)
	parts := strings.Split(c, ".")
	for i := 1; i < len(parts); i++ {
		for len(parts[i])%4 != 0 {
			parts[i] += "="
		}
	}
	if _, err := ring.Decrypt(strings.Join(parts, ".")); err != nil {
		t.Errorf("padded segments: %v", err)
	}
	for _, n := range []int{8, 24} {
		if _, err := ring.Decrypt(libraryJWE(t, &k.PublicKey, pt, n, nil)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%d-byte IV: %v", n, err)
		}
	}
	for name, h := range map[string]map[string]any{
		"zip":         {"zip": "DEF"},
		"crit":        {"crit": []string{"exp"}, "exp": 1},
		"numeric kid": {"kid": 7},
	} {
		if _, err := ring.Decrypt(libraryJWE(t, &k.PublicKey, pt, 16, h)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, h := range map[string]map[string]any{
		"enc A128GCM":   {"enc": "A128GCM"},
		"alg RSA-OAEP":  {"alg": "RSA-OAEP"},
		"alg missing":   {"alg": nil},
		"enc lowercase": {"enc": "a256gcm"},
	} {
		if _, err := ring.Decrypt(libraryJWE(t, &k.PublicKey, pt, 16, h)); !errors.Is(err, ErrAlgorithm) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The header is authenticated as sent: changing one of its characters
	// for an equivalent spelling ('_' for '/') breaks the tag.
	c = libraryJWE(t, &k.PublicKey, pt, 16, map[string]any{"x": "??>>??>>"})
	if _, err := ring.Decrypt(c); err != nil {
		t.Fatalf("header with '/': %v", err)
	}
	h, rest, _ := strings.Cut(c, ".")
	if !strings.Contains(h, "/") {
		t.Fatalf("header %s has no '/'", h)
	}
	if _, err := ring.Decrypt(strings.ReplaceAll(h, "/", "_") + "." + rest); !errors.Is(err, ErrDecrypt) {
		t.Errorf("re-spelt header: %v", err)
	}
}
