package visa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	visaclient "github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/xpaytoken"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/journal"
)

// approvalDeadline is how long Visa waits for Approve Provisioning before
// stand-in; the real deadline is not public, so the scenario holds the
// issuer to the bundled target's per-attempt timeout.
const approvalDeadline = 2 * time.Second

// calls returns the simulator's outbound calls of one operation under a
// correlation ID, oldest first.
func calls(ctx context.Context, op, correlation string) []journal.Entry {
	es, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "visa", OperationID: op, CorrelationID: correlation})
	Expect(err).NotTo(HaveOccurred())
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// attemptEvents returns the enrolment-attempt events the issuer recorded for
// one enrollmentID.
func attemptEvents(ctx context.Context, enrollmentID string) []client.NetworkEvent {
	evs, err := conformance.Current().Driver.Events(ctx)
	Expect(err).NotTo(HaveOccurred())
	var out []client.NetworkEvent
	for _, ev := range evs {
		if ev.Type != client.EventEnrolmentAttempt {
			continue
		}
		if e, ok := ev.Payload["enrollment"].(map[string]any); ok && e["enrollmentID"] == enrollmentID {
			out = append(out, ev)
		}
	}
	return out
}

func firstApplied(evs []client.NetworkEvent) int {
	n := 0
	for _, ev := range evs {
		if !ev.Duplicate {
			n++
		}
	}
	return n
}

func trigger(ctx context.Context, name string, params map[string]any) (map[string]any, error) {
	return conformance.Current().Control.Trigger(ctx, "visa", name, params)
}

var _ = Describe("Visa calls to the issuer", Label("visa", "callbacks"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("approves the token its own enrolment raised, within the deadline", conformance.Req(req.VIEnr07), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", sampleCard))
		Expect(done.Status).To(Equal(client.Succeeded))
		approvals := calls(ctx, "approveProvisioning", done.ID)
		Expect(approvals).NotTo(BeEmpty(), "Visa never asked the issuer to approve the token (no callback URL registered?)")
		last := approvals[len(approvals)-1]
		Expect(last.Status).To(Equal(http.StatusOK))
		Expect(last.ResponseBody).To(MatchRegexp(`"actionCode"\s*:\s*"(00|85)"`), "the issuer did not approve its own enrolment")
		Expect(last.ResponseCheck).NotTo(BeNil())
		Expect(last.ResponseCheck.OK).To(BeTrue(), "the answer does not match the document: %v", last.ResponseCheck.Issues)
		Expect(time.Duration(last.LatencyMillis * float64(time.Millisecond))).To(BeNumerically("<", approvalDeadline))
	})

	It("verifies, decrypts and stores an enrolment attempt and refuses a forged one", conformance.Req(req.VINtf04), func() {
		c := consumer()
		id := c.Ref + "-attempt"
		out, err := trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id, "accountNumber": sampleCard, "firstName": "Ada"})
		Expect(err).NotTo(HaveOccurred(), "the issuer did not accept a genuine notification")
		Expect(out["status"]).To(BeNumerically("==", 200))
		delivered := calls(ctx, "notifyEnrollmentAttempt", id)
		Expect(delivered).NotTo(BeEmpty())
		Expect(delivered[len(delivered)-1].ResponseBody).To(BeEmpty(), "Visa expects 200 with no body")
		evs := attemptEvents(ctx, id)
		Expect(evs).To(HaveLen(1), "the attempt was not stored")
		Expect(evs[0].CardLast4).To(Equal(sampleCard[12:]))

		forged := c.Ref + "-forged"
		_, err = trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": forged, "signature": "forged"})
		Expect(err).To(HaveOccurred(), "the issuer accepted a notification Visa did not sign")
		for _, e := range calls(ctx, "notifyEnrollmentAttempt", forged) {
			Expect(e.Status).To(BeNumerically(">=", 400), "a forged notification was answered %d", e.Status)
		}
		Expect(attemptEvents(ctx, forged)).To(BeEmpty(), "a forged notification was stored")
	})

	It("applies a redelivered notification once", conformance.Req(req.VINtf05), func() {
		c := consumer()
		id := c.Ref + "-dup"
		for range 2 {
			out, err := trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id})
			Expect(err).NotTo(HaveOccurred())
			Expect(out["status"]).To(BeNumerically("==", 200), "a duplicate delivery must still be acknowledged")
		}
		Expect(firstApplied(attemptEvents(ctx, id))).To(Equal(1), "the same notification was applied twice")
	})

	It("converges when a refused notification is delivered again", conformance.Req(req.VINtf06), func() {
		c := consumer()
		id := c.Ref + "-redelivered"
		// The first delivery is refused (its signature is bad); Visa
		// redelivers the genuine one under the same enrollmentID. An issuer
		// that remembered the ID before verifying would drop it as a duplicate.
		_, err := trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id, "signature": "forged"})
		Expect(err).To(HaveOccurred())
		Expect(calls(ctx, "notifyEnrollmentAttempt", id)).NotTo(BeEmpty())
		out, err := trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id})
		Expect(err).NotTo(HaveOccurred(), "the redelivery was not accepted")
		Expect(out["status"]).To(BeNumerically("==", 200))
		evs := attemptEvents(ctx, id)
		Expect(firstApplied(evs)).To(Equal(1), "the issuer did not converge on one stored attempt: %+v", evs)
	})

	It("accepts Approve Provisioning only with a fresh shared-secret JWE of its own", conformance.Req(req.VISec06), func() {
		for _, enc := range []string{"stale", "foreignSecret"} {
			_, err := trigger(ctx, "approveProvisioning", map[string]any{"accountNumber": sampleCard, "encryption": enc})
			Expect(err).To(HaveOccurred(), "the issuer answered an Approve Provisioning whose JWE is %s", enc)
		}
		out, err := trigger(ctx, "approveProvisioning", map[string]any{"accountNumber": sampleCard})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused a valid Approve Provisioning")
		Expect(out["actionCode"]).To(BeElementOf("00", "05", "85"))
	})
})

var _ = Describe("Visa data, errors and security refusals", Label("visa"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("tolerates fields it does not know in Visa's answers", conformance.Req(req.VIErr04), func() {
		c := consumer()
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		es := exchanges(ctx, c, "enrollData")
		Expect(es).NotTo(BeEmpty())
		if !strings.Contains(es[0].ResponsePlain, "c2psimFutureField") {
			Skip("the simulator runs with visa.unknownFields=false: nothing unknown was sent")
		}
	})

	It("retries an enrolment whose answer was lost without creating the consumer or card twice", conformance.Req(req.VIIdm04), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", answerLostCard))
		Expect(done.Status).To(Equal(client.Succeeded), "the enrolment went through on the first try; the issuer must find that out")
		sent := exchanges(ctx, c, "enrollData")
		Expect(sent).NotTo(BeEmpty())
		Expect(sent[0].Status).To(Equal(http.StatusServiceUnavailable))
		for _, e := range sent[1:] {
			Expect(e.Status).NotTo(Equal(http.StatusAccepted), "the consumer was enrolled a second time")
		}
		p, err := conformance.Current().Driver.Profile(ctx, "", client.Visa, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Cards).To(HaveLen(1))
	})

	It("keeps names within Visa's lengths; a longer one is refused", conformance.Req(req.VIDat05), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		p := plaintext(exchanges(ctx, c, "enrollData")[0])
		ci := p["consumerInformation"].(map[string]any)
		for _, f := range []string{"firstName", "lastName"} {
			Expect(len(ci[f].(string))).To(BeNumerically("<=", 80), "%s longer than 80", f)
		}
		pi := p["paymentInstruments"].([]any)[0].(map[string]any)
		Expect(len(pi["nameOnCard"].(string))).To(BeNumerically("<=", 80))

		long := consumer()
		long.FirstName = strings.Repeat("A", 81)
		_, err := conformance.Current().Driver.Enrol(ctx, "", long, card(long, "k1", sampleCard), false)
		var de *conformance.DriverError
		Expect(errors.As(err, &de)).To(BeTrue(), "an 81-character first name was accepted: %v", err)
		// Either the issuer refused it before sending, or Visa did, naming the length rule.
		for _, e := range exchanges(ctx, long, "enrollData") {
			Expect(e.Status).To(Equal(http.StatusBadRequest))
			Expect(e.ResponsePlain).To(ContainSubstring("VIDC-1002"))
		}
	})

	It("keeps billing addresses within Visa's limits; a longer city is refused", conformance.Req(req.VIDat01), func() {
		c := consumer()
		k := card(c, "k1", sampleCard)
		k.BillingAddress.City = strings.Repeat("L", 33)
		_, err := conformance.Current().Driver.Enrol(ctx, "", c, k, false)
		var de *conformance.DriverError
		Expect(errors.As(err, &de)).To(BeTrue(), "a 33-character city was accepted: %v", err)
		// Either the issuer refused it before sending, or Visa did, naming the length rule.
		for _, e := range exchanges(ctx, c, "enrollData") {
			Expect(e.Status).To(Equal(http.StatusBadRequest))
			Expect(e.ResponsePlain).To(ContainSubstring("VIDC-1002"))
		}
	})

	// The negative cases of SEC-04/SEC-05 act as a misbehaving client: the
	// simulator must refuse what an issuer must never send.
	Context("a misbehaving client", func() {
		var creds map[string]string
		var body []byte
		BeforeEach(func() {
			cs, err := conformance.Current().Control.Credentials(ctx, "visa")
			Expect(err).NotTo(HaveOccurred())
			creds = map[string]string{}
			for _, c := range cs {
				creds[c.Name] = c.Value
			}
			pub, err := visaclient.ParsePublicKeyPEM(creds["mle-server-public-key"])
			Expect(err).NotTo(HaveOccurred())
			c := consumer()
			plain, _ := json.Marshal(map[string]any{"intent": map[string]string{"type": "PRODUCT_CODE", "value": "CLICK_TO_PAY"},
				"consumerInformation": map[string]any{"externalConsumerID": c.Ref, "externalConsumerIDOwnerBID": BID, "firstName": "Ada", "lastName": "Lovelace",
					"emails": c.Emails, "phones": c.Phones, "locale": "en_GB", "countryCode": "GBR"},
				"paymentInstruments": []any{map[string]any{"type": "CARD", "accountNumber": sampleCard, "nameOnCard": "Ada Lovelace", "expirationDate": "2030-08",
					"billingAddress": map[string]string{"addressLine1": "1 Analytical Way", "city": "London", "postalCode": "N19GU", "country": "GBR"}}}})
			body, err = mle.Seal(plain, pub, creds["mle-key-id"], time.Now())
			Expect(err).NotTo(HaveOccurred())
		})
		send := func(b []byte, ts time.Time, secret string) (int, string) {
			t := conformance.Current()
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, t.SimURL+"/visa/visaIdCredential/v1/enrollData", bytes.NewReader(b))
			Expect(err).NotTo(HaveOccurred())
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set(mle.KeyIDHeader, creds["mle-key-id"])
			xpaytoken.Sign(r, creds["api-key"], secret, ts, b)
			resp, err := t.HTTP.Do(r)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(raw)
		}

		It("is refused with a stale X-Pay-Token or a wrong HMAC", conformance.SimulatorCheck("visa"), func() {
			status, _ := send(body, time.Now().Add(-time.Hour), creds["shared-secret"])
			Expect(status).To(Equal(http.StatusUnauthorized), "a stale X-Pay-Token was accepted")
			status, _ = send(body, time.Now(), "not-the-shared-secret-of-this-project")
			Expect(status).To(Equal(http.StatusUnauthorized), "a wrong HMAC was accepted")
		})

		It("is refused when the body is not MLE-encrypted", conformance.SimulatorCheck("visa"), func() {
			status, answer := send([]byte(`{"intent":{"type":"PRODUCT_CODE","value":"CLICK_TO_PAY"}}`), time.Now(), creds["shared-secret"])
			Expect(status).To(Equal(http.StatusBadRequest))
			Expect(answer).NotTo(ContainSubstring(sampleCard))
		})
	})
})
