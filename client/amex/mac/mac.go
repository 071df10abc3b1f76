// Package mac builds and verifies the American Express MAC Authorization
// header exactly as the public Token Service SDK (amex-api-java-client-core,
// HmacAuthProvider) builds it:
//
//	Authorization: MAC id="<client id>",ts="<epoch ms>",nonce="<UUID>",bodyhash="<b64>",mac="<b64>"
//
// where, with secret the client secret's UTF-8 bytes as an HMAC-SHA256 key,
//
//   - bodyhash = base64(HMAC-SHA256(secret, body)), the body being the exact
//     bytes sent, and the empty string for a request without one (GET);
//   - mac = base64(HMAC-SHA256(secret, ts\nnonce\nMETHOD\npath\nhost\nport\nbodyhash\n)),
//     every line, the last included, ended by "\n";
//   - path is the URL's path as sent (percent-encoded as on the wire), without
//     query string or fragment;
//   - host is lower-case, without port;
//   - port is the URL's port, or the scheme's default when the URL has none
//     (443 for https, 80 for http), in decimal;
//   - base64 is the standard alphabet with padding, no line breaks;
//   - ts is milliseconds since the Unix epoch, nonce a random UUID.
//
// The SDK uses the client id both as the MAC id and as the x-amex-api-key
// header. Tests pin this with the SDK's own known-answer vector and, when
// C2PSIM_AMEX_SDK_DIR names a checkout of the SDK and a JDK is installed,
// against its HmacAuthProvider itself (testdata/interop). A Signer makes the header; a Verifier checks it (timestamp window,
// nonce replay cache, constant-time comparisons) and names what is wrong.
package mac

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/internal/uuid"
)

// Header names the SDK sets (AuthHeaderNames).
const (
	HeaderAuthorization    = "Authorization"
	HeaderAPIKey           = "x-amex-api-key"
	HeaderRequestID        = "x-amex-request-id"
	HeaderTokenRequesterID = "x-amex-token-requester-id"
)

// Scheme is the authorization scheme name.
const Scheme = "MAC"

// Params are the five parameters of a MAC header.
type Params struct {
	ID       string // client id
	TS       string // epoch milliseconds, decimal
	Nonce    string // UUID
	BodyHash string // base64 HMAC-SHA256 of the body
	MAC      string // base64 HMAC-SHA256 of the canonical string
}

// String formats p as the SDK does: MAC id="…",ts="…",nonce="…",bodyhash="…",mac="…".
func (p Params) String() string {
	return fmt.Sprintf(`MAC id="%s",ts="%s",nonce="%s",bodyhash="%s",mac="%s"`, p.ID, p.TS, p.Nonce, p.BodyHash, p.MAC)
}

// BodyHash is base64(HMAC-SHA256(secret, body)).
func BodyHash(secret string, body []byte) string {
	return b64(hmacSHA256(secret, body))
}

// Canonical is the string the mac covers:
// ts\nnonce\nMETHOD\npath\nhost\nport\nbodyhash\n.
func Canonical(ts, nonce, method, path, host string, port int, bodyHash string) string {
	return ts + "\n" + nonce + "\n" + method + "\n" + path + "\n" + host + "\n" + strconv.Itoa(port) + "\n" + bodyHash + "\n"
}

// Sum is base64(HMAC-SHA256(secret, canonical)).
func Sum(secret, canonical string) string {
	return b64(hmacSHA256(secret, []byte(canonical)))
}

// Target is the part of a URL the mac covers: path, lower-case host and port
// (the scheme's default when u has none). An IPv6 literal keeps its brackets
// ("[::1]"), as Java's URL.getHost() returns it to the SDK.
func Target(u *url.URL) (path, host string, port int, err error) {
	host = strings.ToLower(strings.TrimSpace(u.Hostname()))
	if host == "" {
		return "", "", 0, errors.New("mac: URL has no host")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			return "", "", 0, fmt.Errorf("mac: URL port %q is not a port number", p)
		}
	} else {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = 443
		case "http":
			port = 80
		default:
			return "", "", 0, fmt.Errorf("mac: URL scheme %q has no default port", u.Scheme)
		}
	}
	return u.EscapedPath(), host, port, nil
}

// Compute returns the header parameters for one request with a given
// timestamp and nonce.
func Compute(id, secret, method string, u *url.URL, body []byte, ts, nonce string) (Params, error) {
	path, host, port, err := Target(u)
	if err != nil {
		return Params{}, err
	}
	bh := BodyHash(secret, body)
	return Params{ID: id, TS: ts, Nonce: nonce, BodyHash: bh, MAC: Sum(secret, Canonical(ts, nonce, method, path, host, port, bh))}, nil
}

// Signer signs requests for one client id.
type Signer struct {
	ID     string // client id (also the x-amex-api-key)
	Secret string // client secret
	// Now and NewNonce default to time.Now and NewUUID; tests fix them.
	Now      func() time.Time
	NewNonce func() string
}

// Header returns the Authorization value for one request; body must be the
// exact bytes sent (nil for none) and u the URL requested.
func (s *Signer) Header(method string, u *url.URL, body []byte) (string, error) {
	if s.ID == "" || s.Secret == "" {
		return "", errors.New("mac: signer needs a client id and a secret")
	}
	now, nonce := time.Now, NewUUID
	if s.Now != nil {
		now = s.Now
	}
	if s.NewNonce != nil {
		nonce = s.NewNonce
	}
	p, err := Compute(s.ID, s.Secret, method, u, body, strconv.FormatInt(now().UnixMilli(), 10), nonce())
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// Sign sets the Authorization header of r (and x-amex-api-key when unset);
// body must be the exact bytes r will send.
func (s *Signer) Sign(r *http.Request, body []byte) error {
	h, err := s.Header(r.Method, r.URL, body)
	if err != nil {
		return err
	}
	r.Header.Set(HeaderAuthorization, h)
	if r.Header.Get(HeaderAPIKey) == "" {
		r.Header.Set(HeaderAPIKey, s.ID)
	}
	return nil
}

// NewUUID returns a random (version 4) UUID, lower-case, as
// java.util.UUID.randomUUID().toString() does.
func NewUUID() string { return uuid.New() }

// paramNames are the header's parameters in the SDK's order.
var paramNames = []string{"id", "ts", "nonce", "bodyhash", "mac"}

// ParseHeader reads a MAC header. The scheme name is case-insensitive;
// parameters may come in any order, separated by commas (spaces around them
// tolerated); each of id, ts, nonce, bodyhash and mac must appear exactly
// once with a double-quoted, non-empty value; no other parameter is allowed.
func ParseHeader(h string) (Params, error) {
	h = strings.TrimSpace(h)
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, Scheme) {
		return Params{}, fmt.Errorf("scheme is not %s", Scheme)
	}
	vals := map[string]string{}
	rest = strings.TrimSpace(rest)
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return Params{}, errors.New(`expected name="value"`)
		}
		name := strings.TrimSpace(rest[:eq])
		rest = rest[eq+1:]
		if !known(name) {
			return Params{}, fmt.Errorf("unknown parameter %q", clip(name))
		}
		if len(rest) == 0 || rest[0] != '"' {
			return Params{}, fmt.Errorf("value of %s is not double-quoted", name)
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return Params{}, fmt.Errorf("value of %s has no closing quote", name)
		}
		val := rest[1 : 1+end]
		rest = strings.TrimSpace(rest[2+end:])
		if _, dup := vals[name]; dup {
			return Params{}, fmt.Errorf("parameter %s appears twice", name)
		}
		if val == "" {
			return Params{}, fmt.Errorf("parameter %s is empty", name)
		}
		vals[name] = val
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return Params{}, fmt.Errorf("expected a comma after %s", name)
		}
		rest = strings.TrimSpace(rest[1:])
		if rest == "" {
			return Params{}, errors.New("trailing comma")
		}
	}
	for _, n := range paramNames {
		if _, ok := vals[n]; !ok {
			return Params{}, fmt.Errorf("parameter %s is missing", n)
		}
	}
	return Params{ID: vals["id"], TS: vals["ts"], Nonce: vals["nonce"], BodyHash: vals["bodyhash"], MAC: vals["mac"]}, nil
}

func known(name string) bool {
	for _, n := range paramNames {
		if n == name {
			return true
		}
	}
	return false
}

func hmacSHA256(secret string, data []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(data)
	return m.Sum(nil)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
