package encryption

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func key(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFingerprint(t *testing.T) {
	k := key(t)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	s := sha256.Sum256(der)
	fp, err := Fingerprint(&k.PublicKey)
	if err != nil || fp != hex.EncodeToString(s[:]) || len(fp) != 64 || strings.ToLower(fp) != fp {
		t.Fatalf("Fingerprint = %q, %v", fp, err)
	}
}

func TestRoundTrip(t *testing.T) {
	k := key(t)
	ring := KeyRing{}
	fp, _ := ring.Add(k)
	pt := []byte(`{"primaryAccountNumber":"5186001700008785"}`)
	c, err := Encrypt(pt, &k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := base64.RawURLEncoding.DecodeString(strings.Split(c, ".")[0])
	var h map[string]string
	_ = json.Unmarshal(hb, &h)
	if h["alg"] != "RSA-OAEP-256" || h["enc"] != "A256GCM" || h["kid"] != fp || h["cty"] != ContentType {
		t.Fatalf("header %s", hb)
	}
	d, err := ring.Decrypt(c)
	if err != nil || string(d.Plaintext) != string(pt) || d.Kid != fp {
		t.Fatalf("Decrypt = %q %q %v", d.Plaintext, d.Kid, err)
	}
}

func TestRefusals(t *testing.T) {
	k, other := key(t), key(t)
	ring := KeyRing{}
	fp, _ := ring.Add(k)
	pt := []byte(`{}`)
	if _, err := ring.Decrypt("5186001700008785"); !errors.Is(err, ErrMalformed) {
		t.Errorf("clear value: %v", err)
	}
	if _, err := ring.Decrypt("a.b.c.d.e"); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
	c, _ := Encrypt(pt, &other.PublicKey)
	if _, err := ring.Decrypt(c); !errors.Is(err, ErrUnknownKid) {
		t.Errorf("other key: %v", err)
	}
	c, _ = EncryptWithKid(pt, &other.PublicKey, fp)
	if _, err := ring.Decrypt(c); !errors.Is(err, ErrDecrypt) {
		t.Errorf("kid lies: %v", err)
	}
	c, _ = EncryptWithKid(pt, &k.PublicKey, "")
	if _, err := ring.Decrypt(c); !errors.Is(err, ErrNoKid) {
		t.Errorf("no kid: %v", err)
	}
	enc, _ := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.RSA_OAEP, Key: &k.PublicKey}, (&jose.EncrypterOptions{}).WithHeader("kid", fp))
	obj, _ := enc.Encrypt(pt)
	c, _ = obj.CompactSerialize()
	if _, err := ring.Decrypt(c); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("RSA-OAEP/A128GCM: %v", err)
	}
	good, _ := Encrypt(pt, &k.PublicKey)
	parts := strings.Split(good, ".")
	parts[3] = parts[3][:len(parts[3])-2] + "AA"
	if _, err := ring.Decrypt(strings.Join(parts, ".")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("tampered ciphertext: %v", err)
	}
}
