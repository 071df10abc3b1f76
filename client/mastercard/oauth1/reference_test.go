package oauth1

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// The straightforward forms of what the package builds and reads in one
// pass: the base string by string concatenation, the header into a map,
// the signature with url.PathUnescape. The fast forms must agree with them
// on everything.

func referencePercentEncode(s string) string {
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

func referenceBaseURL(u *url.URL) string {
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

func referenceBaseString(method string, u *url.URL, oauth map[string]string) string {
	var all [][2]string
	for _, pair := range strings.Split(u.RawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		all = append(all, [2]string{k, v})
	}
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
	return strings.ToUpper(method) + "&" + referencePercentEncode(referenceBaseURL(u)) + "&" + referencePercentEncode(strings.Join(parts, "&"))
}

func referenceParseHeader(h string) (map[string]string, error) {
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

func referenceDecodeSignature(s string) ([]byte, bool) {
	text, err := url.PathUnescape(s)
	if err != nil {
		return nil, false
	}
	sig, err := base64.StdEncoding.DecodeString(text)
	return sig, err == nil
}

func sameBaseString(t *testing.T, method, rawURL string, oauth map[string]string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	if got, want := SignatureBaseString(method, u, oauth), referenceBaseString(method, u, oauth); got != want {
		t.Fatalf("base string of %s %s %v\n got %s\nwant %s", method, rawURL, oauth, got, want)
	}
	if got, want := BaseURL(u), referenceBaseURL(u); got != want {
		t.Fatalf("BaseURL(%s) = %s, want %s", rawURL, got, want)
	}
}

func sameHeader(t *testing.T, h string) {
	t.Helper()
	got, gerr := ParseHeader(h)
	want, werr := referenceParseHeader(h)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ParseHeader(%q) = %v, %v; want %v, %v", h, got, gerr, want, werr)
	}
}

func sameSignature(t *testing.T, s string) {
	t.Helper()
	got, gok := decodeSignature(nil, s)
	want, wok := referenceDecodeSignature(s)
	if gok != wok || gok && !bytes.Equal(got, want) {
		t.Fatalf("decodeSignature(%q) = %x, %v; want %x, %v", s, got, gok, want, wok)
	}
}

func TestAgainstReference(t *testing.T) {
	for _, c := range []string{
		vectorURL, "http://127.0.0.1:38411/mastercard/src/api/digital/payments/cards", "HTTP://Example.COM:80/a/b?x=1#f",
		"https://example.com:8443/a?b=&c&=d&&e=f=g", "https://example.com", "http://[::1]:8080/x", "http://[FE80::1%25EN0]:443/p%20q",
		"https://h/a%2Fb?z=%41&z=%61", "https://ÉCOLE.example/é?ü=ö", "https://h:443", "//h/p", "/relative?x=1", "https://h/*",
	} {
		sameBaseString(t, "post", c, map[string]string{ParamBodyHash: BodyHash(nil), ParamNonce: "n", "x": "1", "z": "%41"})
		sameBaseString(t, "Gét", c, nil)
	}
	long := `OAuth `
	for i := range 40 {
		long += fmt.Sprintf(`p%d="%d",`, i, i)
	}
	for _, h := range []string{
		`OAuth oauth_consumer_key="a%21", oauth_nonce="n",realm=""`, `OAuth`, `OAuth a=b`, `OAuth a="b`, `OAuth a="b" c="d"`,
		`OAuth a="1",a="2"`, `Basic a="b"`, long + `p3="x"`, long + `q="y"`, long, `oauth  a="1" ,  b="2",`, `OAuth ,`, "OAuth a\t=\"1\"",
	} {
		sameHeader(t, h)
	}
	for _, s := range []string{"", "QUJD", "QUJD%3D", "QUI%3D", "QU%4AD", "%", "%4", "%zz", "QU+/", "QU\nJD", "QUJD%0A", "a%2Bb%2F", "QUJ%44"} {
		sameSignature(t, s)
	}
}

func FuzzSignatureBaseString(f *testing.F) {
	f.Add("POST", vectorURL, "oauth_nonce", "n", "b", "%41")
	f.Add("get", "http://[::1]:80/a%2Fb?x&y=&=z", "x", "", "x", "1")
	f.Fuzz(func(t *testing.T, method, rawURL, k1, v1, k2, v2 string) {
		sameBaseString(t, method, rawURL, map[string]string{k1: v1, k2: v2})
	})
}

func FuzzHeaderAgainstReference(f *testing.F) {
	f.Add(`OAuth oauth_body_hash="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",oauth_consumer_key="k",oauth_nonce="n",oauth_signature="x%3D"`)
	f.Add(`OAuth a="1",a="2"`)
	f.Fuzz(func(t *testing.T, h string) { sameHeader(t, h) })
}

func FuzzDecodeSignature(f *testing.F) {
	f.Add("QUJD%3D")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, s string) { sameSignature(t, s) })
}
