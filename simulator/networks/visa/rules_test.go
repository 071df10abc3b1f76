package visa_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/xpaytoken"
	"github.com/c2psim/c2psim/simulator/journal"
)

func withProducts(body map[string]any) map[string]any {
	delete(body, "intent")
	body["products"] = currentProducts
	return body
}

func TestProductSelector(t *testing.T) {
	for _, tc := range []struct {
		name, setting string
		body          func(ext string) map[string]any
		status        int
		reason, want  string
		legacyNote    bool
	}{
		{"products", "warn", func(ext string) map[string]any { return withProducts(enrolment(ext, "4111111145551140")) }, 202, "", "", false},
		{"intent, warned", "warn", func(ext string) map[string]any { return enrolment(ext, "4111111145551140") }, 202, "", "", true},
		{"intent, accepted silently", "accept", func(ext string) map[string]any { return enrolment(ext, "4111111145551140") }, 202, "", "", false},
		{"intent, refused", "refuse", func(ext string) map[string]any { return enrolment(ext, "4111111145551140") }, 400, "VIDC-1001", "legacy product selector", false},
		{"both", "warn", func(ext string) map[string]any {
			b := enrolment(ext, "4111111145551140")
			b["products"] = currentProducts
			return b
		}, 400, "VIDC-1001", "not both", false},
		{"neither", "warn", func(ext string) map[string]any {
			b := enrolment(ext, "4111111145551140")
			delete(b, "intent")
			return b
		}, 400, "VIDC-1000", "products is required", false},
		{"another product", "warn", func(ext string) map[string]any {
			b := enrolment(ext, "4111111145551140")
			delete(b, "intent")
			b["products"] = []map[string]string{{"productCode": "ALIAS_DIRECTORY"}}
			return b
		}, 422, "UNSUPPORTED_PRODUCT", "CLICK_TO_PAY only", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t, "legacyIntent", tc.setting)
			a := c.call("POST", "enrollData", tc.body("cons-p"))
			if a.status != tc.status || a.str("reason") != tc.reason || !strings.Contains(a.str("message"), tc.want) {
				t.Fatalf("%d %v", a.status, a.plain)
			}
			e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrollData", Limit: 1})
			_, noted := e[0].Notes["legacyIntent"]
			if noted != tc.legacyNote {
				t.Fatalf("legacyIntent note = %v, want %v (notes %v)", noted, tc.legacyNote, e[0].Notes)
			}
		})
	}
}

func TestOnePaymentInstrumentPerRequestByDefault(t *testing.T) {
	srv, c := start(t)
	a := c.call("POST", "enrollData", withProducts(enrolment("cons-two", "4111111145551140", "4111111145551141")))
	if a.status != 400 || a.str("reason") != "VIDC-1003" || !strings.Contains(a.str("message"), "accepts 1") {
		t.Fatalf("two instruments: %d %v", a.status, a.plain)
	}
	if n := len(srv.Sim.Journal().Find(journal.Query{CorrelationID: "10000001/cons-two"})); n != 1 {
		t.Fatalf("journal entries for the consumer = %d", n)
	}
	if a := c.call("POST", "getData", map[string]any{"products": currentProducts, "consumerInformation": ref("cons-two")}); !strings.Contains(string(mustJSON(a.plain)), "VIDC-2001") {
		t.Fatalf("the refused enrolment left state behind: %v", a.plain)
	}
	_, c2 := start(t, "maxPaymentInstruments", "2")
	if a := c2.call("POST", "enrollData", withProducts(enrolment("cons-two", "4111111145551140", "4111111145551141"))); a.status != 202 {
		t.Fatalf("with maxPaymentInstruments=2: %d %v", a.status, a.plain)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// sealWithIAT encrypts like mle.Seal but with a chosen iat header value.
func sealWithIAT(t *testing.T, c *issuer, plain []byte, iat any) []byte {
	t.Helper()
	opts := (&jose.EncrypterOptions{}).WithType("JWE").WithHeader("iat", iat)
	enc, err := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: c.serverPub, KeyID: c.kid}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt(plain)
	if err != nil {
		t.Fatal(err)
	}
	compact, _ := obj.CompactSerialize()
	b, _ := json.Marshal(mle.Envelope{EncData: compact})
	return b
}

func TestMLEIssuedAtIsChecked(t *testing.T) {
	_, c := start(t)
	plain, _ := json.Marshal(withProducts(enrolment("cons-iat", "4111111145551140")))
	now := c.clock()
	for _, tc := range []struct {
		name   string
		iat    any
		status int
		want   string
	}{
		{"seconds", now.Unix(), 400, "iat must be milliseconds"},
		{"a day old", now.Add(-24 * time.Hour).UnixMilli(), 400, "outside the accepted window"},
		{"a string", "now", 400, "iat must be milliseconds"},
		{"milliseconds", now.UnixMilli(), 202, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := sealWithIAT(t, c, plain, tc.iat)
			a := c.call("POST", "enrollData", nil, func(r *http.Request, _ []byte) []byte {
				r.Header.Set(xpaytoken.Header, xpaytoken.Token(c.secret, c.clock(), r.URL.Path, r.URL.RawQuery, body))
				return body
			})
			if a.status != tc.status || !strings.Contains(a.str("message"), tc.want) {
				t.Fatalf("%d %v", a.status, a.plain)
			}
		})
	}
}

func TestCorrelationHeaderIsJournalled(t *testing.T) {
	srv, c := start(t)
	const id = "123456789012_SC"
	a := c.call("POST", "enrollData", withProducts(enrolment("cons-corr", "4111111145551140")), func(r *http.Request, _ []byte) []byte {
		r.Header.Set("eX-Correlation-Id", id)
		return nil
	})
	if a.status != 202 {
		t.Fatalf("%d %v", a.status, a.plain)
	}
	if e := srv.Sim.Journal().Find(journal.Query{CorrelationID: id}); len(e) != 1 || e[0].OperationID != "enrollData" {
		t.Fatalf("journal by eX-Correlation-Id = %+v", e)
	}
	// A refused call is journalled under it too.
	c.call("POST", "enrollData", withProducts(enrolment("cons-corr", "4111111145551140")), func(r *http.Request, _ []byte) []byte {
		r.Header.Set("eX-Correlation-Id", id+"-2")
		r.Header.Del(xpaytoken.Header)
		return nil
	})
	if e := srv.Sim.Journal().Find(journal.Query{CorrelationID: id + "-2"}); len(e) != 1 || e[0].Status != 401 {
		t.Fatalf("refused call by eX-Correlation-Id = %+v", e)
	}
}

func TestKeyIDIsRequiredOnEveryCall(t *testing.T) {
	_, c := start(t)
	a := c.call("GET", "requestStatus/00000000-0000-0000-0000-000000000000", nil, func(r *http.Request, _ []byte) []byte {
		r.Header.Del(mle.KeyIDHeader)
		return nil
	})
	if a.status != 400 || !strings.Contains(string(a.raw), "keyId") {
		t.Fatalf("requestStatus without keyId: %d %s", a.status, a.raw)
	}
}

func TestEnrollExistingIssuerData(t *testing.T) {
	srv, c := start(t)
	ctx := t.Context()
	reg, err := srv.Sim.Trigger(ctx, "visa", "registerInOtherProduct", map[string]any{
		"externalConsumerID": "cons-ex", "externalConsumerIDOwnerBID": "10000001", "accountNumber": "4111111145551141"})
	if err != nil {
		t.Fatal(err)
	}
	refID, _ := reg["paymentInstrumentReferenceID"].(string)
	if refID == "" {
		t.Fatalf("registration = %v", reg)
	}
	owner := map[string]any{"externalConsumerIDOwnerBID": "10000001"}

	// Unknown to VICA: VIDC-2001; a reference the registration lacks: VIDC-2005.
	if a := c.call("PUT", "enrollData/cons-nobody", map[string]any{"products": currentProducts, "consumerInformation": owner,
		"paymentInstruments": []any{instrument("4111111145551140")}}); a.status != 400 || a.str("reason") != "VIDC-2001" {
		t.Fatalf("unregistered consumer: %d %v", a.status, a.plain)
	}
	if a := c.call("PUT", "enrollData/cons-ex/paymentInstrumentReference", map[string]any{"products": currentProducts, "consumerInformation": owner,
		"paymentInstrumentReferences": []any{map[string]any{"type": "CARD", "paymentInstrumentReferenceID": "PI-NOT-MINE"}}}); a.status != 400 || a.str("reason") != "VIDC-2005" {
		t.Fatalf("foreign reference: %d %v", a.status, a.plain)
	}

	a := c.call("PUT", "enrollData/cons-ex/paymentInstrumentReference", map[string]any{"products": currentProducts, "consumerInformation": owner,
		"paymentInstrumentReferences": []any{map[string]any{"type": "CARD", "paymentInstrumentReferenceID": refID}}})
	if a.status != 202 {
		t.Fatalf("by reference: %d %v", a.status, a.plain)
	}
	srv.Clock.Advance(2 * time.Second)
	done := waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	if b := mustJSON(done.plain["details"]); !strings.Contains(string(b), `"accountNumberLast4":"1141"`) || !strings.Contains(string(b), "SUCCESS") {
		t.Fatalf("details = %s", b)
	}
	got := c.call("POST", "getData", map[string]any{"products": currentProducts, "consumerInformation": ref("cons-ex")})
	if b := string(mustJSON(got.plain)); !strings.Contains(b, `"firstName":"Alex"`) || !strings.Contains(b, refID) {
		t.Fatalf("getData after enrol-existing = %s", b)
	}
	// Now in Click to Pay: enrolling it again that way is VIDC-2000.
	if a := c.call("PUT", "enrollData/cons-ex", map[string]any{"products": currentProducts, "consumerInformation": owner,
		"paymentInstruments": []any{instrument("4111111145551140")}}); a.status != 400 || a.str("reason") != "VIDC-2000" {
		t.Fatalf("already in Click to Pay: %d %v", a.status, a.plain)
	}

	// With a full payment instrument.
	if _, err := srv.Sim.Trigger(ctx, "visa", "registerInOtherProduct", map[string]any{"externalConsumerID": "cons-ex2", "externalConsumerIDOwnerBID": "10000001"}); err != nil {
		t.Fatal(err)
	}
	a = c.call("PUT", "enrollData/cons-ex2", map[string]any{"products": currentProducts, "consumerInformation": owner,
		"paymentInstruments": []any{instrument("4111111145551140")}})
	if a.status != 202 {
		t.Fatalf("with instrument: %d %v", a.status, a.plain)
	}
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
}
