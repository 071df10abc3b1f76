package encryption

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fuzzRing holds testdata/fuzz_key.pem, the fixed key the committed corpora
// (testdata/fuzz/FuzzDecrypt, testdata/fuzz/FuzzOpenFLE) are encrypted to, so
// that their valid entries reach RSA-OAEP and the symmetric layer.
var fuzzRing = sync.OnceValues(func() (KeyRing, error) {
	raw, err := os.ReadFile("testdata/fuzz_key.pem")
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, errors.New("testdata/fuzz_key.pem is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	ring := KeyRing{}
	if _, err := ring.Add(k.(*rsa.PrivateKey)); err != nil {
		return nil, err
	}
	return ring, nil
})

func fuzzKeyRing(f *testing.F) (KeyRing, *rsa.PrivateKey) {
	f.Helper()
	ring, err := fuzzRing()
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range ring {
		return ring, k
	}
	panic("empty fuzz key ring")
}

var jweErrors = []error{ErrMalformed, ErrAlgorithm, ErrNoKid, ErrUnknownKid, ErrDecrypt}

// Decrypt never panics, refuses with one of its named errors, and what it
// opens names its key.
func FuzzDecrypt(f *testing.F) {
	ring, k := fuzzKeyRing(f)
	good, err := Encrypt([]byte(`{"primaryAccountNumber":"5186001700008785"}`), &k.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, "", "5186001700008785", "a.b.c.d.e", "....", " . . . . ", good + ".", "eyJ9.a.b.c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, compact string) {
		d, err := ring.Decrypt(compact)
		if err != nil {
			if !isOneOf(err, jweErrors) {
				t.Fatalf("unnamed error %v", err)
			}
			if d.Plaintext != nil || d.Kid != "" {
				t.Fatalf("refused with %v but returned %+v", err, d)
			}
			return
		}
		if _, ok := ring[strings.ToLower(d.Kid)]; !ok {
			t.Fatalf("opened under kid %q that names no key", d.Kid)
		}
	})
}

var fleErrors = []error{ErrFLEMalformed, ErrFLEHash, ErrFLEFingerprint, ErrFLEDecrypt}

// An encryptedPayload object, as it arrives in JSON, either does not decode
// or OpenFLE opens it or refuses it with one of its named errors; it never
// panics. What opens re-seals and opens to the same plaintext.
func FuzzOpenFLE(f *testing.F) {
	ring, k := fuzzKeyRing(f)
	for _, h := range []string{"SHA256", "SHA512"} {
		e, err := SealFLE([]byte(`{"cardAccountData":{"accountNumber":"5186001700008785"}}`), &k.PublicKey, h)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(e)
		f.Add(b)
	}
	for _, s := range []string{`{}`, `null`, `{"oaepHashingAlgorithm":"SHA256"}`, `{"iv":"zz","encryptedData":"00","encryptedKey":"","oaepHashingAlgorithm":"SHA512"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, envelope []byte) {
		var e FLE
		if json.Unmarshal(envelope, &e) != nil {
			return
		}
		pt, err := ring.OpenFLE(e)
		if err != nil {
			if !isOneOf(err, fleErrors) {
				t.Fatalf("unnamed error %v", err)
			}
			if pt != nil {
				t.Fatalf("refused with %v but returned %q", err, pt)
			}
			return
		}
		again, err := SealFLE(pt, &k.PublicKey, e.OAEPHashingAlgorithm)
		if err != nil {
			t.Fatalf("re-seal: %v", err)
		}
		if back, err := ring.OpenFLE(again); err != nil || string(back) != string(pt) {
			t.Fatalf("re-sealed plaintext does not open: %q %v", back, err)
		}
	})
}

// OpenFLE on the five fields directly, so that the fuzzer spends its time in
// the hex, RSA-OAEP, AES-CBC and padding checks rather than in JSON.
func FuzzOpenFLEFields(f *testing.F) {
	ring, k := fuzzKeyRing(f)
	for _, h := range []string{"SHA256", "SHA512", "SHA-512"} {
		e, err := SealFLE([]byte(`{"cardAccountData":{"accountNumber":"5186001700008785"}}`), &k.PublicKey, h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.EncryptedData, e.EncryptedKey, e.IV, h, e.PublicKeyFingerprint)
	}
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, data, key, iv, hash, fingerprint string) {
		e := FLE{EncryptedData: data, EncryptedKey: key, IV: iv, OAEPHashingAlgorithm: hash, PublicKeyFingerprint: fingerprint}
		pt, err := ring.OpenFLE(e)
		if err != nil {
			if !isOneOf(err, fleErrors) {
				t.Fatalf("unnamed error %v", err)
			}
			if pt != nil {
				t.Fatalf("refused with %v but returned %q", err, pt)
			}
			return
		}
		if _, ok := ring[strings.ToLower(fingerprint)]; !ok {
			t.Fatalf("opened under fingerprint %q that names no key", fingerprint)
		}
	})
}

func isOneOf(err error, named []error) bool {
	for _, n := range named {
		if errors.Is(err, n) {
			return true
		}
	}
	return false
}

// readSeed reads one committed corpus entry (a single string or []byte).
func readSeed(t *testing.T, target, name string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/fuzz/" + target + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(strings.TrimSpace(string(raw)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s/%s is not a corpus entry", target, name)
	}
	lit := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(lines[1], "string("), "[]byte("), ")")
	s, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s/%s: %v", target, name, err)
	}
	return s
}

// The committed seeds are what their names say: the library's own output
// opens, and each broken one is refused for its own reason.
func TestFuzzSeeds(t *testing.T) {
	ring, err := fuzzRing()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]error{
		"library-1.10.8": nil, "go-jose": nil, "go-jose-padded": nil, "upper-kid": nil,
		"library-tampered-tag": ErrDecrypt, "unknown-kid": ErrUnknownKid, "no-kid": ErrNoKid,
		"rsa-oaep-a128gcm": ErrAlgorithm, "alg-empty": ErrAlgorithm, "zip": ErrMalformed, "clear-pan": ErrMalformed,
		"mixed-case-kid-empty-key": ErrDecrypt, "newlines-in-segments": ErrMalformed, "plus-in-key": ErrMalformed,
		"header-null": ErrMalformed, "header-array": ErrMalformed, "kid-number": ErrMalformed, "iv-8": ErrMalformed,
	} {
		_, err := ring.Decrypt(readSeed(t, "FuzzDecrypt", name))
		if (want == nil && err != nil) || !errors.Is(err, want) {
			t.Errorf("FuzzDecrypt/%s: %v, want %v", name, err, want)
		}
	}
	for name, want := range map[string]error{
		"library-1.10.8-SHA256": nil, "library-1.10.8-SHA512": nil, "go-sha256": nil, "upper-fingerprint": nil, "aes256-empty": nil,
		"sha1": ErrFLEHash, "unknown-fingerprint": ErrFLEFingerprint, "short-iv": ErrFLEMalformed,
		"partial-block": ErrFLEMalformed, "not-hex": ErrFLEMalformed, "bad-padding": ErrFLEDecrypt,
		"mixed-case-names-no-key": ErrFLEDecrypt,
	} {
		var e FLE
		if err := json.Unmarshal([]byte(readSeed(t, "FuzzOpenFLE", name)), &e); err != nil {
			t.Fatal(err)
		}
		_, err := ring.OpenFLE(e)
		if (want == nil && err != nil) || !errors.Is(err, want) {
			t.Errorf("FuzzOpenFLE/%s: %v, want %v", name, err, want)
		}
	}
}
