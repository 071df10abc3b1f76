package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTokenIsCachedAndRefreshedBeforeExpiry(t *testing.T) {
	issued := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, err := ParseBasic(r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "" { // form-body client authentication
			id, secret, err = r.FormValue("client_id"), r.FormValue("client_secret"), nil
		}
		if err != nil || id != "app id" || secret != "s3cr:et" || r.FormValue("grant_type") != "client_credentials" ||
			r.FormValue("scope") != "CTP" || r.Header.Get(HeaderAPIPlan) != "PLAN" {
			w.WriteHeader(401)
			return
		}
		issued++
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok" + string(rune('0'+issued)), "token_type": "Bearer", "expires_in": 600})
	}))
	defer srv.Close()
	now := time.Unix(1764043200, 0)
	ts := &TokenSource{TokenURL: srv.URL, ClientID: "app id", ClientSecret: "s3cr:et", Scope: "CTP", APIPlan: "PLAN", Now: func() time.Time { return now }}
	ctx := context.Background()
	a, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(500 * time.Second)
	b, _ := ts.Token(ctx)
	if a.AccessToken != b.AccessToken || ts.Fetches() != 1 {
		t.Fatalf("token not reused: %s %s", a.AccessToken, b.AccessToken)
	}
	now = now.Add(50 * time.Second) // 550s: inside the 60s refresh margin
	c, _ := ts.Token(ctx)
	if c.AccessToken == a.AccessToken || ts.Fetches() != 2 {
		t.Fatalf("token not refreshed before expiry")
	}
	bad := &TokenSource{TokenURL: srv.URL, ClientID: "app id", ClientSecret: "wrong", Scope: "CTP", APIPlan: "PLAN"}
	if _, err := bad.Token(ctx); !errors.Is(err, ErrTokenRefused) {
		t.Fatalf("wrong secret: %v", err)
	}
	form := &TokenSource{TokenURL: srv.URL, ClientID: "app id", ClientSecret: "s3cr:et", Scope: "CTP", APIPlan: "PLAN", Auth: ClientSecretPost}
	if _, err := form.Token(ctx); err != nil {
		t.Fatalf("form-body client authentication: %v", err)
	}
	if _, err := (&TokenSource{TokenURL: srv.URL, ClientID: "app id", ClientSecret: "s3cr:et", APIPlan: "PLAN"}).Token(ctx); err == nil {
		t.Fatal("a token was fetched without a scope")
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Basic YTpi", "Bearer abc", "Basic", "bearer  ", "Basic %%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, secret, err := ParseBasic(s); err == nil && id == "" && secret == "" && len(s) > 200 {
			t.Fatalf("odd parse of %q", s)
		}
		if tok, err := ParseBearer(s); err == nil && tok == "" {
			t.Fatalf("empty bearer accepted from %q", s)
		}
	})
}
