package schemacheck_test

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator/schemacheck"
)

// BenchmarkCheck compares the compiled checker with kin-openapi on the
// card-art request the engine benchmarks send (kin-openapi's figure
// includes the decode it needs; the checker reads the bytes).
func BenchmarkCheck(b *testing.B) {
	doc, err := openapi.Load("examples/card-art.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s := doc.Components.Schemas["ArtRequest"].Value
	body := []byte(`{"binRange":"518600","artUri":"https://cdn.example/53141213-1111-4111-8111-518600170000.png","height":240,"width":380}`)
	b.Run("compiled", func(b *testing.B) {
		c, err := schemacheck.Compile(s, schemacheck.Request, false)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if f, clean := c.Check(body); !clean || len(f) > 0 {
				b.Fatal(f, clean)
			}
		}
	})
	b.Run("kin-openapi", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
			if err := s.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCheckEnrolment checks one Mastercard enrolment as the engine
// does: the ~2 KB request body against EnrollCardRequest, and its
// decrypted card against EncryptedCardPlaintext. cpu-ns/op is the
// process's CPU time per check, which a machine shared with other work
// disturbs less than the time that passed.
func BenchmarkCheckEnrolment(b *testing.B) {
	doc, err := openapi.Load("mastercard/enrollment.yaml")
	if err != nil {
		b.Fatal(err)
	}
	jwe := "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiMGEzYiJ9." + strings.Repeat("Qk9EWV9vZl90aGVfSldFX2NpcGhlcnRleHQ", 30)
	body := []byte(`{"cardSource":"ISSUER","complianceSettings":{"privacy":{"latestVersionUri":"https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},` +
		`"tnc":{"latestVersionUri":"https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},` +
		`"consumer":{"consumerIdentity":{"identityType":"EMAIL_ADDRESS","identityValue":"ada@example.com"},"countryCode":"GB","externalConsumerId":"bench-1",` +
		`"firstName":"Ada","languageCode":"en","lastName":"Lovelace"},"encryptedCard":"` + jwe + `","externalCredentialId":"k1",` +
		`"serviceId":"SRC_ISSUER_SANDBOX","srcClientId":"8b0d2f4c-6a1e-4c3b-9d5f-7e8a9b0c1d2e","srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322110"}`)
	plain := []byte(`{"billingAddress":{"city":"London","countryCode":"GB","line1":"1 Main Street"},"cardholderFullName":"Ada Lovelace",` +
		`"panExpirationMonth":"12","panExpirationYear":"2030","primaryAccountNumber":"5186001700008785"}`)
	for _, c := range []struct {
		name   string
		schema string
		dir    schemacheck.Direction
		doc    []byte
	}{
		{"body", "EnrollCardRequest", schemacheck.Request, body},
		{"plaintext", "EncryptedCardPlaintext", schemacheck.None, plain},
	} {
		b.Run(c.name, func(b *testing.B) {
			ch, err := schemacheck.Compile(doc.Components.Schemas[c.schema].Value, c.dir, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			t0 := procCPU()
			for b.Loop() {
				if f, clean := ch.Check(c.doc); !clean || len(f) > 0 {
					b.Fatal(f, clean)
				}
			}
			b.ReportMetric(float64(procCPU()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// procCPU is the CPU time of the whole process, every thread.
func procCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
