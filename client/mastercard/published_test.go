package mastercard_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/internal/mastercardfacts"
	"github.com/c2psim/c2psim/openapi"
)

// TestPublishedPreDigitizationSamplesAreHandled feeds every published
// Pre-Digitization sample (R-MC3, internal/mastercardfacts) to the bundled
// client's callback handler: each is accepted and answered 200 with an
// answer the published document allows (responseId). A sample printing a
// decrypted object in place of encryptedData is sent in its wire form,
// encrypted to the issuer's key with the published envelope's other fields
// (OAEP SHA-512 with an IV); the published fingerprint and key, being
// examples, are replaced by the issuer's.
func TestPublishedPreDigitizationSamplesAreHandled(t *testing.T) {
	srv, _, iss := setup(t)
	key := &config(t, srv).DecryptionKey.PublicKey
	doc, err := openapi.Load("mastercard/issuer-predigitization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := iss.CallbackHandler(nil, nil)
	handled := 0
	for _, s := range mastercardfacts.PreDigitization {
		t.Run(s.Name, func(t *testing.T) {
			body := s.Request
			if s.PlaintextInPlace {
				body = sealInPlace(t, body, key)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mastercard"+s.Path, strings.NewReader(body)))
			if rec.Code != http.StatusOK {
				t.Fatalf("answered %d %s", rec.Code, rec.Body)
			}
			var answer any
			if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
				t.Fatalf("answer is not JSON: %s", rec.Body)
			}
			schema := doc.Paths.Value(s.Path).Post.Responses.Value("200").Value.Content.Get("application/json").Schema.Value
			if err := schema.VisitJSON(answer, openapi3.MultiErrors()); err != nil {
				t.Fatalf("answer %s is not valid under the published schema: %v", rec.Body, err)
			}
			handled++
		})
	}
	t.Logf("%d of %d published Pre-Digitization samples handled by the bundled client", handled, len(mastercardfacts.PreDigitization))
}

// The published Token Status Update sample applies: the token becomes
// SUSPENDED in the issuer's records.
func TestPublishedStatusUpdateIsApplied(t *testing.T) {
	srv, _, iss := setup(t)
	_ = srv
	sample := mastercardfacts.PreDigitization[3]
	if sample.Name != "For Token Status Update" {
		t.Fatalf("sample order changed: %s", sample.Name)
	}
	sink := &client.MemorySink{}
	rec := httptest.NewRecorder()
	iss.CallbackHandler(nil, sink).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mastercard/notifyTokenUpdated", strings.NewReader(sample.Request)))
	evs := sink.Events()
	if rec.Code != 200 || len(evs) != 1 || evs[0].TokenStatus != "SUSPENDED" || evs[0].TokenRef != "DWSPMC000000000fcb2f4136b2f4136a0532d2f4136a0532" {
		t.Fatalf("%d %s, events %+v", rec.Code, rec.Body, evs)
	}
}

// sealInPlace replaces each encryptedData object of a published sample by
// its ciphertext to key, keeping the envelope's published form.
func sealInPlace(t *testing.T, sample string, key *rsa.PublicKey) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(sample), &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(x any) {
		switch m := x.(type) {
		case map[string]any:
			if obj, ok := m["encryptedData"].(map[string]any); ok {
				plain, _ := json.Marshal(obj)
				opts := encryption.FLEOptions{OAEPHashing: "SHA512"}
				if _, hasIV := m["iv"]; !hasIV {
					opts.ZeroIV = true
				}
				if h, _ := m["oaepHashingAlgorithm"].(string); h == "" {
					opts.OAEPHashing = ""
				}
				env, err := encryption.SealFLEWith(plain, key, opts)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := json.Marshal(env)
				var fields map[string]any
				_ = json.Unmarshal(raw, &fields)
				for k := range m {
					delete(m, k)
				}
				for k, f := range fields {
					m[k] = f
				}
				return
			}
			for _, y := range m {
				walk(y)
			}
		case []any:
			for _, y := range m {
				walk(y)
			}
		}
	}
	walk(v)
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(v)
	return buf.String()
}
