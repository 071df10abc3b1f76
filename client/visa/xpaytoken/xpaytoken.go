// Package xpaytoken builds and verifies Visa's X-Pay-Token: an API key sent
// as the apikey query parameter, and a header
//
//	x-pay-token: xv2:<unix seconds>:<hex HMAC-SHA256(sharedSecret, ts + resourcePath + queryString + body)>
//
// where resourcePath is the URL path without its leading slash
// ("visaIdCredential/v1/enrollData") and queryString the query as sent,
// without '?'.
package xpaytoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Header is the request header carrying the token.
const Header = "X-Pay-Token"

// Token computes the header value for one request.
func Token(sharedSecret string, ts time.Time, resourcePath, query string, body []byte) string {
	sec := strconv.FormatInt(ts.Unix(), 10)
	return "xv2:" + sec + ":" + mac(sharedSecret, sec, resourcePath, query, body)
}

func mac(secret, ts, resourcePath, query string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte(strings.TrimPrefix(resourcePath, "/")))
	h.Write([]byte(query))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Sign adds the apikey query parameter and the X-Pay-Token header to req.
// body must be the exact bytes req sends.
func Sign(req *http.Request, apiKey, sharedSecret string, now time.Time, body []byte) {
	q := req.URL.Query()
	q.Set("apikey", apiKey)
	req.URL.RawQuery = q.Encode() // sorted by key
	req.Header.Set(Header, Token(sharedSecret, now, req.URL.Path, req.URL.RawQuery, body))
}

// Errors returned by Verify; each names what is wrong.
var (
	ErrMissing   = errors.New("x-pay-token header is missing")
	ErrMalformed = errors.New("x-pay-token must look like xv2:<unix seconds>:<64 hex digits>")
	ErrNoAPIKey  = errors.New("apikey query parameter is missing")
	ErrStale     = errors.New("x-pay-token timestamp is outside the accepted window")
	ErrMismatch  = errors.New("x-pay-token does not match the request (HMAC-SHA256 over timestamp, resource path, query string and body)")
)

// Parsed is a token split into its parts.
type Parsed struct {
	Timestamp time.Time
	MAC       string
}

// Parse splits a header value.
func Parse(v string) (Parsed, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 || parts[0] != "xv2" || len(parts[2]) != 64 {
		return Parsed{}, ErrMalformed
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || sec <= 0 {
		return Parsed{}, ErrMalformed
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return Parsed{}, ErrMalformed
	}
	return Parsed{Timestamp: time.Unix(sec, 0), MAC: strings.ToLower(parts[2])}, nil
}

// Verifier checks tokens. Secrets maps an API key to its shared secret.
type Verifier struct {
	Secrets func(apiKey string) (secret string, ok bool)
	Window  time.Duration // accepted clock skew either way; default 5 minutes
	Now     func() time.Time
}

// Verify checks req's token against its body and returns the API key.
func (v *Verifier) Verify(req *http.Request, body []byte) (string, error) {
	return v.VerifyAny(req, []*url.URL{req.URL}, body)
}

// VerifyAny is Verify for a request the client may have addressed under any
// of several URLs (a server reachable under a path prefix and without it):
// the token must match the resource path and query of one of urls.
func (v *Verifier) VerifyAny(req *http.Request, urls []*url.URL, body []byte) (string, error) {
	if len(urls) == 0 {
		return "", errors.New("xpaytoken: VerifyAny needs at least one URL")
	}
	h := req.Header.Get(Header)
	if h == "" {
		return "", ErrMissing
	}
	p, err := Parse(h)
	if err != nil {
		return "", err
	}
	apiKey := req.URL.Query().Get("apikey")
	if apiKey == "" {
		return "", ErrNoAPIKey
	}
	secret, ok := v.Secrets(apiKey)
	if !ok {
		return "", fmt.Errorf("apikey %q is not registered", apiKey)
	}
	window := v.Window
	if window <= 0 {
		window = 5 * time.Minute
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if d := now.Sub(p.Timestamp); d > window || d < -window {
		return "", fmt.Errorf("%w (token %s, now %s, window ±%s)", ErrStale, p.Timestamp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), window)
	}
	ts := strconv.FormatInt(p.Timestamp.Unix(), 10)
	want, _ := hex.DecodeString(p.MAC)
	for _, u := range urls {
		for _, q := range candidateQueries(u.RawQuery) {
			got, _ := hex.DecodeString(mac(secret, ts, u.Path, q, body))
			if hmac.Equal(got, want) {
				return apiKey, nil
			}
		}
	}
	return "", ErrMismatch
}

// candidateQueries accepts the query exactly as sent and in sorted order, as
// Visa's samples build it.
func candidateQueries(raw string) []string {
	out := []string{raw}
	if vals, err := url.ParseQuery(raw); err == nil {
		if sorted := vals.Encode(); sorted != raw { // Encode sorts by key
			out = append(out, sorted)
		}
	}
	return out
}
