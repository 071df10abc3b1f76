package visa_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
)

// Request bodies built from the example values Visa publishes, as facts
// (the pages are cited per example). Two values are not readable on the
// pages and are c2psim's, marked where used: the example email (the stored
// page shows it obfuscated) and the owner BID (the current page adds the
// externalConsumerIDOwnerBID field, which the page says issuers are required
// to send, but its value is cut off in the material read).
const (
	publishedConsumerID = "63421837-d597-4f0f-89e4-930c1a7b9e85" // docs-how-to, issuer-integration
	exampleEmail        = "alex.miller@example.com"              // c2psim's: the published value is obfuscated
	exampleBID          = "10000001"                             // c2psim's: the published value is not readable
)

// publishedAddress is the billing address of Visa's examples.
func publishedAddress() map[string]any {
	return map[string]any{"addressLine1": "1000 Market Street", "addressLine2": "Building 56", "addressLine3": "Suite 101",
		"city": "San Francisco", "postalCode": "94105", "state": "CA", "country": "USA"}
}

func publishedConsumer() map[string]any {
	return map[string]any{
		"externalConsumerID": publishedConsumerID, "externalConsumerIDOwnerBID": exampleBID,
		"firstName": "Alex", "middleName": "Noa", "lastName": "Miller",
		"phones": []string{"16504005555"}, "emails": []string{exampleEmail}, "locale": "en_US", "countryCode": "USA",
	}
}

var legacyIntent = map[string]string{"type": "PRODUCT_CODE", "value": "CLICK_TO_PAY"}

var currentProducts = []map[string]string{{"productCode": "CLICK_TO_PAY"}}

type publishedExample struct {
	name, source string
	op, schema   string
	body         map[string]any
}

func publishedExamples() []publishedExample {
	card := func(pan, expiry string) map[string]any {
		return map[string]any{"type": "CARD", "accountNumber": pan, "nameOnCard": "Alex Miller", "expirationDate": expiry, "billingAddress": publishedAddress()}
	}
	return []publishedExample{
		{"Enroll Data, legacy intent", "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to", "enrollData", "EnrollDataRequest",
			map[string]any{"intent": legacyIntent, "consumerInformation": publishedConsumer(),
				"paymentInstruments": []any{card("4111111145551140", "2030-01")}}},
		{"Enroll Payment Instruments, legacy intent", "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to", "enrollPaymentInstruments", "EnrollPaymentInstrumentsRequest",
			map[string]any{"intent": legacyIntent,
				"consumerInformation": map[string]any{"externalConsumerID": publishedConsumerID, "externalConsumerIDOwnerBID": exampleBID},
				"paymentInstruments":  []any{card("4111111145551141", "2030-12")}}},
		{"Enroll Data, products[] (the current pattern)", "https://developer.visa.com/docs/visa-id-credential/click-to-pay-with-vica", "enrollData", "EnrollDataRequest",
			map[string]any{"products": currentProducts, "consumerInformation": publishedConsumer(),
				"paymentInstruments": []any{card("4111111145551140", "2030-01")}}},
		// The API reference's payment instrument fields (R-V1): the values
		// are c2psim's, the field names and the type values are Visa's.
		{"Enroll Payment Instruments with cardType, issuerName, currencyCode", "https://developer.visa.com/api-reference/visa-id-credential.md", "enrollPaymentInstruments", "EnrollPaymentInstrumentsRequest",
			map[string]any{"products": currentProducts,
				"consumerInformation": map[string]any{"externalConsumerID": publishedConsumerID, "externalConsumerIDOwnerBID": exampleBID},
				"paymentInstruments": []any{map[string]any{"type": "CARD", "cardType": "VISA", "issuerName": "Digital Bank", "nameOnCard": "Alex Miller",
					"currencyCode": "USD", "accountNumber": "4111111111111111", "expirationDate": "2030-12", "billingAddress": publishedAddress()}}}},
		{"a NON-VISA-CARD instrument (the document accepts it; Click to Pay refuses it)", "https://developer.visa.com/api-reference/visa-id-credential.md", "enrollPaymentInstruments", "EnrollPaymentInstrumentsRequest",
			map[string]any{"intent": legacyIntent,
				"consumerInformation": map[string]any{"externalConsumerID": publishedConsumerID, "externalConsumerIDOwnerBID": exampleBID},
				"paymentInstruments": []any{map[string]any{"type": "NON-VISA-CARD", "cardType": "MASTERCARD", "issuerName": "Digital Bank", "nameOnCard": "Alex Miller",
					"accountNumber": "5186001700008785", "expirationDate": "2030-12", "billingAddress": publishedAddress()}}}},
	}
}

// TestPublishedExamplesAreAccepted shows that every request shape Visa's
// pages show for an emulated operation is accepted by the served document
// (its plaintext schema), and that the simulator answers the Click to Pay
// ones as Visa describes: 202, then COMPLETED (or, for the non-Visa card,
// the synchronous refusal that R-V1 and R-V3 imply).
func TestPublishedExamplesAreAccepted(t *testing.T) {
	doc, err := openapi.Load("visa/vica.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range publishedExamples() {
		t.Run("document/"+ex.name, func(t *testing.T) {
			ref := doc.Components.Schemas[ex.schema]
			if ref == nil {
				t.Fatalf("no schema %s", ex.schema)
			}
			b, _ := json.Marshal(ex.body)
			var v any
			_ = json.Unmarshal(b, &v)
			if err := ref.Value.VisitJSON(v, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
				t.Fatalf("the served %s refuses the example from %s: %v", ex.schema, ex.source, err)
			}
		})
	}

	srv, c := start(t)
	run := func(ex publishedExample) answer {
		t.Helper()
		a := c.call("POST", ex.op, ex.body)
		if a.status == 202 {
			srv.Clock.Advance(2 * time.Second)
			waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
		}
		return a
	}
	ex := publishedExamples()
	if a := run(ex[0]); a.status != 202 {
		t.Fatalf("%s: %d %s", ex[0].name, a.status, a.raw)
	}
	for _, i := range []int{1, 3} {
		if a := run(ex[i]); a.status != 202 {
			t.Fatalf("%s: %d %s", ex[i].name, a.status, a.raw)
		}
	}
	if a := run(ex[4]); a.status != 400 || a.str("reason") != "VIDC-2007" {
		t.Fatalf("%s: %d %v", ex[4].name, a.status, a.plain)
	}
	// The products[] form enrols a fresh consumer just the same.
	fresh := ex[2].body
	fresh["consumerInformation"].(map[string]any)["externalConsumerID"] = "published-products"
	if a := run(publishedExample{op: "enrollData", body: fresh}); a.status != 202 {
		t.Fatalf("%s: %d %s", ex[2].name, a.status, a.raw)
	}
}
