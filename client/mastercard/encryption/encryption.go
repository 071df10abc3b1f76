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
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
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
func (r KeyRing) Decrypt(compact string) (Decrypted, error) {
	compact = strings.TrimSpace(compact)
	if strings.Count(compact, ".") != 4 {
		return Decrypted{}, ErrMalformed
	}
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{KeyAlgorithm}, []jose.ContentEncryption{ContentAlgorithm})
	if err != nil {
		if strings.Contains(err.Error(), "unexpected") || strings.Contains(err.Error(), "algorithm") {
			return Decrypted{}, fmt.Errorf("%w: %v", ErrAlgorithm, err)
		}
		return Decrypted{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	kid := obj.Header.KeyID
	if kid == "" {
		return Decrypted{}, ErrNoKid
	}
	key, ok := r[strings.ToLower(kid)]
	if !ok {
		return Decrypted{}, ErrUnknownKid
	}
	pt, err := obj.Decrypt(key)
	if err != nil {
		return Decrypted{}, ErrDecrypt
	}
	return Decrypted{Plaintext: pt, Kid: kid}, nil
}
