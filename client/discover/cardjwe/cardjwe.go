// Package cardjwe protects Discover card data as the developer guide's
// nested form, a JWS inside a JWE (section 8.4): the card JSON is signed as
// a compact JWS (RS256, kid of the partner's registered signing key) for
// non-repudiation, and that JWS is encrypted as a compact JWE to Discover's
// encryption key (alg RSA-OAEP-256, enc A256GCM, cty JWT, kid of the key
// as Discover's JWKS names it).
//
// The guide names the nested form and the algorithms' families; the exact
// pairing (RSA-OAEP-256 with A256GCM, cty JWT) is c2psim's choice, the JOSE
// profile the other networks use for card data.
package cardjwe

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Errors returned by Open, wrapped with details.
var (
	ErrNotJWE      = errors.New("encryptedCard must be a compact JWE with alg RSA-OAEP-256 and enc A256GCM")
	ErrKeyID       = errors.New("the JWE kid does not name Discover's encryption key")
	ErrDecrypt     = errors.New("encryptedCard does not decrypt with Discover's encryption key")
	ErrNotNested   = errors.New("the JWE must carry a JWS (cty JWT) of the card data, signed by the partner")
	ErrSignerKey   = errors.New("the inner JWS kid does not name the partner's registered signing key")
	ErrSignature   = errors.New("the inner JWS signature does not verify with the partner's registered key")
	ErrNoSigningID = errors.New("cardjwe: sealing needs the partner's signing key and its kid, and Discover's encryption key and its kid")
)

// Seal signs card JSON with the partner's key and encrypts the JWS to
// Discover's key.
func Seal(plaintext []byte, signKey *rsa.PrivateKey, signKid string, encKey *rsa.PublicKey, encKid string) (string, error) {
	if signKey == nil || signKid == "" || encKey == nil || encKid == "" {
		return "", ErrNoSigningID
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: signKey}, (&jose.SignerOptions{}).WithHeader("kid", signKid))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(plaintext)
	if err != nil {
		return "", err
	}
	inner, err := jws.CompactSerialize()
	if err != nil {
		return "", err
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: encKey, KeyID: encKid},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt([]byte(inner))
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// SignerKeys returns the partner's public signing key registered under kid.
type SignerKeys func(kid string) (*rsa.PublicKey, bool)

// Open decrypts with Discover's private key (kid must be encKid), checks
// that the content is a JWS of the partner and verifies it, and returns the
// card JSON and the signing kid.
func Open(compact string, priv *rsa.PrivateKey, encKid string, signers SignerKeys) ([]byte, string, error) {
	obj, err := jose.ParseEncryptedCompact(strings.TrimSpace(compact), []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrNotJWE, err)
	}
	if obj.Header.KeyID != encKid {
		return nil, "", fmt.Errorf("%w: got %q", ErrKeyID, clip(obj.Header.KeyID))
	}
	if cty, _ := obj.Header.ExtraHeaders[jose.HeaderContentType].(string); !strings.EqualFold(cty, "JWT") {
		return nil, "", fmt.Errorf("%w: cty is %q", ErrNotNested, clip(cty))
	}
	inner, err := obj.Decrypt(priv)
	if err != nil {
		return nil, "", ErrDecrypt
	}
	jws, err := jose.ParseSigned(string(inner), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, "", fmt.Errorf("%w: the content is not a compact JWS signed RS256", ErrNotNested)
	}
	kid := jws.Signatures[0].Protected.KeyID
	var key *rsa.PublicKey
	ok := false
	if signers != nil && kid != "" {
		key, ok = signers(kid)
	}
	if !ok || key == nil {
		return nil, "", fmt.Errorf("%w: %q", ErrSignerKey, clip(kid))
	}
	plain, err := jws.Verify(key)
	if err != nil {
		return nil, "", ErrSignature
	}
	return plain, kid, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
