package oauth1

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
	var pbuf [12]param
	p, err := parseHeader(header, pbuf[:0])
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrMalformedHeader, err)
	}
	var vals [len(required)]string
	for i, k := range required {
		if vals[i], _ = lookup(p, k); vals[i] == "" {
			return Result{}, fmt.Errorf("%w: %s is missing", ErrMalformedHeader, k)
		}
	}
	ck, nonce, sm, tsText, sigParam, bodyHash := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	if ver, ok := lookup(p, ParamVersion); ok && ver != "1.0" {
		return Result{}, fmt.Errorf("%w: oauth_version must be 1.0", ErrMalformedHeader)
	}
	if sm != MethodRSASHA256 && sm != MethodRSAPSS && sm != MethodRSAPSSSHA256 {
		return Result{}, fmt.Errorf("%w: oauth_signature_method %q is not %s or %s", ErrMalformedHeader, clip(sm), MethodRSASHA256, MethodRSAPSS)
	}
	key, ok := (*rsa.PublicKey)(nil), false
	if v.Keys != nil {
		key, ok = v.Keys(ck)
	}
	if !ok || key == nil {
		return Result{}, ErrUnknownConsumer
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || sec <= 0 {
		return Result{}, fmt.Errorf("%w: oauth_timestamp is not Unix seconds", ErrMalformedHeader)
	}
	ts := time.Unix(sec, 0)
	now := v.now()
	if !replay.Within(ts, now, v.window()) {
		return Result{}, fmt.Errorf("%w (±%s; header says %s, now is %s)", ErrStaleTimestamp, v.window(), ts.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !bodyHashMatches(bodyHash, body) {
		return Result{}, ErrBodyHash
	}
	var sigBuf [768]byte
	sig, ok := decodeSignature(sigBuf[:0], sigParam)
	if !ok {
		return Result{}, fmt.Errorf("%w: oauth_signature is not percent-encoded base64", ErrMalformedHeader)
	}
	// Every parameter of the header but the signature and realm is signed,
	// with the query's.
	var sbuf [16]param
	var sbs [1024]byte
	verr := error(ErrBadSignature)
	for _, cand := range urls {
		signed := appendQueryParams(sbuf[:0], cand.RawQuery)
		for _, q := range p {
			if q.name != ParamSignature && q.name != "realm" {
				signed = append(signed, q)
			}
		}
		sortParams(signed)
		if verr = verifySig(key, sm, appendBaseString(sbs[:0], method, cand, signed), sig); verr == nil {
			break
		}
	}
	if verr != nil {
		return Result{}, ErrBadSignature
	}
	if err := v.remember(ck, nonce, ts, now); err != nil {
		return Result{}, err
	}
	return Result{ConsumerKey: ck, Nonce: nonce, Timestamp: ts, Method: sm}, nil
}

// required are the parameters a header must carry, not empty, in the order
// VerifyAny names the first one missing.
var required = [...]string{ParamConsumerKey, ParamNonce, ParamSignatureMethod, ParamTimestamp, ParamSignature, ParamBodyHash}

// bodyHashMatches compares oauth_body_hash as written with
// base64(SHA-256(body)) in constant time.
func bodyHashMatches(got string, body []byte) bool {
	sum := sha256.Sum256(body)
	var want [44]byte // base64 of 32 bytes
	base64.StdEncoding.Encode(want[:], sum[:])
	if len(got) != len(want) {
		return false
	}
	var g [len(want)]byte
	copy(g[:], got)
	return subtle.ConstantTimeCompare(g[:], want[:]) == 1
}

// decodeSignature percent-decodes oauth_signature as url.PathUnescape does
// and decodes the result as padded standard base64, appending the bytes
// to dst.
func decodeSignature(dst []byte, s string) ([]byte, bool) {
	var buf [1024]byte
	text := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		text = append(text, c)
	}
	dst = slices.Grow(dst, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(dst[len(dst):cap(dst)], text)
	if err != nil {
		return nil, false
	}
	return dst[:len(dst)+n], true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
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
