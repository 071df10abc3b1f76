// Package vtsjwe is the shared-secret JWE Visa Token Service uses for the
// encrypted blobs of its issuer calls (for example cardholder and risk data
// in Approve Provisioning):
//
//	header {"alg":"A256GCMKW","enc":"A256GCM","typ":"JOSE",
//	        "channelSecurityContext":"SHARED_SECRET","iat":"<unix seconds>",
//	        "iv":…,"tag":…,"kid":"<API key>"}
//
// The key-wrapping key is SHA-256 of the shared secret that goes with the API
// key, so both sides derive the same 256-bit key from what they already hold.
// Open checks the header and that iat is inside a freshness window.
package vtsjwe

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// ChannelSecurityContext is the header value that marks shared-secret JWEs.
const ChannelSecurityContext = "SHARED_SECRET"

// Errors returned by Open; each names what is wrong.
var (
	ErrNotJWE   = errors.New("value is not a compact JWE with alg A256GCMKW and enc A256GCM")
	ErrHeader   = errors.New(`JWE header must carry channelSecurityContext "SHARED_SECRET", a kid and an iat`)
	ErrKeyID    = errors.New("JWE kid is not the expected API key")
	ErrStale    = errors.New("JWE iat is outside the accepted window")
	ErrDecrypt  = errors.New("JWE does not decrypt with the shared secret")
	ErrNoSecret = errors.New("shared secret is empty")
)

// Key derives the A256GCMKW key-wrapping key from a shared secret.
func Key(sharedSecret string) []byte {
	sum := sha256.Sum256([]byte(sharedSecret))
	return sum[:]
}

// Seal encrypts payload under the shared secret, naming apiKey as kid.
func Seal(payload []byte, apiKey, sharedSecret string, now time.Time) (string, error) {
	if sharedSecret == "" {
		return "", ErrNoSecret
	}
	opts := (&jose.EncrypterOptions{}).WithType("JOSE").
		WithHeader("channelSecurityContext", ChannelSecurityContext).
		WithHeader("iat", strconv.FormatInt(now.Unix(), 10))
	e, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.A256GCMKW, Key: Key(sharedSecret), KeyID: apiKey}, opts)
	if err != nil {
		return "", fmt.Errorf("building shared-secret encrypter: %w", err)
	}
	obj, err := e.Encrypt(payload)
	if err != nil {
		return "", fmt.Errorf("encrypting with the shared secret: %w", err)
	}
	return obj.CompactSerialize()
}

// Opener decrypts shared-secret JWEs.
type Opener struct {
	// Secret returns the shared secret for the API key in kid.
	Secret func(apiKey string) (string, bool)
	Window time.Duration // accepted iat skew either way; default 5 minutes
	Now    func() time.Time
}

// Opened is a decrypted value.
type Opened struct {
	Payload  []byte
	APIKey   string
	IssuedAt time.Time
}

// Open parses, checks the header and freshness, and decrypts.
func (o Opener) Open(compact string) (*Opened, error) {
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.A256GCMKW}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJWE, err)
	}
	h := obj.Header
	if h.ExtraHeaders["channelSecurityContext"] != ChannelSecurityContext || h.KeyID == "" {
		return nil, ErrHeader
	}
	iat, ok := parseIAT(h.ExtraHeaders["iat"])
	if !ok {
		return nil, ErrHeader
	}
	secret, ok := o.Secret(h.KeyID)
	if !ok || secret == "" {
		return nil, fmt.Errorf("%w: %q", ErrKeyID, h.KeyID)
	}
	window := o.Window
	if window <= 0 {
		window = 5 * time.Minute
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	if d := now.Sub(iat); d > window || d < -window {
		return nil, fmt.Errorf("%w (iat %s, now %s, window ±%s)", ErrStale, iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), window)
	}
	payload, err := obj.Decrypt(Key(secret))
	if err != nil {
		return nil, ErrDecrypt
	}
	return &Opened{Payload: payload, APIKey: h.KeyID, IssuedAt: iat}, nil
}

// parseIAT accepts iat as a string or a number of seconds, as both appear in
// published samples.
func parseIAT(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		s, err := strconv.ParseInt(x, 10, 64)
		if err != nil || s <= 0 {
			return time.Time{}, false
		}
		return time.Unix(s, 0), true
	case float64:
		if x <= 0 || x > 1e12 {
			return time.Time{}, false
		}
		return time.Unix(int64(x), 0), true
	}
	return time.Time{}, false
}
