package visa

import (
	"bytes"
	"context"
	"crypto/tls"
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
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

// approvalDeadline is how long Visa waits for Approve Provisioning before
// stand-in; the real deadline is not public, so the scenario holds the
// issuer to the bundled target's per-attempt timeout.
const approvalDeadline = 2 * time.Second

// attemptEvents are the enrolment-attempt events the issuer recorded for
// one enrollmentID.
func attemptEvents(ctx context.Context, enrollmentID string) []client.NetworkEvent {
	GinkgoHelper()
	return vi.Events(ctx, func(ev client.NetworkEvent) bool {
		if ev.Type != client.EventEnrolmentAttempt {
			return false
		}
		e, ok := ev.Payload["enrollment"].(map[string]any)
		return ok && e["enrollmentID"] == enrollmentID
	})
}

var _ = Describe("Visa calls to the issuer", Label("visa", "callbacks"), func() {
	It("approves the token its own enrolment raised, within the deadline", vi.Case("approves-own-token", req.C2PEnr07), func(ctx SpecContext) {
		c := vi.Consumer()
		done := vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
		approvals := vi.Correlated(ctx, "approveProvisioning", journal.Outbound, done.ID)
		Expect(approvals).NotTo(BeEmpty(), "Visa never asked the issuer to approve the token (no callback URL registered?)")
		last := approvals[len(approvals)-1]
		Expect(last.Status).To(Equal(http.StatusOK), "Approve Provisioning was not answered 200")
		Expect(last.ResponseBody).To(MatchRegexp(`"actionCode"\s*:\s*"(00|85)"`), "the issuer did not approve its own enrolment")
		Expect(last.ResponseCheck).NotTo(BeNil(), "the answer was not checked against the document")
		Expect(last.ResponseCheck.OK).To(BeTrue(), "the answer does not match the document: %v", last.ResponseCheck.Issues)
		Expect(time.Duration(last.LatencyMillis*float64(time.Millisecond))).To(BeNumerically("<", approvalDeadline), "the approval came too late")
	})

	It("decrypts, stores and acknowledges an enrolment attempt", vi.Case("enrolment-attempt-stored", req.VINtf04), func(ctx SpecContext) {
		c := vi.Consumer()
		id := c.Ref + "-attempt"
		number := vi.FreshNumber(ctx)
		out, err := vi.Trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id, "accountNumber": number, "firstName": c.FirstName})
		Expect(err).NotTo(HaveOccurred(), "the issuer did not accept a genuine notification")
		Expect(out["status"]).To(BeNumerically("==", 200), "a genuine notification is answered 200")
		delivered := vi.Correlated(ctx, "notifyEnrollmentAttempt", journal.Outbound, id)
		Expect(delivered).NotTo(BeEmpty(), "the notification was not delivered")
		Expect(delivered[len(delivered)-1].ResponseBody).To(BeEmpty(), "Visa expects 200 with no body")
		evs := attemptEvents(ctx, id)
		Expect(evs).To(HaveLen(1), "the attempt was not stored")
		Expect(evs[0].CardLast4).To(Equal(number[len(number)-4:]), "the stored attempt names another card")
	})

	It("refuses an enrolment attempt whose signature does not verify, and stores nothing", vi.Case("forged-attempt-refused", req.C2PSec11), func(ctx SpecContext) {
		c := vi.Consumer()
		forged := c.Ref + "-forged"
		_, err := vi.Trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": forged, "signature": "forged"})
		Expect(err).To(HaveOccurred(), "the issuer accepted a notification Visa did not sign")
		attempts := vi.Correlated(ctx, "notifyEnrollmentAttempt", journal.Outbound, forged)
		Expect(attempts).NotTo(BeEmpty(), "the forged notification was not delivered")
		for _, e := range attempts {
			Expect(e.Status).To(BeNumerically(">=", 400), "a forged notification was answered %d", e.Status)
		}
		Expect(attemptEvents(ctx, forged)).To(BeEmpty(), "a forged notification was stored")
	})

	It("applies a redelivered notification once", vi.Case("redelivery-applied-once", req.C2PNtf05), func(ctx SpecContext) {
		c := vi.Consumer()
		id := c.Ref + "-dup"
		for range 2 {
			out, err := vi.Trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id})
			Expect(err).NotTo(HaveOccurred(), "a delivery was refused")
			Expect(out["status"]).To(BeNumerically("==", 200), "a duplicate delivery must still be acknowledged")
		}
		Expect(steps.Applied(attemptEvents(ctx, id))).To(Equal(1), "the same notification was applied twice")
	})

	It("converges when a refused notification is delivered again", vi.Case("redelivery-converges", req.C2PNtf06), func(ctx SpecContext) {
		c := vi.Consumer()
		id := c.Ref + "-redelivered"
		// The first delivery is refused (its signature is bad); Visa
		// redelivers the genuine one under the same enrollmentID. An issuer
		// that remembered the ID before verifying would drop it as a duplicate.
		_, _ = vi.Trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id, "signature": "forged"})
		Expect(vi.Correlated(ctx, "notifyEnrollmentAttempt", journal.Outbound, id)).NotTo(BeEmpty(), "the first delivery did not happen")
		out, err := vi.Trigger(ctx, "enrollmentAttempt", map[string]any{"enrollmentID": id})
		Expect(err).NotTo(HaveOccurred(), "the redelivery was not accepted")
		Expect(out["status"]).To(BeNumerically("==", 200), "the redelivery is answered 200")
		Expect(steps.Applied(attemptEvents(ctx, id))).To(Equal(1), "the issuer did not converge on one stored attempt")
	})

	It("accepts Approve Provisioning only with a fresh shared-secret JWE of its own", vi.Case("approve-provisioning-jwe", req.VISec06), func(ctx SpecContext) {
		number := vi.FreshNumber(ctx)
		for _, enc := range []string{"stale", "foreignSecret"} {
			_, err := vi.Trigger(ctx, "approveProvisioning", map[string]any{"accountNumber": number, "encryption": enc})
			Expect(err).To(HaveOccurred(), "the issuer answered an Approve Provisioning whose JWE is %s", enc)
		}
		out, err := vi.Trigger(ctx, "approveProvisioning", map[string]any{"accountNumber": number})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused a valid Approve Provisioning")
		Expect(out["actionCode"]).To(BeElementOf("00", "05", "85"), "the answer carries no VTS action code")
	})
})

// owner is the BID the bundled issuer enrols under.
func owner() string {
	n, _ := conformance.LookupNetwork(string(req.Visa))
	return n.Owner
}

var _ = Describe("Visa data limits and security refusals", Label("visa"), func() {
	It("keeps names within Visa's lengths; a longer one is refused", vi.Case("name-lengths", req.VIDat05), func(ctx SpecContext) {
		c := vi.Consumer()
		vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
		sent := vi.Exchanges(ctx, c, "enrollData")
		Expect(sent).NotTo(BeEmpty(), "no enrollData reached Visa")
		p := plaintext(sent[0])
		ci := steps.Object(p["consumerInformation"], "consumerInformation")
		for _, f := range []string{"firstName", "lastName"} {
			v, _ := ci[f].(string)
			Expect(len(v)).To(BeNumerically("<=", 80), "%s longer than 80", f)
		}
		name, _ := firstInstrument(p)["nameOnCard"].(string)
		Expect(len(name)).To(BeNumerically("<=", 80), "nameOnCard longer than 80")

		long := vi.Consumer(func(c *client.Consumer) { c.FirstName = strings.Repeat("A", 81) })
		lk := vi.NewCard(ctx, long, "k1")
		_, err := vi.Enrol(ctx, long, lk)
		steps.Refusal(err)
		// Either the issuer refused it before sending, or Visa did, naming the length rule.
		for _, e := range vi.CardExchanges(ctx, lk.PAN, "enrollData") {
			Expect(e.Status).To(Equal(http.StatusBadRequest), "an 81-character first name was accepted by Visa")
			Expect(e.ResponsePlain).To(ContainSubstring("VIDC-1002"), "Visa's refusal names the length rule")
		}
	})

	It("keeps billing addresses within Visa's limits; a longer city is refused", vi.Case("address-limits", req.VIDat01), func(ctx SpecContext) {
		c := vi.Consumer()
		k := vi.NewCard(ctx, c, "k1")
		k.BillingAddress.City = strings.Repeat("L", 33)
		_, err := vi.Enrol(ctx, c, k)
		steps.Refusal(err)
		// Either the issuer refused it before sending, or Visa did, naming the length rule.
		for _, e := range vi.CardExchanges(ctx, k.PAN, "enrollData") {
			Expect(e.Status).To(Equal(http.StatusBadRequest), "a 33-character city was accepted by Visa")
			Expect(e.ResponsePlain).To(ContainSubstring("VIDC-1002"), "Visa's refusal names the length rule")
		}
	})

	// The negative cases of SEC-04/SEC-05 act as a misbehaving client: the
	// simulator must refuse what an issuer must never send.
	Context("a misbehaving client", func() {
		var (
			creds map[string]string
			body  []byte
		)
		BeforeEach(func(ctx SpecContext) {
			creds = vi.Credentials(ctx)
			pub, err := visaclient.ParsePublicKeyPEM(creds["mle-server-public-key"])
			Expect(err).NotTo(HaveOccurred(), "the simulator's MLE public key")
			c := vi.Consumer()
			plain, _ := json.Marshal(map[string]any{"intent": map[string]string{"type": "PRODUCT_CODE", "value": "CLICK_TO_PAY"},
				"consumerInformation": map[string]any{"externalConsumerID": c.Ref, "externalConsumerIDOwnerBID": owner(), "firstName": "Ada", "lastName": "Lovelace",
					"emails": c.Emails, "phones": c.Phones, "locale": "en_GB", "countryCode": "GBR"},
				"paymentInstruments": []any{map[string]any{"type": "CARD", "accountNumber": vi.FreshNumber(ctx), "nameOnCard": "Ada Lovelace", "expirationDate": "2030-08",
					"billingAddress": map[string]string{"addressLine1": "1 Analytical Way", "city": "London", "postalCode": "N19GU", "country": "GBR"}}}})
			body, err = mle.Seal(plain, pub, creds["mle-key-id"], time.Now())
			Expect(err).NotTo(HaveOccurred(), "sealing the request")
		}, NodeTimeout(time.Minute))
		send := func(ctx context.Context, b []byte, ts time.Time, secret string) (int, string) {
			t := conformance.Current()
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, t.SimURL+"/visa/visaIdCredential/v1/enrollData", bytes.NewReader(b))
			Expect(err).NotTo(HaveOccurred(), "building the request")
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set(mle.KeyIDHeader, creds["mle-key-id"])
			xpaytoken.Sign(r, creds["api-key"], secret, ts, b)
			resp, err := t.HTTP.Do(r)
			if err != nil {
				conformance.HarnessFailure(errors.New("the simulator did not answer: " + err.Error()))
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(raw)
		}

		It("is refused with a stale X-Pay-Token or a wrong HMAC", vi.SimulatorCheck("x-pay-token-refusals"), func(ctx SpecContext) {
			status, _ := send(ctx, body, time.Now().Add(-time.Hour), creds["shared-secret"])
			Expect(status).To(Equal(http.StatusUnauthorized), "a stale X-Pay-Token was accepted")
			status, _ = send(ctx, body, time.Now(), "not-the-shared-secret-of-this-project")
			Expect(status).To(Equal(http.StatusUnauthorized), "a wrong HMAC was accepted")
		})

		It("is refused over two-way SSL with the certificate alone, the Basic credentials alone or a wrong password", vi.SimulatorCheck("two-way-ssl-refusals"), func(ctx SpecContext) {
			t := conformance.Current()
			if t.SimTLSURL == "" {
				Skip("the harness knows no TLS listener of the simulator (the bundled target serves one)")
			}
			pair, err := tls.X509KeyPair([]byte(creds["mtls-client-certificate"]), []byte(creds["mtls-client-private-key"]))
			Expect(err).NotTo(HaveOccurred(), "the simulator's sandbox client certificate")
			tr := t.TLSHTTP.Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.Certificates = []tls.Certificate{pair}
			withCert, noCert := &http.Client{Transport: tr, Timeout: 30 * time.Second}, t.TLSHTTP
			call := func(hc *http.Client, user, password string) (int, string) {
				r, err := http.NewRequestWithContext(ctx, http.MethodPost, t.SimTLSURL+"/visa/visaIdCredential/v1/enrollData", bytes.NewReader(body))
				Expect(err).NotTo(HaveOccurred(), "building the request")
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set(mle.KeyIDHeader, creds["mle-key-id"])
				if user != "" || password != "" {
					r.SetBasicAuth(user, password)
				}
				resp, err := hc.Do(r)
				if err != nil {
					conformance.HarnessFailure(errors.New("the simulator's TLS listener did not answer: " + err.Error()))
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(raw)
			}
			user, password := creds["two-way-ssl-user-id"], creds["two-way-ssl-password"]
			status, answer := call(withCert, "", "")
			Expect(status).To(Equal(http.StatusUnauthorized), "the client certificate without Basic credentials was accepted")
			Expect(answer).To(And(ContainSubstring(`"code":"9125"`), ContainSubstring("HTTP Basic")), "the refusal of a bare certificate is not Visa's 9125 naming the Basic credentials")
			status, answer = call(noCert, user, password)
			Expect(status).To(Equal(http.StatusUnauthorized), "Basic credentials without the client certificate were accepted")
			Expect(answer).To(And(ContainSubstring(`"code":"9125"`), ContainSubstring("client certificate")), "the refusal of Basic credentials alone is not Visa's 9125 naming the certificate")
			status, answer = call(withCert, user, "not-the-password-of-this-project")
			Expect(status).To(Equal(http.StatusUnauthorized), "a wrong two-way SSL password was accepted")
			Expect(answer).To(ContainSubstring(`"code":"9124"`), "the refusal of a wrong password is not Visa's 9124")
			status, answer = call(withCert, user, password)
			Expect(status).To(Equal(http.StatusAccepted), "the certificate with the project's Basic credentials was refused: %s", answer)
		})

		It("is refused when the body is not MLE-encrypted", vi.SimulatorCheck("clear-body-refused"), func(ctx SpecContext) {
			status, answer := send(ctx, []byte(`{"intent":{"type":"PRODUCT_CODE","value":"CLICK_TO_PAY"}}`), time.Now(), creds["shared-secret"])
			Expect(status).To(Equal(http.StatusBadRequest), "a clear body was accepted")
			Expect(answer).NotTo(MatchRegexp(`[0-9]{13,19}`), "the refusal carries a card number")
		})
	})
})
