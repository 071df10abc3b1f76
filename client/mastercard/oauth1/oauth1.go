// Package oauth1 builds and verifies the OAuth 1.0a one-legged
// Authorization header Mastercard's APIs require, the way Mastercard's
// published signers build it:
//
//   - oauth_body_hash = base64(SHA-256(body)), also for an empty body;
//   - oauth_nonce: 16 alphanumeric characters; oauth_timestamp: Unix seconds;
//   - signature base string (RFC 5849 §3.4.1): upper-case method, "&",
//     percent-encoded normalised URL (lower-case scheme and host, port 80/443
//     dropped, no query or fragment), "&", percent-encoded parameter string:
//     query parameters and oauth_* parameters sorted by name then value,
//     joined as name=value with "&";
//   - signature: RSA-SHA256 (PKCS#1 v1.5) or RSA-PSS with SHA-256 (salt length
//     = digest length; header value "RSA-PSS"), base64, then percent-encoded
//     in the header.
//
// The header lists oauth_body_hash, oauth_consumer_key, oauth_nonce,
// oauth_signature_method, oauth_timestamp, oauth_version and oauth_signature
// in that order: `OAuth name="value",...`.
package oauth1

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Signature methods as they appear in oauth_signature_method.
const (
	MethodRSASHA256 = "RSA-SHA256"
	// MethodRSAPSS is what Mastercard's signers put in the header for
	// RSA-PSS-SHA256.
	MethodRSAPSS = "RSA-PSS"
	// MethodRSAPSSSHA256 is accepted by the verifier as a synonym of MethodRSAPSS.
	MethodRSAPSSSHA256 = "RSA-PSS-SHA256"
)

// Parameter names.
const (
	ParamBodyHash        = "oauth_body_hash"
	ParamConsumerKey     = "oauth_consumer_key"
	ParamNonce           = "oauth_nonce"
	ParamSignatureMethod = "oauth_signature_method"
	ParamTimestamp       = "oauth_timestamp"
	ParamVersion         = "oauth_version"
	ParamSignature       = "oauth_signature"
)

const nonceChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NonceLength is the length of the nonces Nonce makes.
const NonceLength = 16

// Nonce returns 16 random alphanumeric characters.
func Nonce() string {
	b := make([]byte, NonceLength)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i, v := range b {
		b[i] = nonceChars[int(v)%len(nonceChars)]
	}
	return string(b)
}

// BodyHash is base64(SHA-256(body)).
func BodyHash(body []byte) string {
	s := sha256.Sum256(body)
	return base64.StdEncoding.EncodeToString(s[:])
}

// PercentEncode encodes s as RFC 5849 §3.6 requires: everything but
// ALPHA, DIGIT, '-', '.', '_' and '~' as %XX with upper-case hex.
func PercentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// BaseURL normalises u: lower-case scheme and host, default port dropped,
// no query nor fragment.
func BaseURL(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return scheme + "://" + host + path
}

// queryParams returns the query parameters as they are signed: the raw
// name=value pairs of the query string.
func queryParams(rawQuery string) [][2]string {
	var out [][2]string
	if rawQuery == "" {
		return out
	}
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

// ParamString sorts the query and oauth parameters by name then value and
// joins them as name=value&...
func ParamString(rawQuery string, oauth map[string]string) string {
	all := queryParams(rawQuery)
	for k, v := range oauth {
		all = append(all, [2]string{k, v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i][0] != all[j][0] {
			return all[i][0] < all[j][0]
		}
		return all[i][1] < all[j][1]
	})
	parts := make([]string, len(all))
	for i, p := range all {
		parts[i] = p[0] + "=" + p[1]
	}
	return strings.Join(parts, "&")
}

// SignatureBaseString is METHOD&enc(base URL)&enc(parameter string).
func SignatureBaseString(method string, u *url.URL, oauth map[string]string) string {
	return strings.ToUpper(method) + "&" + PercentEncode(BaseURL(u)) + "&" + PercentEncode(ParamString(u.RawQuery, oauth))
}

// Signer signs requests for one consumer key.
type Signer struct {
	ConsumerKey string
	Key         *rsa.PrivateKey
	// Method is MethodRSASHA256 (the default when empty) or MethodRSAPSS.
	Method string
	// Now and NewNonce default to time.Now and Nonce; tests fix them.
	Now      func() time.Time
	NewNonce func() string
}

// Header returns the Authorization header value for one request; body must
// be the exact bytes sent (nil for none).
func (s *Signer) Header(method string, u *url.URL, body []byte) (string, error) {
	if s.Key == nil {
		return "", errors.New("oauth1: no signing key")
	}
	if s.ConsumerKey == "" {
		return "", errors.New("oauth1: no consumer key")
	}
	sm := s.Method
	if sm == "" {
		sm = MethodRSASHA256
	}
	now, nonce := time.Now, Nonce
	if s.Now != nil {
		now = s.Now
	}
	if s.NewNonce != nil {
		nonce = s.NewNonce
	}
	p := map[string]string{
		ParamBodyHash:        BodyHash(body),
		ParamConsumerKey:     s.ConsumerKey,
		ParamNonce:           nonce(),
		ParamSignatureMethod: sm,
		ParamTimestamp:       strconv.FormatInt(now().Unix(), 10),
		ParamVersion:         "1.0",
	}
	sig, err := sign(s.Key, sm, SignatureBaseString(method, u, p))
	if err != nil {
		return "", err
	}
	p[ParamSignature] = PercentEncode(base64.StdEncoding.EncodeToString(sig))
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, k := range headerOrder {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + `="` + p[k] + `"`)
	}
	return b.String(), nil
}

var headerOrder = []string{ParamBodyHash, ParamConsumerKey, ParamNonce, ParamSignatureMethod, ParamTimestamp, ParamVersion, ParamSignature}

func sign(key *rsa.PrivateKey, method, sbs string) ([]byte, error) {
	d := sha256.Sum256([]byte(sbs))
	switch method {
	case MethodRSASHA256:
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	case MethodRSAPSS, MethodRSAPSSSHA256:
		return rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return nil, fmt.Errorf("oauth1: unsupported signature method %q (want %s or %s)", method, MethodRSASHA256, MethodRSAPSS)
}

func verifySig(key *rsa.PublicKey, method, sbs string, sig []byte) error {
	d := sha256.Sum256([]byte(sbs))
	switch method {
	case MethodRSASHA256:
		return rsa.VerifyPKCS1v15(key, crypto.SHA256, d[:], sig)
	case MethodRSAPSS, MethodRSAPSSSHA256:
		return rsa.VerifyPSS(key, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	return fmt.Errorf("unsupported signature method %q", method)
}

// ParseHeader splits an `OAuth name="value",...` header into its
// parameters (values as written, still percent-encoded). Names must be
// unique and values quoted.
func ParseHeader(h string) (map[string]string, error) {
	rest, ok := cutPrefixFold(strings.TrimSpace(h), "OAuth ")
	if !ok {
		return nil, errors.New(`authorization header does not start with "OAuth "`)
	}
	out := map[string]string{}
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("authorization header: parameter without '=' near %q", clip(rest))
		}
		name := strings.TrimSpace(rest[:eq])
		if name == "" || strings.ContainsAny(name, "\",= \t\r\n") {
			return nil, fmt.Errorf("authorization header: bad parameter name near %q", clip(rest))
		}
		rest = rest[eq+1:]
		if !strings.HasPrefix(rest, `"`) {
			return nil, fmt.Errorf("authorization header: value of %s is not quoted", clip(name))
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("authorization header: value of %s has no closing quote", clip(name))
		}
		val := rest[1 : 1+end]
		rest = strings.TrimLeft(rest[2+end:], " \t")
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("authorization header: %s appears twice", clip(name))
		}
		out[name] = val
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("authorization header: expected ',' after %s", clip(name))
		}
		rest = rest[1:]
	}
	if len(out) == 0 {
		return nil, errors.New("authorization header has no parameters")
	}
	return out, nil
}

func cutPrefixFold(s, p string) (string, bool) {
	if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
		return s[len(p):], true
	}
	return s, false
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
