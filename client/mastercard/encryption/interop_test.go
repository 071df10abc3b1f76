package encryption

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/internal/nodeinterop"
)

const interopDir = "../testdata/interop"

// interopKeys is a recipient key pair as mastercard-client-encryption reads
// it: an X.509 certificate (encryptionCertificate) and a PEM private key.
type interopKeys struct {
	key                 *rsa.PrivateKey
	certPath, pkcs8Path string // PEM "CERTIFICATE", PEM "PRIVATE KEY"
	pkcs1Path           string // PEM "RSA PRIVATE KEY"
	ring                KeyRing
	fingerprint         string
}

func newInteropKeys(t *testing.T) *interopKeys {
	t.Helper()
	k := key(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "c2psim interop encryption key"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageKeyEncipherment,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	dir := t.TempDir()
	ik := &interopKeys{key: k, ring: KeyRing{},
		certPath:  filepath.Join(dir, "encryption.crt"),
		pkcs8Path: filepath.Join(dir, "decryption-pkcs8.key"),
		pkcs1Path: filepath.Join(dir, "decryption-pkcs1.key"),
	}
	for path, b := range map[string]*pem.Block{
		ik.certPath:  {Type: "CERTIFICATE", Bytes: certDER},
		ik.pkcs8Path: {Type: "PRIVATE KEY", Bytes: pkcs8},
		ik.pkcs1Path: {Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if ik.fingerprint, err = ik.ring.Add(k); err != nil {
		t.Fatal(err)
	}
	return ik
}

// mcEncryption runs testdata/interop/encryption.js, which encrypts request
// bodies or decrypts response bodies with Mastercard's npm library
// (mastercard-client-encryption, pinned in package-lock.json).
func mcEncryption(t *testing.T, req map[string]any) []map[string]any {
	t.Helper()
	node := nodeinterop.Require(t, interopDir, "mastercard-client-encryption")
	var res struct{ Bodies []map[string]any }
	if err := nodeinterop.Run(node, interopDir, req, &res, "encryption.js"); err != nil {
		t.Fatal(err)
	}
	return res.Bodies
}

// at walks a dotted path through decoded JSON.
func at(t *testing.T, v any, path string) any {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, v)
		}
		v = m[p]
	}
	return v
}

// sameJSON reports whether raw is the JSON of want.
func sameJSON(t *testing.T, raw []byte, want any) {
	t.Helper()
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("plaintext %q is not JSON: %v", raw, err)
	}
	w, _ := json.Marshal(want)
	var wantV any
	_ = json.Unmarshal(w, &wantV)
	if !reflect.DeepEqual(got, wantV) {
		t.Fatalf("plaintext differs:\n got  %s\n want %s", raw, w)
	}
}

// binaryStrings turns every string in v from a JavaScript binary string (one
// code point per byte) back into the bytes it stands for.
func binaryStrings(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case string:
		b := make([]byte, 0, len(x))
		for _, r := range x {
			if r > 0xff {
				t.Fatalf("%q is not a binary string", x)
			}
			b = append(b, byte(r))
		}
		return string(b)
	case map[string]any:
		for k, e := range x {
			x[k] = binaryStrings(t, e)
		}
	case []any:
		for i, e := range x {
			x[i] = binaryStrings(t, e)
		}
	}
	return v
}

func cardPlaintext(i int) map[string]any {
	return map[string]any{
		"primaryAccountNumber": "5186001700008785", "panExpirationMonth": fmt.Sprintf("%02d", i%12+1), "panExpirationYear": "2030",
		"cardholderFullName": "Zoë O'Brien-Łukasz", // non-ASCII: both sides must agree on UTF-8
		"billingAddress":     map[string]any{"line1": fmt.Sprintf("%d Main Street", i), "city": "London", "countryCode": "GB"},
	}
}

// JWE both ways with mastercard-client-encryption's JweEncryption, in the two
// shapes an issuer configures: the enrolment's encryptedCard (the compact
// string is the field's value) and the generic encryptedData field inside an
// object. The library's kid (publicKey fingerprint, its default) is our
// Fingerprint, and our KeyRing opens what it produces even though the library
// uses a 16-byte GCM IV and leaves '/' in its "base64url" segments.
func TestInteropJWE(t *testing.T) {
	ik := newInteropKeys(t)
	shapes := []struct {
		name, fieldName       string
		element, obj, jwePath string
		wrap                  func(plain map[string]any) map[string]any
		unwrap                func(body map[string]any) any
		wrapJWE               func(jwe string) map[string]any
	}{
		{
			name: "encryptedCard", fieldName: "encryptedCard", element: "card", obj: "encryptedCard", jwePath: "encryptedCard",
			wrap: func(p map[string]any) map[string]any {
				return map[string]any{"srcClientId": "0f1e2d3c-4b5a-4968-8776-655443322110", "card": p}
			},
			unwrap:  func(b map[string]any) any { return b["card"] },
			wrapJWE: func(jwe string) map[string]any { return map[string]any{"srcClientId": "x", "encryptedCard": jwe} },
		},
		{
			name: "encryptedData", fieldName: "encryptedData", element: "path.to.foo", obj: "path.to.encryptedFoo", jwePath: "path.to.encryptedFoo.encryptedData",
			wrap: func(p map[string]any) map[string]any {
				return map[string]any{"path": map[string]any{"to": map[string]any{"foo": p}}}
			},
			unwrap: func(b map[string]any) any { return at(t, b, "path.to.foo") },
			wrapJWE: func(jwe string) map[string]any {
				return map[string]any{"path": map[string]any{"to": map[string]any{"encryptedFoo": map[string]any{"encryptedData": jwe}}}}
			},
		},
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			config := map[string]any{
				"paths": []any{map[string]any{
					"path":      "/resource",
					"toEncrypt": []any{map[string]any{"element": s.element, "obj": s.obj}},
					"toDecrypt": []any{map[string]any{"element": s.obj, "obj": s.element}},
				}},
				"encryptedValueFieldName": s.fieldName,
				"encryptionCertificate":   ik.certPath,
				"privateKey":              ik.pkcs8Path,
			}
			const n = 16
			var plains []map[string]any
			var bodies []any
			for i := range n {
				plains = append(plains, cardPlaintext(i))
				bodies = append(bodies, s.wrap(cardPlaintext(i)))
			}

			// The library encrypts, we decrypt.
			enc := mcEncryption(t, map[string]any{"mode": "JWE", "op": "encrypt", "url": "https://sandbox.api.mastercard.com/resource", "bodies": bodies, "config": config})
			if len(enc) != n {
				t.Fatalf("%d bodies back, want %d", len(enc), n)
			}
			nonURL, longIV := 0, 0
			for i, b := range enc {
				jwe, ok := at(t, b, s.jwePath).(string)
				if !ok {
					t.Fatalf("library body %v has no JWE at %s", b, s.jwePath)
				}
				if strings.ContainsAny(jwe, "/+=") {
					nonURL++
				}
				parts := strings.Split(jwe, ".")
				if iv, _ := base64.RawStdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "/").Replace(parts[2])); len(iv) == 16 {
					longIV++
				}
				d, err := ik.ring.Decrypt(jwe)
				if err != nil {
					t.Fatalf("body %d: our Decrypt refused the library's JWE: %v", i, err)
				}
				if d.Kid != ik.fingerprint {
					t.Fatalf("library kid %q, our fingerprint %q", d.Kid, ik.fingerprint)
				}
				sameJSON(t, d.Plaintext, plains[i])
			}
			t.Logf("library JWEs with standard-alphabet base64 characters: %d/%d; with a 16-byte IV: %d/%d", nonURL, n, longIV, n)

			// We encrypt, the library decrypts.
			var ours []any
			for i := range n {
				pt, _ := json.Marshal(plains[i])
				jwe, err := Encrypt(pt, &ik.key.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				ours = append(ours, s.wrapJWE(jwe))
			}
			dec := mcEncryption(t, map[string]any{"mode": "JWE", "op": "decrypt", "url": "https://sandbox.api.mastercard.com/resource", "bodies": ours, "config": config})
			for i, b := range dec {
				got, _ := json.Marshal(s.unwrap(b))
				sameJSON(t, got, plains[i])
			}
		})
	}
}

// Legacy field-level encryption both ways with mastercard-client-encryption's
// FieldLevelEncryption configured as for MDES and Pre-Digitization payloads:
// hex, publicKey fingerprint, the five fields of encryptedPayload, OAEP with
// SHA-256 and with SHA-512 (MGF1 with the same digest).
func TestInteropFLE(t *testing.T) {
	ik := newInteropKeys(t)
	const n = 8
	for _, digest := range []string{"SHA-256", "SHA-512"} {
		t.Run(digest, func(t *testing.T) {
			config := map[string]any{
				"paths": []any{map[string]any{
					"path":      "/pre-digitization",
					"toEncrypt": []any{map[string]any{"element": "fundingAccountInfo.encryptedPayload", "obj": "fundingAccountInfo.encryptedPayload"}},
					"toDecrypt": []any{map[string]any{"element": "fundingAccountInfo.encryptedPayload", "obj": "fundingAccountInfo.encryptedPayload"}},
				}},
				"ivFieldName":                   "iv",
				"encryptedKeyFieldName":         "encryptedKey",
				"encryptedValueFieldName":       "encryptedData",
				"oaepHashingAlgorithmFieldName": "oaepHashingAlgorithm",
				"publicKeyFingerprintFieldName": "publicKeyFingerprint",
				"publicKeyFingerprintType":      "publicKey",
				"dataEncoding":                  "hex",
				"encryptionCertificate":         ik.certPath,
				"privateKey":                    ik.pkcs1Path,
				"oaepPaddingDigestAlgorithm":    digest,
			}
			wantHash := strings.ReplaceAll(digest, "-", "")
			wrap := func(payload any) map[string]any {
				return map[string]any{"requestId": "r-1", "fundingAccountInfo": map[string]any{"panUniqueReference": "FAPNUR-1", "encryptedPayload": payload}}
			}
			var plains []map[string]any
			var bodies []any
			for i := range n {
				p := map[string]any{"cardAccountData": cardPlaintext(i), "accountHolderData": map[string]any{"accountHolderName": "Zoë"}}
				plains = append(plains, p)
				bodies = append(bodies, wrap(p))
			}

			// The library encrypts, we decrypt.
			enc := mcEncryption(t, map[string]any{"mode": "FLE", "op": "encrypt", "url": "https://issuer.example/pre-digitization", "bodies": bodies, "config": config})
			for i, b := range enc {
				raw, _ := json.Marshal(at(t, b, "fundingAccountInfo.encryptedPayload"))
				var fields map[string]any
				_ = json.Unmarshal(raw, &fields)
				if len(fields) != 5 {
					t.Fatalf("library envelope %s: want exactly the five encryptedPayload fields", raw)
				}
				var e FLE
				if err := json.Unmarshal(raw, &e); err != nil {
					t.Fatal(err)
				}
				if e.PublicKeyFingerprint != ik.fingerprint || e.OAEPHashingAlgorithm != wantHash || len(e.IV) != 32 {
					t.Fatalf("library envelope %s: fingerprint (ours %s), hash (want %s) or iv", raw, ik.fingerprint, wantHash)
				}
				got, err := ik.ring.OpenFLE(e)
				if err != nil {
					t.Fatalf("body %d: our OpenFLE refused the library's envelope: %v", i, err)
				}
				sameJSON(t, got, plains[i])
			}

			// We encrypt, the library decrypts.
			var ours []any
			for i := range n {
				pt, _ := json.Marshal(plains[i])
				e, err := SealFLE(pt, &ik.key.PublicKey, digest)
				if err != nil {
					t.Fatal(err)
				}
				if e.OAEPHashingAlgorithm != wantHash {
					t.Fatalf("SealFLE(%s) labels the envelope %q", digest, e.OAEPHashingAlgorithm)
				}
				ours = append(ours, wrap(e))
			}
			dec := mcEncryption(t, map[string]any{"mode": "FLE", "op": "decrypt", "url": "https://issuer.example/pre-digitization", "bodies": ours, "config": config})
			for i, b := range dec {
				// The library's FLE decrypt parses the decrypted bytes as a
				// binary string without UTF-8 decoding (its own round trip
				// turns "Zoë" into "ZoÃ«"), so its strings are read back as
				// one byte per code point before comparing.
				got, _ := json.Marshal(binaryStrings(t, at(t, b, "fundingAccountInfo.encryptedPayload")))
				sameJSON(t, got, plains[i])
			}
		})
	}
}
