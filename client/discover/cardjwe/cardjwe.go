// Package cardjwe encrypts Discover card data as a JWE compact string:
// RSA-OAEP-256 key management, A256GCM content encryption, kid naming the
// network's encryption key. Discover publishes no issuer Click to Pay
// encryption scheme; this is c2psim's choice, the same JOSE profile the other
// networks use for card data.
package cardjwe

import (
	"crypto/rsa"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// Errors returned by Decrypt.
var (
	ErrNotJWE = errors.New("encryptedCard must be a JWE compact string with alg RSA-OAEP-256 and enc A256GCM")
	ErrKeyID  = errors.New("JWE kid does not name the network's encryption key")
)

// Encrypt seals card JSON to pub under kid.
func Encrypt(plaintext []byte, pub *rsa.PublicKey, kid string) (string, error) {
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: kid},
		(&jose.EncrypterOptions{}).WithContentType("application/json"))
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// Decrypt opens a compact JWE with priv; kid must match when not empty.
func Decrypt(compact string, priv *rsa.PrivateKey, kid string) ([]byte, error) {
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJWE, err)
	}
	if kid != "" && obj.Header.KeyID != kid {
		return nil, fmt.Errorf("%w: got %q", ErrKeyID, obj.Header.KeyID)
	}
	out, err := obj.Decrypt(priv)
	if err != nil {
		return nil, fmt.Errorf("decrypting card data (wrong key?): %w", err)
	}
	return out, nil
}
