package oauth1

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("testdata/test_key.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("testdata/test_key.pem: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

var fixedTime = time.Unix(1767225600, 0) // 2026-01-01T00:00:00Z

func fixedSigner(t testing.TB) *Signer {
	return &Signer{
		ConsumerKey: "c2psim-consumer-key!0123456789",
		Key:         testKey(t),
		Now:         func() time.Time { return fixedTime },
		NewNonce:    func() string { return "AbCdEfGh12345678" },
	}
}

const vectorURL = "https://SANDBOX.api.mastercard.com:443/src/api/digital/payments/cards?b=2&a=1"
const vectorBody = `{"srcClientId":"x"}`

func TestSignatureBaseString(t *testing.T) {
	u, _ := url.Parse(vectorURL)
	got := SignatureBaseString("post", u, map[string]string{ParamBodyHash: BodyHash([]byte(vectorBody)), ParamNonce: "n"})
	want := "POST&https%3A%2F%2Fsandbox.api.mastercard.com%2Fsrc%2Fapi%2Fdigital%2Fpayments%2Fcards&a%3D1%26b%3D2%26oauth_body_hash%3D" + PercentEncode(BodyHash([]byte(vectorBody))) + "%26oauth_nonce%3Dn"
	if got != want {
		t.Fatalf("base string\n got %s\nwant %s", got, want)
	}
	for in, want := range map[string]string{
		"HTTP://Example.COM:80/a/b?x=1#f": "http://example.com/a/b",
		"https://example.com:8443/a":      "https://example.com:8443/a",
		"https://example.com":             "https://example.com/",
		"http://[::1]:8080/x":             "http://[::1]:8080/x",
	} {
		u, _ := url.Parse(in)
		if got := BaseURL(u); got != want {
			t.Errorf("BaseURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestBodyHashEmpty(t *testing.T) {
	if got := BodyHash(nil); got != "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" {
		t.Fatalf("BodyHash(empty) = %s", got)
	}
}

func TestNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := Nonce()
		if len(n) != 16 || strings.Trim(n, nonceChars) != "" || seen[n] {
			t.Fatalf("nonce %q", n)
		}
		seen[n] = true
	}
}

// The fixed vector: fixed key (testdata/test_key.pem), nonce and timestamp
// give exactly this header (RSA-SHA256 PKCS#1 v1.5 is deterministic).
func TestFixedVector(t *testing.T) {
	u, _ := url.Parse(vectorURL)
	h, err := fixedSigner(t).Header("POST", u, []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/vector.txt")
	if err != nil {
		t.Fatal(err)
	}
	if h != strings.TrimSpace(string(want)) {
		t.Fatalf("header\n got %s\nwant %s", h, want)
	}
}

func verifier(t testing.TB, now *time.Time) *Verifier {
	pub := &testKey(t).PublicKey
	return &Verifier{
		Keys: func(ck string) (*rsa.PublicKey, bool) {
			if ck == "c2psim-consumer-key!0123456789" {
				return pub, true
			}
			return nil, false
		},
		Now: func() time.Time { return *now },
	}
}

func TestVerify(t *testing.T) {
	now := fixedTime.Add(30 * time.Second)
	u, _ := url.Parse(vectorURL)
	body := []byte(vectorBody)
	for _, method := range []string{MethodRSASHA256, MethodRSAPSS} {
		s := fixedSigner(t)
		s.Method = method
		n := 0
		s.NewNonce = func() string { n++; return strings.Repeat("N", 15) + string(rune('a'+n)) }
		v := verifier(t, &now)
		h, err := s.Header("POST", u, body)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h, `oauth_signature_method="`+method+`"`) {
			t.Fatalf("header %s lacks method %s", h, method)
		}
		if r, err := v.Verify(h, "POST", u, body); err != nil || r.ConsumerKey != s.ConsumerKey || r.Method != method {
			t.Fatalf("%s: Verify = %+v, %v", method, r, err)
		}
		if _, err := v.Verify(h, "POST", u, body); !errors.Is(err, ErrReplayedNonce) {
			t.Fatalf("replay: %v", err)
		}
		h, _ = s.Header("POST", u, body)
		if _, err := v.Verify(h, "POST", u, []byte(vectorBody+" ")); !errors.Is(err, ErrBodyHash) {
			t.Fatalf("body changed: %v", err)
		}
		if _, err := v.Verify(h, "PUT", u, body); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("method changed: %v", err)
		}
		u2, _ := url.Parse(strings.Replace(vectorURL, "a=1", "a=3", 1))
		if _, err := v.Verify(h, "POST", u2, body); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("query changed: %v", err)
		}
		// A server reachable under a prefix and without it (the simulator's
		// /mastercard mount) verifies against both URLs.
		mounted, _ := url.Parse("https://sandbox.api.mastercard.com/mastercard/src/api/digital/payments/cards?b=2&a=1")
		both := []*url.URL{mounted, u}
		if _, err := v.Verify(h, "POST", mounted, body); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("signed without the prefix, verified against the prefixed URL alone: %v", err)
		}
		if _, err := v.VerifyAny(h, "POST", both, body); err != nil {
			t.Fatalf("signed without the prefix: %v", err)
		}
		hm, _ := s.Header("POST", mounted, body)
		if _, err := v.VerifyAny(hm, "POST", both, body); err != nil {
			t.Fatalf("signed with prefix: %v", err)
		}
		h, _ = s.Header("POST", u, body)
		later := now
		now = now.Add(10 * time.Minute)
		if _, err := v.Verify(h, "POST", u, body); !errors.Is(err, ErrStaleTimestamp) {
			t.Fatalf("stale: %v", err)
		}
		now = later
		if _, err := v.Verify(strings.Replace(h, "c2psim-consumer-key", "other", 1), "POST", u, body); !errors.Is(err, ErrUnknownConsumer) {
			t.Fatalf("unknown consumer: %v", err)
		}
		if _, err := v.Verify("", "POST", u, body); !errors.Is(err, ErrMissingHeader) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := v.Verify("Bearer x", "POST", u, body); !errors.Is(err, ErrMalformedHeader) {
			t.Fatalf("bearer: %v", err)
		}
		other, _ := url.Parse("https://sandbox.api.mastercard.com/other/src/api/digital/payments/cards?b=2&a=1")
		if _, err := v.VerifyAny(h, "POST", []*url.URL{other, mounted}, body); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("other prefix: %v", err)
		}
	}
}

func TestVerifyWrongKey(t *testing.T) {
	now := fixedTime
	u, _ := url.Parse(vectorURL)
	h, _ := fixedSigner(t).Header("POST", u, nil)
	v := verifier(t, &now)
	other, err := rsa.GenerateKey(randReader{}, 2048)
	if err != nil {
		t.Fatal(err)
	}
	v.Keys = func(string) (*rsa.PublicKey, bool) { return &other.PublicKey, true }
	if _, err := v.Verify(h, "POST", u, nil); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	p, err := ParseHeader(`OAuth oauth_consumer_key="a%21", oauth_nonce="n",realm=""`)
	if err != nil || p[ParamConsumerKey] != "a%21" || p[ParamNonce] != "n" || len(p) != 3 {
		t.Fatalf("%v %v", p, err)
	}
	for _, bad := range []string{`OAuth`, `OAuth a=b`, `OAuth a="b`, `OAuth a="b" c="d"`, `OAuth a="1",a="2"`, `Basic a="b"`} {
		if _, err := ParseHeader(bad); err == nil {
			t.Errorf("ParseHeader(%q) accepted", bad)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(`OAuth oauth_body_hash="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",oauth_consumer_key="k",oauth_nonce="n",oauth_signature_method="RSA-SHA256",oauth_timestamp="1",oauth_version="1.0",oauth_signature="x%3D"`)
	f.Add(`OAuth a="b"`)
	f.Fuzz(func(t *testing.T, h string) {
		p, err := ParseHeader(h)
		if err != nil {
			return
		}
		if len(p) == 0 {
			t.Fatal("accepted a header without parameters")
		}
		for k, v := range p {
			if strings.Contains(v, `"`) || k == "" {
				t.Fatalf("parameter %q=%q", k, v)
			}
		}
		// Verifying a parsed header never panics.
		now := time.Unix(1, 0)
		v := &Verifier{Keys: func(string) (*rsa.PublicKey, bool) { return nil, false }, Now: func() time.Time { return now }}
		u, _ := url.Parse("https://example.com/")
		_, _ = v.Verify(h, "GET", u, nil)
	})
}

// The nonce cache is bounded: when full, the oldest nonce is forgotten and
// its timestamp (and every earlier one) is refused as stale, so no forgotten
// nonce can be replayed.
func TestNonceCacheIsBounded(t *testing.T) {
	now := fixedTime.Add(30 * time.Second)
	u, _ := url.Parse(vectorURL)
	body := []byte(vectorBody)
	s := fixedSigner(t)
	clock := fixedTime
	s.Now = func() time.Time { return clock }
	n := 0
	s.NewNonce = func() string { n++; return fmt.Sprintf("nonce%011d", n) }
	v := verifier(t, &now)
	v.MaxNonces = 3
	var first string
	for i := 0; i < 4; i++ {
		clock = fixedTime.Add(time.Duration(i) * time.Second)
		h, err := s.Header("POST", u, body)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = h
		}
		if _, err := v.Verify(h, "POST", u, body); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := v.Verify(first, "POST", u, body); !errors.Is(err, ErrStaleTimestamp) {
		t.Fatalf("a replay of a forgotten nonce = %v, want ErrStaleTimestamp", err)
	}
}
