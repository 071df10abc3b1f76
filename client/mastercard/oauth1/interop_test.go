package oauth1

import (
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/internal/nodeinterop"
)

const interopDir = "../testdata/interop"

// mcSigner runs testdata/interop/oauth1.js, which builds a header with
// Mastercard's npm signer (mastercard-oauth1-signer, pinned in
// package-lock.json).
func mcSigner(t *testing.T, req map[string]any) string {
	t.Helper()
	node := nodeinterop.Require(t, interopDir, "mastercard-oauth1-signer")
	var res struct{ Header string }
	if err := nodeinterop.Run(node, interopDir, req, &res, "oauth1.js"); err != nil {
		t.Fatal(err)
	}
	return res.Header
}

// For a fixed nonce and timestamp, our header equals the library's byte for
// byte (RSA-SHA256), and our verifier accepts headers the library made with
// its own random nonce and clock, for both signature methods.
func TestInteropMastercardNodeSigner(t *testing.T) {
	keyPEM, err := os.ReadFile("testdata/test_key.pem")
	if err != nil {
		t.Fatal(err)
	}
	s := fixedSigner(t)
	cases := []struct {
		method, uri, body string
	}{
		{"POST", "https://sandbox.api.mastercard.com/src/api/digital/payments/cards", vectorBody},
		{"GET", "https://sandbox.api.mastercard.com/src/api/digital/payments/consumers/abc?x=1&a=b", ""},
		{"DELETE", "https://Sandbox.Api.Mastercard.com/src/api/digital/payments/cards/c-1", ""},
	}
	for _, c := range cases {
		u, _ := url.Parse(c.uri)
		ours, err := s.Header(c.method, u, []byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		theirs := mcSigner(t, map[string]any{
			"uri": c.uri, "method": c.method, "payload": c.body, "consumerKey": s.ConsumerKey,
			"privateKeyPem": string(keyPEM), "nonce": "AbCdEfGh12345678", "timestamp": fixedTime.Unix(),
		})
		if ours != theirs {
			t.Errorf("%s %s\n ours   %s\n theirs %s", c.method, c.uri, ours, theirs)
		}
		for _, sm := range []string{MethodRSASHA256, MethodRSAPSS} {
			now := time.Now()
			v := verifier(t, &now)
			h := mcSigner(t, map[string]any{
				"uri": c.uri, "method": c.method, "payload": c.body, "consumerKey": s.ConsumerKey,
				"privateKeyPem": string(keyPEM), "signatureMethod": sm,
			})
			if !strings.Contains(h, `oauth_signature_method="`+sm+`"`) {
				t.Fatalf("library header %s is not %s", h, sm)
			}
			if _, err := v.Verify(h, c.method, u, []byte(c.body)); err != nil {
				t.Errorf("%s %s %s: our verifier refused the library's header: %v", sm, c.method, c.uri, err)
			}
			if _, err := v.Verify(h, c.method, u, []byte(c.body+"x")); err == nil {
				t.Errorf("library header verified with another body")
			}
		}
	}
}
