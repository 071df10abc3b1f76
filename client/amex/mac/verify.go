package mac

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/internal/replay"
)

// Errors returned by Verifier.Verify, wrapped with details; each names the
// problem.
var (
	ErrMissingHeader   = errors.New("authorization header is missing")
	ErrMalformedHeader = errors.New("authorization header is not a valid MAC header")
	ErrUnknownID       = errors.New("MAC id is not a known client id")
	ErrStaleTimestamp  = errors.New("MAC ts is outside the accepted window")
	ErrBodyHash        = errors.New("MAC bodyhash does not match the request body")
	ErrBadMAC          = errors.New("MAC mac does not match the canonical string (ts, nonce, method, path, host, port, bodyhash)")
	ErrReplayedNonce   = errors.New("MAC nonce was already used")
)

// SecretLookup returns the secret of a client id, or false.
type SecretLookup func(id string) (secret string, ok bool)

// DefaultWindow is how far ts may be from the verifier's clock by default.
const DefaultWindow = 5 * time.Minute

// DefaultMaxNonces bounds the replay cache by default.
const DefaultMaxNonces = 100_000

// Verifier checks MAC headers. Its zero value is not usable: set Secrets.
type Verifier struct {
	Secrets SecretLookup
	// Window is how far ts may be from Now either way (default DefaultWindow).
	Window time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
	// MaxNonces bounds the replay cache (default DefaultMaxNonces). When it
	// is full the oldest nonce is evicted and every timestamp not after the
	// evicted one's is refused as stale from then on, so an evicted nonce can
	// never be replayed.
	MaxNonces int

	nonces replay.Cache
}

// Result is what a verified header carried.
type Result struct {
	ID        string
	Nonce     string
	Timestamp time.Time
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

func (v *Verifier) maxNonces() int {
	if v.MaxNonces > 0 {
		return v.MaxNonces
	}
	return DefaultMaxNonces
}

// VerifyRequest verifies r's Authorization header; u must be the URL as the
// client addressed it (scheme, host and port included), body the exact bytes
// received.
func (v *Verifier) VerifyRequest(r *http.Request, u *url.URL, body []byte) (Result, error) {
	return v.Verify(r.Header.Get(HeaderAuthorization), r.Method, u, body)
}

// Verify checks one header against method, URL and body. The nonce is
// remembered only once everything else verified, so a forged request cannot
// burn a legitimate client's nonce.
func (v *Verifier) Verify(header, method string, u *url.URL, body []byte) (Result, error) {
	return v.VerifyAny(header, method, []*url.URL{u}, body)
}

// VerifyAny is Verify for a request the client may have addressed under any
// of several URLs (a server reachable under a path prefix and without it):
// the mac must verify over one of urls.
func (v *Verifier) VerifyAny(header, method string, urls []*url.URL, body []byte) (Result, error) {
	if len(urls) == 0 {
		return Result{}, errors.New("mac: VerifyAny needs at least one URL")
	}
	u := urls[0]
	if strings.TrimSpace(header) == "" {
		return Result{}, ErrMissingHeader
	}
	p, err := ParseHeader(header)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrMalformedHeader, err)
	}
	secret, ok := "", false
	if v.Secrets != nil {
		secret, ok = v.Secrets(p.ID)
	}
	if !ok || secret == "" {
		return Result{}, fmt.Errorf("%w: %q", ErrUnknownID, clip(p.ID))
	}
	ms, err := strconv.ParseInt(p.TS, 10, 64)
	if err != nil || ms <= 0 || !digits(p.TS) {
		return Result{}, fmt.Errorf("%w: ts %q is not milliseconds since the Unix epoch", ErrMalformedHeader, clip(p.TS))
	}
	ts := time.UnixMilli(ms)
	now := v.now()
	if !replay.Within(ts, now, v.window()) {
		return Result{}, fmt.Errorf("%w (±%s; header says %s, now is %s)", ErrStaleTimestamp, v.window(),
			ts.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	bh := BodyHash(secret, body)
	if subtle.ConstantTimeCompare([]byte(p.BodyHash), []byte(bh)) != 1 {
		return Result{}, fmt.Errorf("%w (%d bytes received)", ErrBodyHash, len(body))
	}
	matched := false
	for _, cand := range urls {
		path, host, port, err := Target(cand)
		if err != nil {
			return Result{}, err
		}
		want := Sum(secret, Canonical(p.TS, p.Nonce, method, path, host, port, p.BodyHash))
		if subtle.ConstantTimeCompare([]byte(p.MAC), []byte(want)) == 1 {
			matched = true
		}
	}
	if !matched {
		path, host, port, _ := Target(u)
		return Result{}, fmt.Errorf("%w: verified over %s %s host %s port %d", ErrBadMAC, method, path, host, port)
	}
	if err := v.remember(p.ID+"\x00"+p.Nonce, ts, now); err != nil {
		return Result{}, err
	}
	return Result{ID: p.ID, Nonce: p.Nonce, Timestamp: ts}, nil
}

func (v *Verifier) remember(key string, ts, now time.Time) error {
	// A nonce outlives every moment its timestamp could still be accepted.
	err := v.nonces.Remember(key, ts, ts.Add(v.window()), now, v.maxNonces())
	var forgotten *replay.ForgottenError
	switch {
	case errors.Is(err, replay.ErrReplayed):
		return ErrReplayedNonce
	case errors.As(err, &forgotten):
		return fmt.Errorf("%w (%w)", ErrStaleTimestamp, err)
	}
	return err
}

// Forget empties the nonce replay cache.
func (v *Verifier) Forget() { v.nonces.Reset() }

// Nonces reports how many nonces the replay cache holds.
func (v *Verifier) Nonces() int { return v.nonces.Len() }

// digits reports whether s is decimal digits only: the SDK's ts is
// System.currentTimeMillis() as a string, never signed or padded.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
