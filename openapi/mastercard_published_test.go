package openapi

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/internal/mastercardfacts"
)

// TestMastercardPublishedSamplesAreAccepted feeds every published Mastercard
// sample (internal/mastercardfacts: MDES Customer Service 2.0.7 and the
// Pre-Digitization API 2.0.21) to the documents c2psim serves: each request
// must be a valid request of its operation and each published answer a
// valid 200 answer. Pre-Digitization samples print the decrypted object in
// place of encryptedData; the wire form (hex) replaces it, and the object is
// checked against the plaintext schema instead.
func TestMastercardPublishedSamplesAreAccepted(t *testing.T) {
	docs := map[string]*openapi3.T{}
	for _, name := range []string{"mastercard/mdes-customer-service.yaml", "mastercard/issuer-predigitization.yaml", "mastercard/token-connect.yaml"} {
		doc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = doc
	}
	samples := map[string][]mastercardfacts.Sample{
		"mastercard/mdes-customer-service.yaml":  mastercardfacts.CustomerService,
		"mastercard/issuer-predigitization.yaml": mastercardfacts.PreDigitization,
		"mastercard/token-connect.yaml":          mastercardfacts.TokenConnect,
	}
	accepted, total := 0, 0
	for name, list := range samples {
		doc := docs[name]
		for _, s := range list {
			t.Run(s.Source+"/"+s.Name, func(t *testing.T) {
				op := operation(t, doc, s.Path)
				if op.OperationID != s.Operation {
					t.Fatalf("%s is operation %s in %s, the sample says %s", s.Path, op.OperationID, name, s.Operation)
				}
				ok := true
				if s.Request != "" {
					total++
					body, plains := wireForm(t, s.Request, s.PlaintextInPlace)
					if err := requestSchema(t, op).VisitJSON(body, openapi3.MultiErrors()); err != nil {
						t.Errorf("published request refused: %v", err)
						ok = false
					}
					for _, p := range plains {
						if err := plaintextSchema(t, doc, s.Operation).VisitJSON(p, openapi3.MultiErrors()); err != nil {
							t.Errorf("published plaintext refused: %v", err)
							ok = false
						}
					}
					if ok {
						accepted++
					}
				}
				if s.Response != "" {
					total++
					body, _ := wireForm(t, s.Response, s.PlaintextInPlace)
					if err := responseSchema(t, op, "200").VisitJSON(body, openapi3.MultiErrors()); err != nil {
						t.Errorf("published answer refused: %v", err)
					} else {
						accepted++
					}
				}
			})
		}
	}
	// The published error objects.
	for name, pair := range map[string][2]string{
		"mastercard/mdes-customer-service.yaml":  {"/token/suspend", mastercardfacts.CustomerServiceError},
		"mastercard/issuer-predigitization.yaml": {"/notifyTokenUpdated", mastercardfacts.PreDigitizationError},
		"mastercard/token-connect.yaml":          {"/connect/1/0/pushMultipleAccounts", mastercardfacts.TokenConnectError},
	} {
		total++
		body, _ := wireForm(t, pair[1], false)
		if err := responseSchema(t, operation(t, docs[name], pair[0]), "400").VisitJSON(body, openapi3.MultiErrors()); err != nil {
			t.Errorf("%s: the published error object is refused: %v", name, err)
		} else {
			accepted++
		}
	}
	t.Logf("%d of %d published Mastercard samples accepted by the served documents", accepted, total)
	if accepted != total {
		t.Errorf("%d of %d published samples refused", total-accepted, total)
	}
}

// TestMastercardDocumentsRefuseTheOldShapes proves the check above can fail:
// the shapes c2psim used to send and accept before it followed the
// published documents are refused.
func TestMastercardDocumentsRefuseTheOldShapes(t *testing.T) {
	pre, err := Load("mastercard/issuer-predigitization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := Load("mastercard/mdes-customer-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		doc  *openapi3.T
		path string
		body string
		resp string
	}{
		{"tokens wrapped in an envelope", pre, "/notifyTokenUpdated",
			`{"requestId":"1","responseHost":"site.mdes.mastercard.com","reasonCode":"STATUS_UPDATE","encryptedPayload":{"encryptedData":"00112233445566778899aabbccddeeff","encryptedKey":"00112233445566778899aabbccddeeff","publicKeyFingerprint":"00112233445566778899aabbccddeeff"}}`, ""},
		{"correlationId longer than 14", pre, "/authorizeService",
			`{"requestId":"1","services":["DIGITIZATION"],"correlationId":"0f1e2d3c4b5a49688776655443322110","tokenType":"CLOUD","fundingAccountInfo":{"encryptedPayload":{"encryptedData":"00112233445566778899aabbccddeeff","encryptedKey":"00112233445566778899aabbccddeeff","publicKeyFingerprint":"00112233445566778899aabbccddeeff"}}}`, ""},
		{"accountPanSuffix in Authorize Service", pre, "/authorizeService",
			`{"requestId":"1","services":["DIGITIZATION"],"correlationId":"D98765432104","tokenType":"CLOUD","accountPanSuffix":"1234","fundingAccountInfo":{"encryptedPayload":{"encryptedData":"00112233445566778899aabbccddeeff","encryptedKey":"00112233445566778899aabbccddeeff","publicKeyFingerprint":"00112233445566778899aabbccddeeff"}}}`, ""},
		{"an answer without responseId", pre, "/notifyTokenUpdated", "", `{"responseHost":"issuer.example"}`},
		{"a boolean Recoverable in an application error", cs, "/token/suspend", "",
			`{"Errors":{"Error":[{"Source":"INPUT","ReasonCode":"EMPTY_RESULT","Description":"x","Recoverable":false}]}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			op := operation(t, c.doc, c.path)
			if c.body != "" {
				body, _ := wireForm(t, c.body, false)
				if requestSchema(t, op).VisitJSON(body) == nil {
					t.Errorf("accepted")
				}
			}
			if c.resp != "" {
				status := "200"
				if strings.Contains(c.resp, "Errors") {
					status = "400"
				}
				body, _ := wireForm(t, c.resp, false)
				if responseSchema(t, op, status).VisitJSON(body) == nil {
					t.Errorf("accepted")
				}
			}
		})
	}
}

func operation(t *testing.T, doc *openapi3.T, path string) *openapi3.Operation {
	t.Helper()
	item := doc.Paths.Value(path)
	if item == nil {
		t.Fatalf("no path %s", path)
	}
	if item.Post != nil {
		return item.Post
	}
	if item.Get != nil {
		return item.Get
	}
	t.Fatalf("%s has no POST or GET", path)
	return nil
}

func requestSchema(t *testing.T, op *openapi3.Operation) *openapi3.Schema {
	t.Helper()
	if op.RequestBody == nil {
		t.Fatalf("%s takes no body", op.OperationID)
	}
	return op.RequestBody.Value.Content.Get("application/json").Schema.Value
}

func responseSchema(t *testing.T, op *openapi3.Operation, status string) *openapi3.Schema {
	t.Helper()
	r := op.Responses.Value(status)
	if r == nil {
		t.Fatalf("%s declares no %s", op.OperationID, status)
	}
	return r.Value.Content.Get("application/json").Schema.Value
}

// plaintextSchema is the schema of what an operation encrypts.
func plaintextSchema(t *testing.T, doc *openapi3.T, op string) *openapi3.Schema {
	t.Helper()
	name := map[string]string{"notifyTokenUpdated": "NotifyTokenUpdatedFundingAccountData", "pushAccount": "FundingAccount",
		"pushMultipleAccounts": "PushMultipleFundingAccounts"}[op]
	if name == "" {
		name = "FundingAccountData"
	}
	return doc.Components.Schemas[name].Value
}

// wireForm decodes a sample and, when its encryptedData objects are printed
// decrypted, replaces each by a hex string (the wire form), returning the
// objects.
func wireForm(t *testing.T, sample string, plaintextInPlace bool) (any, []any) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(sample), &v); err != nil {
		t.Fatalf("sample is not JSON: %v", err)
	}
	var plains []any
	var walk func(any)
	walk = func(x any) {
		switch m := x.(type) {
		case map[string]any:
			for k, y := range m {
				if k == "encryptedData" && plaintextInPlace {
					if _, isText := y.(string); isText {
						continue
					}
					raw, _ := json.Marshal(y)
					m[k] = hex.EncodeToString(raw)
					plains = append(plains, y)
					continue
				}
				walk(y)
			}
		case []any:
			for _, y := range m {
				walk(y)
			}
		}
	}
	walk(v)
	return v, plains
}
