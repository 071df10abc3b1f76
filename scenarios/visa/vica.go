package visa

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/journal"
)

// issuerCalls are the issuer's own calls of one consumer (Visa's calls to
// the issuer left out), oldest first.
func issuerCalls(ctx SpecContext, c client.Consumer) []journal.Entry {
	GinkgoHelper()
	var out []journal.Entry
	for _, e := range vi.Exchanges(ctx, c, "") {
		if e.Direction == journal.Inbound {
			out = append(out, e)
		}
	}
	return out
}

// header reads a journalled request header whatever its case.
func header(e journal.Entry, name string) (string, bool) {
	for k, v := range e.RequestHeader {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// jweHeader decodes the protected header of a journalled MLE request body.
func jweHeader(e journal.Entry) map[string]any {
	GinkgoHelper()
	var env struct {
		EncData string `json:"encData"`
	}
	Expect(json.Unmarshal([]byte(e.RequestBody), &env)).To(Succeed(), "%s: the body is not {\"encData\": ...}", e.OperationID)
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(env.EncData, ".")[0])
	Expect(err).NotTo(HaveOccurred(), "%s: the JWE's protected header is not base64url", e.OperationID)
	h := map[string]any{}
	Expect(json.Unmarshal(raw, &h)).To(Succeed(), "%s: the JWE's protected header is not JSON", e.OperationID)
	return h
}

// twoCards enrols two cards for a new consumer (Enroll Data, then Enroll
// Payment Instruments), reads the profile back, and returns the consumer's
// calls that reached Visa.
func twoCards(ctx SpecContext) []journal.Entry {
	GinkgoHelper()
	c := vi.Consumer()
	vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
	vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k2"))
	vi.Profile(ctx, c)
	calls := issuerCalls(ctx, c)
	Expect(calls).NotTo(BeEmpty(), "no call of the consumer reached Visa")
	return calls
}

var _ = Describe("Visa's current VICA rules", Label("visa"), func() {
	It("selects Click to Pay with products[], not the legacy intent", vi.Case("products-not-intent", req.VIEnr13), func(ctx SpecContext) {
		for _, e := range twoCards(ctx) {
			if e.RequestPlain == "" {
				continue
			}
			p := plaintext(e)
			Expect(p).NotTo(HaveKey("intent"), "%s selects its product with the legacy intent", e.OperationID)
			Expect(p["products"]).To(ConsistOf(HaveKeyWithValue("productCode", "CLICK_TO_PAY")), "%s: products must name CLICK_TO_PAY", e.OperationID)
		}
	})

	It("sends CARD instruments only, one per request", vi.Case("card-instruments-one-per-request", req.VIEnr14, req.VIEnr15), func(ctx SpecContext) {
		sent := 0
		for _, e := range twoCards(ctx) {
			if e.RequestPlain == "" {
				continue
			}
			pis, _ := plaintext(e)["paymentInstruments"].([]any)
			Expect(len(pis)).To(BeNumerically("<=", 1), "%s carries %d payment instruments; Visa's release takes one", e.OperationID, len(pis))
			for _, pi := range pis {
				Expect(pi).To(HaveKeyWithValue("type", "CARD"), "%s: Click to Pay takes CARD instruments only", e.OperationID)
				sent++
			}
		}
		Expect(sent).To(BeNumerically(">=", 2), "the two cards were not both sent")
	})

	It("authenticates every call with one method: X-Pay-Token, or two-way SSL with Basic credentials", vi.Case("one-auth-method", req.VISec07), func(ctx SpecContext) {
		for _, e := range twoCards(ctx) {
			Expect(e.Auth).NotTo(BeNil(), "%s carried no verifiable credentials", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "%s was not authenticated: %s", e.OperationID, e.Auth.Reason)
			_, basic := header(e, "Authorization")
			_, token := header(e, "X-Pay-Token")
			Expect(basic && token).To(BeFalse(), "%s carries X-Pay-Token and Basic credentials together", e.OperationID)
			// The simulator takes a certificate only with the project's
			// Basic credentials, so an mtls principal shows both were sent.
			Expect(e.Principal).To(Or(HavePrefix("apikey:"), HavePrefix("mtls:")), "%s: neither X-Pay-Token nor two-way SSL", e.OperationID)
			if strings.HasPrefix(e.Principal, "mtls:") {
				Expect(basic).To(BeTrue(), "%s: two-way SSL without HTTP Basic", e.OperationID)
			}
		}
	})

	It("makes every call over two-way SSL with the project's Basic credentials", vi.Case("two-way-ssl-credentials", req.VISec09), func(ctx SpecContext) {
		for _, e := range twoCards(ctx) {
			Expect(e.Auth).NotTo(BeNil(), "%s carried no verifiable credentials", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "%s was not authenticated: %s", e.OperationID, e.Auth.Reason)
			Expect(e.Principal).To(HavePrefix("mtls:"), `%s did not arrive over two-way SSL (principal %q); an issuer that authenticates with X-Pay-Token only declares "two-way-ssl": false`, e.OperationID, e.Principal)
			authz, _ := header(e, "Authorization")
			Expect(authz).To(HavePrefix("Basic "), "%s: two-way SSL without the project's HTTP Basic user ID and password", e.OperationID)
			_, token := header(e, "X-Pay-Token")
			Expect(token).To(BeFalse(), "%s carries an X-Pay-Token beside two-way SSL", e.OperationID)
		}
	})

	It("states the MLE issue time in milliseconds, fresh", vi.Case("mle-iat-milliseconds", req.VISec08), func(ctx SpecContext) {
		checked := 0
		for _, e := range twoCards(ctx) {
			if e.Method == http.MethodGet || !strings.HasPrefix(e.RequestBody, `{"encData"`) {
				continue
			}
			h := jweHeader(e)
			iat, ok := h["iat"].(float64)
			Expect(ok).To(BeTrue(), "%s: the JWE header has no numeric iat: %v", e.OperationID, h)
			Expect(iat).To(BeNumerically(">=", 1e11), "%s: iat %.0f is in seconds; Visa's MLE wants milliseconds", e.OperationID, iat)
			sent := time.UnixMilli(int64(iat))
			Expect(e.Time.Sub(sent)).To(BeNumerically("~", 0, time.Minute), "%s: iat %s is not fresh (received %s)", e.OperationID, sent, e.Time)
			checked++
		}
		Expect(checked).To(BeNumerically(">=", 2), "fewer than two encrypted requests were captured")
	})

	It("sends a fresh eX-Correlation-Id with every call", vi.Case("correlation-header", req.VIIdm05), func(ctx SpecContext) {
		seen := map[string]string{}
		for _, e := range twoCards(ctx) {
			id, ok := header(e, "eX-Correlation-Id")
			Expect(ok).To(BeTrue(), "%s carries no eX-Correlation-Id", e.OperationID)
			Expect(id).NotTo(BeEmpty(), "%s carries an empty eX-Correlation-Id", e.OperationID)
			Expect(seen).NotTo(HaveKey(id), "%s reuses the eX-Correlation-Id of %s", e.OperationID, seen[id])
			seen[id] = e.OperationID
		}
	})
})

var _ = Describe("Visa consumers known from another Visa product", Label("visa"), func() {
	// register stands for the issuer's enrolment of the consumer in another
	// Visa product (Alias Directory, say), with a card when given, under the
	// consumer identifier the issuer uses at Visa.
	register := func(ctx SpecContext, c client.Consumer, accountNumber string) map[string]any {
		GinkgoHelper()
		params := map[string]any{"externalConsumerID": vi.IDs(c).Consumer, "externalConsumerIDOwnerBID": owner(), "firstName": c.FirstName, "lastName": c.LastName}
		if accountNumber != "" {
			params["accountNumber"] = accountNumber
		}
		out, err := vi.Trigger(ctx, "registerInOtherProduct", params)
		Expect(err).NotTo(HaveOccurred(), "registering the consumer in another Visa product")
		return out
	}
	enrolExisting := func(ctx SpecContext, c client.Consumer, k conformance.CardJSON, ref string) {
		GinkgoHelper()
		op, err := vi.Driver().EnrolExisting(ctx, "", c, k, vi.IDs(c).Consumer, ref)
		Expect(err).NotTo(HaveOccurred(), "enrolling the known consumer")
		Expect(vi.Wait(ctx, op).Status).To(Equal(client.Succeeded), "the enrolment of the known consumer did not succeed")
	}

	It("enrols it with Enroll Existing Issuer Data and a payment instrument", vi.Case("enrol-existing-with-instrument", req.VIEnr16), func(ctx SpecContext) {
		c := vi.Consumer()
		register(ctx, c, "")
		k := vi.NewCard(ctx, c, "k1")
		enrolExisting(ctx, c, k, "")
		Expect(vi.Exchanges(ctx, c, "enrollData")).To(BeEmpty(), "the consumer was created again with Enroll Data")
		sent := vi.Exchanges(ctx, c, "enrollExistingDataWithPaymentInstrument")
		Expect(sent).NotTo(BeEmpty(), "no Enroll Existing Issuer Data reached Visa")
		Expect(sent[len(sent)-1].Status).To(Equal(http.StatusAccepted), "Visa did not accept the Enroll Existing Issuer Data")
		Expect(vi.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Last4", k.PAN[len(k.PAN)-4:])), "the card is not in the consumer's Click to Pay profile")
	})

	It("enrols it by reference to its registered payment instrument, sending no card data", vi.Case("enrol-existing-by-reference", req.VIEnr16), func(ctx SpecContext) {
		c := vi.Consumer()
		k := vi.NewCard(ctx, c, "k1")
		reg := register(ctx, c, k.PAN)
		ref, _ := reg["paymentInstrumentReferenceID"].(string)
		Expect(ref).NotTo(BeEmpty(), "the registration named no payment instrument reference")
		enrolExisting(ctx, c, k, ref)
		Expect(vi.Exchanges(ctx, c, "enrollData")).To(BeEmpty(), "the consumer was created again with Enroll Data")
		sent := vi.Exchanges(ctx, c, "enrollExistingDataWithPaymentInstrumentReference")
		Expect(sent).NotTo(BeEmpty(), "no Enroll Existing Issuer Data with Payment Instrument Reference reached Visa")
		for _, e := range sent {
			Expect(plaintext(e)).NotTo(HaveKey("paymentInstruments"), "card data travelled with a reference enrolment")
		}
		Expect(vi.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Last4", k.PAN[len(k.PAN)-4:])), "the card is not in the consumer's Click to Pay profile")
	})
})
