package oauth1

import (
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
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
	ErrMalformedHeader = errors.New("authorization header is malformed")
	ErrUnknownConsumer = errors.New("unknown oauth_consumer_key")
	ErrBodyHash        = errors.New("oauth_body_hash does not match the request body")
	ErrStaleTimestamp  = errors.New("oauth_timestamp is outside the accepted window")
	ErrReplayedNonce   = errors.New("oauth_nonce was already used")
	ErrBadSignature    = errors.New("oauth_signature does not verify")
)

// KeyLookup returns the RSA public key registered for a consumer key, or
// false.
type KeyLookup func(consumerKey string) (*rsa.PublicKey, bool)

// Verifier checks Authorization headers.
type Verifier struct {
	Keys KeyLookup
	// Window is how far oauth_timestamp may be from Now (default 5 minutes).
	Window time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
	// MaxNonces bounds the nonce replay cache (default DefaultMaxNonces).
	// When it is full the oldest nonce is forgotten, and every timestamp not
	// after the forgotten one's is refused as stale from then on, so a
	// forgotten nonce can never be replayed.
	MaxNonces int

	nonces replay.Cache
}

// DefaultMaxNonces bounds the nonce replay cache by default.
const DefaultMaxNonces = 100_000

// Result is what a verified header carried.
type Result struct {
	ConsumerKey string
	Nonce       string
	Timestamp   time.Time
	Method      string
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
	return 5 * time.Minute
}

// VerifyRequest verifies r's Authorization header; u must be the URL the
// client signed (scheme and host included), body the exact bytes received.
func (v *Verifier) VerifyRequest(r *http.Request, u *url.URL, body []byte) (Result, error) {
	return v.Verify(r.Header.Get("Authorization"), r.Method, u, body)
}

// Verify checks one header against method, URL and body.
func (v *Verifier) Verify(header, method string, u *url.URL, body []byte) (Result, error) {
	return v.VerifyAny(header, method, []*url.URL{u}, body)
}

// VerifyAny is Verify for a request the client may have signed under any of
// several URLs (a server reachable under a path prefix and without it): the
// signature must verify over one of urls.
func (v *Verifier) VerifyAny(header, method string, urls []*url.URL, body []byte) (Result, error) {
	if len(urls) == 0 {
		return Result{}, errors.New("oauth1: VerifyAny needs at least one URL")
	}
	if strings.TrimSpace(header) == "" {
		return Result{}, ErrMissingHeader
	}
	p, err := ParseHeader(header)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrMalformedHeader, err)
	}
	for _, k := range []string{ParamConsumerKey, ParamNonce, ParamSignatureMethod, ParamTimestamp, ParamSignature, ParamBodyHash} {
		if p[k] == "" {
			return Result{}, fmt.Errorf("%w: %s is missing", ErrMalformedHeader, k)
		}
	}
	if ver, ok := p[ParamVersion]; ok && ver != "1.0" {
		return Result{}, fmt.Errorf("%w: oauth_version must be 1.0", ErrMalformedHeader)
	}
	sm := p[ParamSignatureMethod]
	if sm != MethodRSASHA256 && sm != MethodRSAPSS && sm != MethodRSAPSSSHA256 {
		return Result{}, fmt.Errorf("%w: oauth_signature_method %q is not %s or %s", ErrMalformedHeader, clip(sm), MethodRSASHA256, MethodRSAPSS)
	}
	ck := p[ParamConsumerKey]
	key, ok := (*rsa.PublicKey)(nil), false
	if v.Keys != nil {
		key, ok = v.Keys(ck)
	}
	if !ok || key == nil {
		return Result{}, ErrUnknownConsumer
	}
	sec, err := strconv.ParseInt(p[ParamTimestamp], 10, 64)
	if err != nil || sec <= 0 {
		return Result{}, fmt.Errorf("%w: oauth_timestamp is not Unix seconds", ErrMalformedHeader)
	}
	ts := time.Unix(sec, 0)
	now := v.now()
	if !replay.Within(ts, now, v.window()) {
		return Result{}, fmt.Errorf("%w (±%s; header says %s, now is %s)", ErrStaleTimestamp, v.window(), ts.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if subtle.ConstantTimeCompare([]byte(p[ParamBodyHash]), []byte(BodyHash(body))) != 1 {
		return Result{}, ErrBodyHash
	}
	sigText, err := url.PathUnescape(p[ParamSignature])
	if err != nil {
		return Result{}, fmt.Errorf("%w: oauth_signature is not percent-encoded base64", ErrMalformedHeader)
	}
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil {
		return Result{}, fmt.Errorf("%w: oauth_signature is not percent-encoded base64", ErrMalformedHeader)
	}
	signed := map[string]string{}
	for k, val := range p {
		if k != ParamSignature && k != "realm" {
			signed[k] = val
		}
	}
	var verr error
	for _, cand := range urls {
		if verr = verifySig(key, sm, SignatureBaseString(method, cand, signed), sig); verr == nil {
			break
		}
	}
	if verr != nil {
		return Result{}, ErrBadSignature
	}
	if err := v.remember(ck, p[ParamNonce], ts, now); err != nil {
		return Result{}, err
	}
	return Result{ConsumerKey: ck, Nonce: p[ParamNonce], Timestamp: ts, Method: sm}, nil
}

func (v *Verifier) remember(ck, nonce string, ts, now time.Time) error {
	// A nonce outlives the whole window its timestamp could be accepted in.
	max := v.MaxNonces
	if max <= 0 {
		max = DefaultMaxNonces
	}
	err := v.nonces.Remember(ck+"\x00"+nonce, ts, now.Add(2*v.window()), now, max)
	var forgotten *replay.ForgottenError
	switch {
	case errors.Is(err, replay.ErrReplayed):
		return ErrReplayedNonce
	case errors.As(err, &forgotten):
		return fmt.Errorf("%w: %v", ErrStaleTimestamp, err)
	}
	return err
}

// Forget empties the nonce replay cache.
func (v *Verifier) Forget() { v.nonces.Reset() }
