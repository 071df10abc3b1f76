// Package jwe encrypts and decrypts American Express payloads the way the
// Token Service SDK does (amex-api-java-client-core, EncryptionUtility): a
// JWE compact string with key management "A256KW" (AES-256 key wrap under a
// shared key) and content encryption "A128GCM", the protected header naming
// the shared key with "kid". The SDK hands the shared key over as base64
// text; ParseKey reads that form.
//
// Only that profile is accepted: a JWE with another alg or enc, without a
// kid, or naming a key the caller does not hold is refused with an error
// that says which.
//
//	key, _ := jwe.ParseKey(os.Getenv("AMEX_ENCRYPTION_KEY"))
//	accountData, _ := jwe.Encrypt(plaintext, "ax-enc-1", key)
//	plain, hdr, err := jwe.Decrypt(accountData, jwe.SingleKey("ax-enc-1", key))
package jwe

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// The one profile this package speaks.
const (
	KeyAlgorithm      = "A256KW"
	ContentEncryption = "A128GCM"
)

// KeySize is the shared key's length in bytes (AES-256).
const KeySize = 32

// Errors, wrapped with details; each names the problem.
var (
	ErrNotJWE         = errors.New("not a JWE compact string (five base64url parts separated by dots)")
	ErrAlgorithm      = errors.New("JWE must use alg A256KW and enc A128GCM")
	ErrMissingKeyID   = errors.New("JWE protected header has no kid")
	ErrUnknownKeyID   = errors.New("JWE kid does not name a shared key")
	ErrKeySize        = errors.New("the shared key must be 256 bits (32 bytes)")
	ErrDecrypt        = errors.New("JWE does not decrypt with the shared key (wrong key, or tampered)")
	ErrCompressedJWE  = errors.New("compressed JWE (zip) is not accepted")
	ErrCriticalHeader = errors.New("JWE crit header is not supported")
)

// Header is what a JWE's protected header says.
type Header struct {
	Alg string `json:"alg"`
	Enc string `json:"enc"`
	Kid string `json:"kid"`
	Zip string `json:"zip,omitempty"`
	Cty string `json:"cty,omitempty"`
	Typ string `json:"typ,omitempty"`
}

// KeyLookup returns the shared key a kid names, or false.
type KeyLookup func(kid string) ([]byte, bool)

// SingleKey is a KeyLookup holding one key.
func SingleKey(kid string, key []byte) KeyLookup {
	return func(k string) ([]byte, bool) {
		if k == kid {
			return key, true
		}
		return nil, false
	}
}

// ParseKey reads a shared key given as base64 text (standard or URL
// alphabet, padded or not), as the SDK's configuration carries it.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("%w: got %d bytes", ErrKeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: the key is not base64", ErrKeySize)
}

// EncodeKey is the base64 (standard alphabet) text of a shared key.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// Encrypt seals plaintext under key as A256KW/A128GCM with kid in the
// protected header.
func Encrypt(plaintext []byte, kid string, key []byte) (string, error) {
	if len(key) != KeySize {
		return "", fmt.Errorf("%w: got %d bytes", ErrKeySize, len(key))
	}
	if kid == "" {
		return "", ErrMissingKeyID
	}
	enc, err := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.A256KW, Key: key, KeyID: kid}, nil)
	if err != nil {
		return "", fmt.Errorf("preparing JWE encryption: %w", err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", fmt.Errorf("encrypting JWE: %w", err)
	}
	return obj.CompactSerialize()
}

// Inspect reads a compact JWE's protected header without decrypting, and
// checks the profile: five parts, alg A256KW, enc A128GCM, a kid, no zip.
func Inspect(compact string) (Header, error) {
	parts := strings.Split(strings.TrimSpace(compact), ".")
	if len(parts) != 5 {
		return Header{}, fmt.Errorf("%w: %d parts", ErrNotJWE, len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return Header{}, fmt.Errorf("%w: protected header is not base64url", ErrNotJWE)
	}
	var h Header
	var extra map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return Header{}, fmt.Errorf("%w: protected header is not a JSON object", ErrNotJWE)
	}
	_ = json.Unmarshal(raw, &extra)
	if h.Alg != KeyAlgorithm || h.Enc != ContentEncryption {
		return h, fmt.Errorf("%w: got alg %q, enc %q", ErrAlgorithm, clip(h.Alg), clip(h.Enc))
	}
	if h.Zip != "" {
		return h, ErrCompressedJWE
	}
	if _, ok := extra["crit"]; ok {
		return h, ErrCriticalHeader
	}
	if h.Kid == "" {
		return h, ErrMissingKeyID
	}
	return h, nil
}

// Decrypt opens a compact JWE with the shared key its kid names.
func Decrypt(compact string, keys KeyLookup) ([]byte, Header, error) {
	h, err := Inspect(compact)
	if err != nil {
		return nil, h, err
	}
	key, ok := []byte(nil), false
	if keys != nil {
		key, ok = keys(h.Kid)
	}
	if !ok {
		return nil, h, fmt.Errorf("%w: %q", ErrUnknownKeyID, clip(h.Kid))
	}
	if len(key) != KeySize {
		return nil, h, fmt.Errorf("%w: key %q has %d bytes", ErrKeySize, clip(h.Kid), len(key))
	}
	obj, err := jose.ParseEncryptedCompact(strings.TrimSpace(compact), []jose.KeyAlgorithm{jose.A256KW}, []jose.ContentEncryption{jose.A128GCM})
	if err != nil {
		return nil, h, fmt.Errorf("%w: %v", ErrNotJWE, err)
	}
	out, err := obj.Decrypt(key)
	if err != nil {
		return nil, h, ErrDecrypt
	}
	return out, h, nil
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
