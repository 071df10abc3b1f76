// Package secondfactor is the second authentication factor of Discover's
// APIs, as the Partner Product Portal developer guide describes it, on top
// of the OAuth 2.0 bearer token:
//
//   - X-DFS-C-APP-JWT, the Second Factor JWT: a compact JWS signed with the
//     partner's registered signing key (header typ JWT, alg RS256, kid) whose
//     claims carry content_hash, the SHA-256 of the request body. Discover
//     signs its own calls to the partner (notifications) the same way, with
//     a key of its published JWKS.
//   - X-DFS-C-APP-CERT, the Consumer Application Certificate: a
//     Discover-issued certificate presented in a header.
//
// The header names, RS256, kid and content_hash are documented. What the
// guide leaves open is fixed here and stated in the simulator's document:
// content_hash is base64url without padding of the raw SHA-256 digest of the
// exact body bytes (of the empty string for a call without a body); iat
// (seconds since the epoch) is required and must be within a window of the
// verifier's clock; exp, when present, must not have passed. A token is not
// single-use (identical requests signed in the same second give identical
// tokens, and a client retrying must not be refused): a replayed call is
// caught by its X-Request-ID, which must be fresh on every call. The
// certificate travels as standard base64 of its DER encoding.
package secondfactor

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/c2psim/c2psim/client/internal/replay"
)

// Header names.
const (
	HeaderJWT  = "X-DFS-C-APP-JWT"
	HeaderCert = "X-DFS-C-APP-CERT"
)

// Errors returned by Verifier.Verify, wrapped with details; each names the
// problem.
var (
	ErrMissing     = errors.New("X-DFS-C-APP-JWT is missing")
	ErrMalformed   = errors.New("X-DFS-C-APP-JWT is not a compact JWS with typ JWT, alg RS256 and a kid")
	ErrUnknownKey  = errors.New("X-DFS-C-APP-JWT kid does not name a registered signing key")
	ErrSignature   = errors.New("X-DFS-C-APP-JWT signature does not verify with the registered key")
	ErrContentHash = errors.New("X-DFS-C-APP-JWT content_hash is not the SHA-256 of the request body")
	ErrStale       = errors.New("X-DFS-C-APP-JWT iat is outside the accepted window")
	ErrExpired     = errors.New("X-DFS-C-APP-JWT has expired")
)

// DefaultWindow is how far iat may be from the verifier's clock by default.
const DefaultWindow = 5 * time.Minute

// Claims are what a Second Factor JWT asserts.
type Claims struct {
	ContentHash string `json:"content_hash"`
	IssuedAt    int64  `json:"iat"`
	Expiry      int64  `json:"exp,omitempty"`
}

// ContentHash is base64url (unpadded) of the SHA-256 of body.
func ContentHash(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Sign returns the X-DFS-C-APP-JWT value for a request (or notification)
// whose body is exactly body, issued at now.
func Sign(key *rsa.PrivateKey, kid string, body []byte, now time.Time) (string, error) {
	if key == nil || kid == "" {
		return "", errors.New("secondfactor: signing needs the private key and its kid")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(Claims{ContentHash: ContentHash(body), IssuedAt: now.Unix()})
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// KeyLookup returns the public key registered under kid, or false.
type KeyLookup func(kid string) (*rsa.PublicKey, bool)

// Verifier checks Second Factor JWTs. Its zero value is not usable: set Keys.
type Verifier struct {
	Keys KeyLookup
	// Window is how far iat may be from Now either way (default DefaultWindow).
	Window time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// Result is what a verified token carried.
type Result struct {
	KeyID    string
	IssuedAt time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) window() time.Duration {
	if v.Window > 0 {
		return v.Window
	}
	return DefaultWindow
}

// Verify checks token against the exact body bytes received.
func (v *Verifier) Verify(token string, body []byte) (Result, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return Result{}, ErrMissing
	}
	obj, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(obj.Signatures) != 1 {
		return Result{}, fmt.Errorf("%w: one signature expected", ErrMalformed)
	}
	h := obj.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, "JWT") {
		return Result{}, fmt.Errorf("%w: typ is %q", ErrMalformed, clip(typ))
	}
	if h.KeyID == "" {
		return Result{}, fmt.Errorf("%w: no kid", ErrMalformed)
	}
	var key *rsa.PublicKey
	ok := false
	if v.Keys != nil {
		key, ok = v.Keys(h.KeyID)
	}
	if !ok || key == nil {
		return Result{}, fmt.Errorf("%w: %q", ErrUnknownKey, clip(h.KeyID))
	}
	payload, err := obj.Verify(key)
	if err != nil {
		return Result{}, ErrSignature
	}
	var c struct {
		ContentHash *string `json:"content_hash"`
		IssuedAt    *int64  `json:"iat"`
		Expiry      *int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.ContentHash == nil || c.IssuedAt == nil {
		return Result{}, fmt.Errorf("%w: the claims need content_hash (string) and iat (seconds)", ErrMalformed)
	}
	if subtle.ConstantTimeCompare([]byte(*c.ContentHash), []byte(ContentHash(body))) != 1 {
		return Result{}, fmt.Errorf("%w (%d bytes received; content_hash is base64url of the digest, unpadded)", ErrContentHash, len(body))
	}
	now := v.now()
	iat := time.Unix(*c.IssuedAt, 0)
	if !replay.Within(iat, now, v.window()) {
		return Result{}, fmt.Errorf("%w (±%s; iat says %s, now is %s)", ErrStale, v.window(),
			iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if c.Expiry != nil && !now.Before(time.Unix(*c.Expiry, 0)) {
		return Result{}, fmt.Errorf("%w at %s", ErrExpired, time.Unix(*c.Expiry, 0).UTC().Format(time.RFC3339))
	}
	return Result{KeyID: h.KeyID, IssuedAt: iat}, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
