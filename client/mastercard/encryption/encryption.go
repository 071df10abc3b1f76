// Package encryption is Mastercard's JWE payload encryption as the Click to
// Pay enrolment APIs use it for encryptedCard: compact JWE, key management
// RSA-OAEP-256, content encryption A256GCM, header kid = the recipient key's
// fingerprint and cty "application/json".
//
// The fingerprint is the lower-case hex SHA-256 of the public key's DER
// SubjectPublicKeyInfo (x509.MarshalPKIXPublicKey), as Mastercard's
// client-encryption libraries compute it.
package encryption

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms.
const (
	KeyAlgorithm     = jose.RSA_OAEP_256
	ContentAlgorithm = jose.A256GCM
	ContentType      = "application/json"
)

// Errors returned by Decrypt, each naming the problem.
var (
	ErrMalformed  = errors.New("not a compact JWE (five base64url parts separated by '.')")
	ErrAlgorithm  = errors.New("JWE must use alg RSA-OAEP-256 and enc A256GCM")
	ErrNoKid      = errors.New("JWE header has no kid (the recipient key fingerprint)")
	ErrUnknownKid = errors.New("JWE kid is not the fingerprint of a known encryption key")
	ErrDecrypt    = errors.New("JWE does not decrypt with the key its kid names")
)

// Fingerprint is hex(SHA-256(DER SubjectPublicKeyInfo)) of pub.
func Fingerprint(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:]), nil
}

// Encrypt seals plaintext to pub; kid is pub's fingerprint.
func Encrypt(plaintext []byte, pub *rsa.PublicKey) (string, error) {
	kid, err := Fingerprint(pub)
	if err != nil {
		return "", err
	}
	return EncryptWithKid(plaintext, pub, kid)
}

// EncryptWithKid seals plaintext to pub under an explicit kid (tests use it
// to send a kid the recipient does not know).
func EncryptWithKid(plaintext []byte, pub *rsa.PublicKey, kid string) (string, error) {
	opts := (&jose.EncrypterOptions{}).WithContentType(ContentType).WithHeader("kid", kid)
	enc, err := jose.NewEncrypter(ContentAlgorithm, jose.Recipient{Algorithm: KeyAlgorithm, Key: pub}, opts)
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	return obj.CompactSerialize()
}

// KeyRing finds a decryption key by fingerprint.
type KeyRing map[string]*rsa.PrivateKey

// Add registers k under its public key's fingerprint and returns it.
func (r KeyRing) Add(k *rsa.PrivateKey) (string, error) {
	fp, err := Fingerprint(&k.PublicKey)
	if err != nil {
		return "", err
	}
	r[fp] = k
	return fp, nil
}

// Decrypted is an opened JWE.
type Decrypted struct {
	Plaintext []byte
	Kid       string
}

// Decrypt opens a compact JWE with the key its kid names.
//
// It reads what Mastercard's own client libraries send, which go-jose
// refuses: mastercard-client-encryption (npm) 1.10.x uses a 16-byte GCM IV
// and leaves '/' unconverted in its "base64url" segments. So segments are
// base64url with the standard alphabet's '+' and '/' (and '=' padding)
// tolerated, the IV may be 12 bytes (RFC 7518) or 16, and the additional
// authenticated data is the protected-header segment exactly as received
// (RFC 7516 §5.2 step 14), not a re-encoding of it.
func (r KeyRing) Decrypt(compact string) (Decrypted, error) {
	compact = strings.TrimSpace(compact)
	var parts [5]string
	rest := compact
	for i := range parts {
		var found bool
		parts[i], rest, found = strings.Cut(rest, ".")
		if found == (i == len(parts)-1) {
			return Decrypted{}, ErrMalformed // fewer or more than five parts
		}
	}
	// Each part is decoded in order, the first bad one named. The
	// ciphertext is decoded with room for its tag after it, so that GCM
	// opens the two in place.
	var seg [5][]byte
	for i, p := range parts {
		spare := 0
		if i == 3 {
			spare = base64.RawURLEncoding.DecodedLen(len(parts[4]))
		}
		b, err := decodeSegment(p, spare)
		if err != nil {
			return Decrypted{}, fmt.Errorf("%w: %s: %v", ErrMalformed, segmentNames[i], err)
		}
		seg[i] = b
	}
	ct := seg[3]
	kid, err := readHeader(seg[0])
	if err != nil {
		return Decrypted{}, err
	}
	key, ok := r[strings.ToLower(kid)]
	if !ok {
		return Decrypted{}, ErrUnknownKid
	}
	iv, tag := seg[2], seg[4]
	if len(iv) != 12 && len(iv) != 16 {
		return Decrypted{}, fmt.Errorf("%w: the IV is %d bytes, not 12 (or 16)", ErrMalformed, len(iv))
	}
	cek, err := rsa.DecryptOAEP(sha256.New(), nil, key, seg[1], nil)
	if err != nil || len(cek) != 32 || len(tag) != 16 {
		return Decrypted{}, ErrDecrypt
	}
	block, _ := aes.NewCipher(cek)
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return Decrypted{}, ErrDecrypt
	}
	sealed := append(ct, tag...) // within ct's capacity: no copy
	pt, err := gcm.Open(sealed[:0], iv, sealed, []byte(parts[0]))
	if err != nil {
		return Decrypted{}, ErrDecrypt
	}
	return Decrypted{Plaintext: pt, Kid: kid}, nil
}

// readHeader checks a protected header (alg RSA-OAEP-256, enc A256GCM, no
// zip or crit, a string kid) and returns its kid.
func readHeader(b []byte) (string, error) {
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil || h == nil {
		return "", fmt.Errorf("%w: the protected header is not a JSON object", ErrMalformed)
	}
	if h["alg"] != string(KeyAlgorithm) || h["enc"] != string(ContentAlgorithm) {
		return "", fmt.Errorf("%w: header alg %v, enc %v", ErrAlgorithm, h["alg"], h["enc"])
	}
	for _, name := range []string{"zip", "crit"} {
		if _, ok := h[name]; ok {
			return "", fmt.Errorf("%w: header parameter %q is not supported", ErrMalformed, name)
		}
	}
	kid, isString := h["kid"].(string)
	if h["kid"] != nil && !isString {
		return "", fmt.Errorf("%w: header kid is not a string", ErrMalformed)
	}
	if kid == "" {
		return "", ErrNoKid
	}
	return kid, nil
}

var segmentNames = [5]string{"protected header", "encrypted key", "IV", "ciphertext", "authentication tag"}

// decodeSegment reads base64url, tolerating '+', '/' and '=' padding, into
// a buffer with room for spare more bytes after it.
func decodeSegment(s string, spare int) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "+/") {
		s = strings.Map(func(c rune) rune {
			switch c {
			case '+':
				return '-'
			case '/':
				return '_'
			}
			return c
		}, s)
	}
	enc := base64.RawURLEncoding
	b := make([]byte, enc.DecodedLen(len(s)), enc.DecodedLen(len(s))+spare)
	n, err := enc.Decode(b, []byte(s))
	return b[:n], err
}
