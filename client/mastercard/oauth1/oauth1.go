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
	"slices"
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
	n := encodedLen(s)
	if n == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved[c] {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	return b.String()
}

// unreserved marks the bytes RFC 5849 §3.6 leaves as they are.
var unreserved = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

// encodedLen is the length of s percent-encoded.
func encodedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !unreserved[s[i]] {
			n += 2
		}
	}
	return n
}

// appendEncoded appends s percent-encoded as PercentEncode encodes it.
func appendEncoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved[c] {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// BaseURL normalises u: lower-case scheme and host, default port dropped,
// no query nor fragment.
func BaseURL(u *url.URL) string {
	parts := baseURLParts(u)
	return strings.Join(parts[:], "")
}

// baseURLParts are the pieces BaseURL joins: the scheme, "://", the host
// (bracketed when it holds a colon), ":" and the port unless it is 80 or
// 443, and the escaped path with a leading slash.
func baseURLParts(u *url.URL) [9]string {
	p := [9]string{0: strings.ToLower(u.Scheme), 1: "://", 3: strings.ToLower(u.Hostname())}
	if strings.Contains(p[3], ":") {
		p[2], p[4] = "[", "]"
	}
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		p[5], p[6] = ":", port
	}
	p[8] = u.EscapedPath()
	if p[8] == "" || p[8][0] != '/' {
		p[7] = "/"
	}
	return p
}

// param is one signed parameter, name and value as they are signed.
type param struct{ name, value string }

// appendQueryParams appends the query parameters as they are signed: the
// raw name=value pairs of the query string.
func appendQueryParams(all []param, rawQuery string) []param {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		all = append(all, param{k, v})
	}
	return all
}

// sortParams sorts parameters by name, then value.
func sortParams(all []param) {
	slices.SortFunc(all, func(a, b param) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}

// ParamString sorts the query and oauth parameters by name then value and
// joins them as name=value&...
func ParamString(rawQuery string, oauth map[string]string) string {
	all := paramsOf(rawQuery, oauth)
	var b strings.Builder
	for i, p := range all {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// paramsOf is the sorted parameters of the query and oauth.
func paramsOf(rawQuery string, oauth map[string]string) []param {
	all := appendQueryParams(make([]param, 0, len(oauth)+strings.Count(rawQuery, "&")+1), rawQuery)
	for k, v := range oauth {
		all = append(all, param{k, v})
	}
	sortParams(all)
	return all
}

// SignatureBaseString is METHOD&enc(base URL)&enc(parameter string).
func SignatureBaseString(method string, u *url.URL, oauth map[string]string) string {
	return string(appendBaseString(nil, method, u, paramsOf(u.RawQuery, oauth)))
}

// appendBaseString appends the signature base string of method, u and the
// sorted parameters all (u's query parameters among them): the upper-case
// method, "&", the percent-encoded base URL, "&", and the percent-encoded
// parameter string. Encoding is byte by byte, so each piece is encoded as
// it is appended.
func appendBaseString(dst []byte, method string, u *url.URL, all []param) []byte {
	base := baseURLParts(u)
	n := len(method) + 2
	for _, p := range base {
		n += encodedLen(p)
	}
	for _, p := range all {
		n += len("%26%3D") + encodedLen(p.name) + encodedLen(p.value)
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, strings.ToUpper(method)...)
	dst = append(dst, '&')
	for _, p := range base {
		dst = appendEncoded(dst, p)
	}
	dst = append(dst, '&')
	for i, p := range all {
		if i > 0 {
			dst = append(dst, "%26"...)
		}
		dst = appendEncoded(dst, p.name)
		dst = append(dst, "%3D"...)
		dst = appendEncoded(dst, p.value)
	}
	return dst
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

// verifySig verifies sig over the signature base string sbs.
func verifySig(key *rsa.PublicKey, method string, sbs, sig []byte) error {
	d := sha256.Sum256(sbs)
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
	var buf [12]param
	ps, err := parseHeader(h, buf[:0])
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[p.name] = p.value
	}
	return out, nil
}

// parseHeader is ParseHeader appending the parameters to dst in the order
// written.
func parseHeader(h string, dst []param) ([]param, error) {
	rest, ok := cutPrefixFold(strings.TrimSpace(h), "OAuth ")
	if !ok {
		return nil, errors.New(`authorization header does not start with "OAuth "`)
	}
	out := dst[:0]
	// Names are told apart by a scan of those read so far while there are
	// few, as in every real header; by a set beyond.
	var names map[string]struct{}
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
		if seen(out, names, name) {
			return nil, fmt.Errorf("authorization header: %s appears twice", clip(name))
		}
		out = append(out, param{name, val})
		switch {
		case names != nil:
			names[name] = struct{}{}
		case len(out) > maxScanned:
			names = make(map[string]struct{}, 2*len(out))
			for _, p := range out {
				names[p.name] = struct{}{}
			}
		}
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

// maxScanned is how many parameters parseHeader checks for a repeated
// name by scanning them; beyond it keeps a set.
const maxScanned = 16

func seen(ps []param, names map[string]struct{}, name string) bool {
	if names != nil {
		_, ok := names[name]
		return ok
	}
	for _, p := range ps {
		if p.name == name {
			return true
		}
	}
	return false
}

// lookup returns the value of the parameter name and whether it is there.
func lookup(ps []param, name string) (string, bool) {
	for _, p := range ps {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
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
