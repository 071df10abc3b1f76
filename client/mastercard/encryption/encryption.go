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
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
	var seg [5][]byte
	for i, p := range parts {
		if i == 3 {
			continue // the ciphertext is decoded below, next to its tag
		}
		b, err := decodeSegment(p)
		if err != nil {
			return Decrypted{}, fmt.Errorf("%w: %s: %v", ErrMalformed, segmentNames[i], err)
		}
		seg[i] = b
	}
	// The ciphertext and its tag are decoded into one buffer, which GCM
	// then opens in place.
	ct, err := decodeSegment(parts[3], len(seg[4]))
	if err != nil {
		return Decrypted{}, fmt.Errorf("%w: %s: %v", ErrMalformed, segmentNames[3], err)
	}
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

// protectedHeader is what Decrypt reads of a JWE's protected header, each
// member as it was sent (absent: empty).
type protectedHeader struct {
	Alg  jsontext.Value `json:"alg"`
	Enc  jsontext.Value `json:"enc"`
	Kid  jsontext.Value `json:"kid"`
	Zip  jsontext.Value `json:"zip"`
	Crit jsontext.Value `json:"crit"`
}

// readHeader checks a protected header (alg RSA-OAEP-256, enc A256GCM, no
// zip or crit, a string kid) and returns its kid.
func readHeader(b []byte) (string, error) {
	var h protectedHeader
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return "", fmt.Errorf("%w: the protected header is not a JSON object", ErrMalformed)
	}
	if err := jsonv2.Unmarshal(b, &h, headerSyntax); err != nil {
		return "", fmt.Errorf("%w: the protected header is not a JSON object", ErrMalformed)
	}
	if !isString(h.Alg, string(KeyAlgorithm)) || !isString(h.Enc, string(ContentAlgorithm)) {
		return "", fmt.Errorf("%w: header alg %v, enc %v", ErrAlgorithm, member(h.Alg), member(h.Enc))
	}
	if len(h.Zip) > 0 {
		return "", fmt.Errorf("%w: header parameter %q is not supported", ErrMalformed, "zip")
	}
	if len(h.Crit) > 0 {
		return "", fmt.Errorf("%w: header parameter %q is not supported", ErrMalformed, "crit")
	}
	kid, ok := member(h.Kid).(string)
	if !ok && member(h.Kid) != nil {
		return "", fmt.Errorf("%w: header kid is not a string", ErrMalformed)
	}
	if kid == "" {
		return "", ErrNoKid
	}
	return kid, nil
}

// isString reports whether v is the JSON string s (escaped or not).
func isString(v jsontext.Value, s string) bool {
	if len(v) == len(s)+2 && v[0] == '"' && string(v[1:len(v)-1]) == s {
		return true // as sent, unescaped: the common case
	}
	got, ok := member(v).(string)
	return ok && got == s
}

// member is a header member's value (nil when absent or null).
func member(v jsontext.Value) any {
	if len(v) == 0 {
		return nil
	}
	var x any
	if err := jsonv2.Unmarshal(v, &x, headerSyntax); err != nil {
		return nil
	}
	return x
}

// headerSyntax reads a protected header as it always has been read: a
// duplicate name takes the last value, invalid UTF-8 is replaced.
var headerSyntax = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

var segmentNames = [5]string{"protected header", "encrypted key", "IV", "ciphertext", "authentication tag"}

// decodeSegment reads base64url, tolerating '+', '/' and '=' padding, into
// a buffer with room for spare more bytes after it.
func decodeSegment(s string, spare ...int) ([]byte, error) {
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
	extra := 0
	if len(spare) > 0 {
		extra = spare[0]
	}
	enc := base64.RawURLEncoding
	b := make([]byte, enc.DecodedLen(len(s)), enc.DecodedLen(len(s))+extra)
	n, err := enc.Decode(b, []byte(s))
	return b[:n], err
}
