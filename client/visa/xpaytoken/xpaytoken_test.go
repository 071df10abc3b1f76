package xpaytoken

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

var t0 = time.Unix(1764043200, 0)

// A fixed vector, computed independently:
//
//	printf '%s' '1764043200visaIdCredential/v1/requestStatus/abcapikey=KEY' |
//	  openssl dgst -sha256 -hmac 'SECRET'
func TestTokenVector(t *testing.T) {
	got := Token("SECRET", t0, "/visaIdCredential/v1/requestStatus/abc", "apikey=KEY", nil)
	const want = "xv2:1764043200:6f4a51bbfce4aef6bc3195a5af5bcb754cc1f32e90988e7f6d6e2c85f2289f4c"
	if got != want {
		t.Fatalf("token = %s, want %s", got, want)
	}
}

func verifier() *Verifier {
	return &Verifier{
		Secrets: func(k string) (string, bool) { return "SECRET", k == "KEY" },
		Now:     func() time.Time { return t0.Add(30 * time.Second) },
	}
}

func signed(path, body string) *http.Request {
	req, _ := http.NewRequest("POST", "http://127.0.0.1:8080"+path, strings.NewReader(body))
	Sign(req, "KEY", "SECRET", t0, []byte(body))
	return req
}

func TestVerify(t *testing.T) {
	body := `{"encData":"x"}`
	req := signed("/visa/visaIdCredential/v1/enrollData", body)
	if key, err := verifier().Verify(req, []byte(body)); err != nil || key != "KEY" {
		t.Fatalf("Verify = %q, %v", key, err)
	}
	// A server reachable under a prefix and without it (the simulator's
	// /visa mount) verifies a client that signed the production resource
	// path, given both URLs.
	req2, _ := http.NewRequest("POST", "http://127.0.0.1:8080/visa/visaIdCredential/v1/enrollData?apikey=KEY", nil)
	req2.Header.Set(Header, Token("SECRET", t0, "visaIdCredential/v1/enrollData", "apikey=KEY", []byte(body)))
	if _, err := verifier().Verify(req2, []byte(body)); !errors.Is(err, ErrMismatch) {
		t.Fatalf("the production path form against the prefixed URL alone: %v", err)
	}
	bare := *req2.URL
	bare.Path = "/visaIdCredential/v1/enrollData"
	if _, err := verifier().VerifyAny(req2, []*url.URL{req2.URL, &bare}, []byte(body)); err != nil {
		t.Fatalf("production path form: %v", err)
	}
	cases := []struct {
		name string
		mut  func(r *http.Request) []byte
		want error
	}{
		{"body changed", func(r *http.Request) []byte { return []byte(`{"encData":"y"}`) }, ErrMismatch},
		{"no header", func(r *http.Request) []byte { r.Header.Del(Header); return []byte(body) }, ErrMissing},
		{"garbled", func(r *http.Request) []byte { r.Header.Set(Header, "xv2:abc:def"); return []byte(body) }, ErrMalformed},
		{"no apikey", func(r *http.Request) []byte { r.URL.RawQuery = ""; return []byte(body) }, ErrNoAPIKey},
		{"stale", func(r *http.Request) []byte {
			r.Header.Set(Header, Token("SECRET", t0.Add(-time.Hour), r.URL.Path, r.URL.RawQuery, []byte(body)))
			return []byte(body)
		}, ErrStale},
		{"wrong secret", func(r *http.Request) []byte {
			r.Header.Set(Header, Token("OTHER", t0, r.URL.Path, r.URL.RawQuery, []byte(body)))
			return []byte(body)
		}, ErrMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := signed("/visa/visaIdCredential/v1/enrollData", body)
			b := tc.mut(r)
			if _, err := verifier().Verify(r, b); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"xv2:1764043200:" + strings.Repeat("a", 64), "xv2::", "x:1:2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err == nil && (len(p.MAC) != 64 || p.Timestamp.Unix() <= 0) {
			t.Fatalf("accepted %q as %+v", s, p)
		}
	})
}
