package vtsjwe

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const apiKey, secret = "APIKEY1", "a-shared-secret-of-some-length"

var t0 = time.Unix(1764043200, 0)

func opener(now time.Time) Opener {
	return Opener{Secret: func(k string) (string, bool) { return secret, k == apiKey }, Now: func() time.Time { return now }}
}

func TestSealOpen(t *testing.T) {
	jwe, err := Seal([]byte(`{"a":1}`), apiKey, secret, t0)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(jwe, ".")[0])
	var h map[string]any
	_ = json.Unmarshal(raw, &h)
	if h["alg"] != "A256GCMKW" || h["enc"] != "A256GCM" || h["typ"] != "JOSE" || h["channelSecurityContext"] != "SHARED_SECRET" ||
		h["kid"] != apiKey || h["iat"] != "1764043200" || h["iv"] == nil || h["tag"] == nil {
		t.Fatalf("header %v", h)
	}
	o, err := opener(t0.Add(4 * time.Minute)).Open(jwe)
	if err != nil || string(o.Payload) != `{"a":1}` || o.APIKey != apiKey {
		t.Fatalf("Open = %+v, %v", o, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	good, _ := Seal([]byte(`{}`), apiKey, secret, t0)
	otherKey, _ := Seal([]byte(`{}`), "NOTMINE", secret, t0)
	otherSecret, _ := Seal([]byte(`{}`), apiKey, "a-different-secret-entirely", t0)
	for name, c := range map[string]struct {
		jwe  string
		now  time.Time
		want error
	}{
		"garbage":       {"a.b.c.d.e", t0, ErrNotJWE},
		"stale":         {good, t0.Add(6 * time.Minute), ErrStale},
		"future":        {good, t0.Add(-6 * time.Minute), ErrStale},
		"unknown kid":   {otherKey, t0, ErrKeyID},
		"wrong secret":  {otherSecret, t0, ErrDecrypt},
		"plain payload": {`{"cardholderInfo":{}}`, t0, ErrNotJWE},
	} {
		if _, err := opener(c.now).Open(c.jwe); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	if _, err := Seal([]byte(`{}`), apiKey, "", t0); !errors.Is(err, ErrNoSecret) {
		t.Errorf("empty secret: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	good, _ := Seal([]byte(`{}`), apiKey, secret, t0)
	f.Add(good)
	f.Add("eyJhbGciOiJBMjU2R0NNS1ciLCJlbmMiOiJBMjU2R0NNIn0....")
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := opener(t0).Open(s); err == nil && got == nil {
			t.Fatal("nil result without error")
		}
	})
}
