package jwks

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestMarshalParseAndSource(t *testing.T) {
	sig, _ := rsa.GenerateKey(rand.Reader, 2048)
	enc, _ := rsa.GenerateKey(rand.Reader, 2048)
	doc, err := Marshal(Key{ID: "s1", Use: UseSig, Alg: "RS256", Key: &sig.PublicKey}, Key{ID: "e1", Use: UseEnc, Alg: "RSA-OAEP-256", Key: &enc.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(doc, &raw)
	if len(raw.Keys) != 2 || raw.Keys[0]["kty"] != "RSA" || raw.Keys[0]["use"] != "sig" || raw.Keys[0]["d"] != nil || raw.Keys[1]["alg"] != "RSA-OAEP-256" {
		t.Fatalf("JWKS %s", doc)
	}
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		_, _ = w.Write(doc)
	}))
	defer srv.Close()
	now := time.Unix(1764043200, 0)
	src := &Source{URL: srv.URL, Now: func() time.Time { return now }}
	ctx := context.Background()
	k, err := src.Key(ctx, "s1", UseSig)
	if err != nil || k.N.Cmp(sig.N) != 0 {
		t.Fatalf("sig key: %v", err)
	}
	if _, err := src.Key(ctx, "s1", UseEnc); err == nil {
		t.Fatal("a signing key was handed out for encryption")
	}
	first, err := src.First(ctx, UseEnc)
	if err != nil || first.ID != "e1" || first.Key.N.Cmp(enc.N) != 0 {
		t.Fatalf("enc key: %+v %v", first, err)
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1 (an unknown kid within MinRefresh does not refetch)", n)
	}
	now = now.Add(2 * time.Minute)
	if _, err := src.Key(ctx, "rotated", UseSig); err == nil || fetches.Load() != 2 {
		t.Fatalf("an unknown kid after MinRefresh refetches: %v, %d fetches", err, fetches.Load())
	}
	if _, err := Parse([]byte(`{"keys":[{"kty":"RSA","n":"sXch","e":"AQAB"}]}`)); err == nil {
		t.Fatal("a key without kid and use was accepted")
	}
}
