// Package visa holds the Visa Click to Pay (VICA) conformance scenarios.
package visa

import (
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

var vi = steps.On(req.Visa)

// Outcomes of Visa's own test cards (GET /_admin/networks).
const (
	outcomeExpired        = "VIDC-2003"
	outcomeNotVisa        = "VIDC-2006"
	outcomeNotTokenisable = "VIDC-7000"
)

func plaintext(e journal.Entry) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal([]byte(e.RequestPlain), &m)).To(Succeed(), "the simulator could not decrypt the %s request", e.OperationID)
	return m
}

func firstInstrument(p map[string]any) map[string]any {
	GinkgoHelper()
	list, _ := p["paymentInstruments"].([]any)
	Expect(list).NotTo(BeEmpty(), "paymentInstruments is empty")
	return steps.Object(list[0], "paymentInstruments[0]")
}

var _ = Describe("Visa Click to Pay (VICA)", Label("visa"), func() {
	It("enrols a consumer with the consumer's data as given", vi.Case("consumer-data", req.C2PEnr01), func(ctx SpecContext) {
		c := vi.Consumer()
		vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
		es := vi.Exchanges(ctx, c, "enrollData")
		Expect(es).To(HaveLen(1), "one enrollData for one consumer")
		ci := steps.Object(plaintext(es[0])["consumerInformation"], "consumerInformation")
		Expect(ci).To(HaveKeyWithValue("externalConsumerID", vi.IDs(c).Consumer), "externalConsumerID is the identifier the issuer reported")
		Expect(ci).To(HaveKeyWithValue("firstName", c.FirstName), "firstName must be the consumer's first name")
		Expect(ci).To(HaveKeyWithValue("lastName", c.LastName), "lastName must be the consumer's last name")
		Expect(ci).To(HaveKeyWithValue("emails", ConsistOf(c.Emails[0])), "emails must be the consumer's")
		Expect(ci).To(HaveKeyWithValue("phones", ConsistOf(c.Phones[0])), "phones must be the consumer's, with the country code")
		Expect(ci).To(HaveKeyWithValue("locale", strings.ReplaceAll(c.Locale, "-", "_")), "locale must be the consumer's")
		Expect(ci).To(HaveKeyWithValue("countryCode", c.Country), "countryCode must be the consumer's")
	})

	It("writes the consumer's phone, locale and country in Visa's formats", vi.Case("data-formats", req.VIDat02, req.VIDat03), func(ctx SpecContext) {
		c := vi.Consumer()
		vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
		es := vi.Exchanges(ctx, c, "enrollData")
		Expect(es).NotTo(BeEmpty(), "no enrollData reached Visa")
		p := plaintext(es[0])
		ci := steps.Object(p["consumerInformation"], "consumerInformation")
		Expect(ci["locale"]).To(MatchRegexp(`^[a-z]{2}_[A-Z]{2}$`), "locale is ll_CC")
		Expect(ci["countryCode"]).To(MatchRegexp(`^[A-Z]{3}$`), "countryCode is alpha-3")
		phones, _ := ci["phones"].([]any)
		Expect(phones).NotTo(BeEmpty(), "no phone")
		for _, ph := range phones {
			Expect(ph).To(MatchRegexp(`^[0-9]{8,15}$`), "phones are digits with the country code")
		}
		for _, e := range ci["emails"].([]any) {
			Expect(e).To(MatchRegexp(`^[^@\s]+@[^@\s]+\.[^@\s]+$`), "emails are valid addresses")
		}
		addr := steps.Object(firstInstrument(p)["billingAddress"], "billingAddress")
		Expect(addr["country"]).To(MatchRegexp(`^[A-Z]{3}$`), "billingAddress.country is alpha-3")
	})

	It("enrols the card with its data as given", vi.Case("card-data", req.C2PEnr02, req.VIDat04), func(ctx SpecContext) {
		c := vi.Consumer()
		k := vi.NewCard(ctx, c, "k1")
		vi.Enrolled(ctx, c, k)
		es := vi.Exchanges(ctx, c, "enrollData")
		Expect(es).To(HaveLen(1), "one enrollData for one card")
		pi := firstInstrument(plaintext(es[0]))
		Expect(pi).To(HaveKeyWithValue("accountNumber", pan.Mask(k.PAN)), "accountNumber must be the card's number")
		Expect(pi).To(HaveKeyWithValue("nameOnCard", k.NameOnCard), "nameOnCard must be the card's")
		Expect(pi).To(HaveKey("expirationDate"), "the card's expirationDate (YYYY-MM) is required")
		// The journal keeps no expiry in clear; the simulator checked the
		// decrypted request against the document, whose expirationDate is
		// ^[0-9]{4}-(0[1-9]|1[0-2])$.
		steps.Valid(es[0])
		addr := steps.Object(pi["billingAddress"], "billingAddress")
		Expect(addr).To(HaveKeyWithValue("addressLine1", k.BillingAddress.Line1), "billingAddress.addressLine1 must be the card's")
		Expect(addr).To(HaveKeyWithValue("city", k.BillingAddress.City), "billingAddress.city must be the card's")
		Expect(addr).To(HaveKeyWithValue("country", k.BillingAddress.Country), "billingAddress.country must be the card's")
	})

	It("never sends card data in clear and authenticates every call", vi.Case("encrypted-and-signed", req.C2PEnr03, req.VISec04, req.VISec05), func(ctx SpecContext) {
		c := vi.Consumer()
		vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
		es := vi.Exchanges(ctx, c, "")
		Expect(es).NotTo(BeEmpty(), "no call of the consumer reached Visa")
		for _, e := range es {
			if e.Direction == journal.Outbound {
				continue // Visa's own calls to the issuer
			}
			Expect(e.Auth).NotTo(BeNil(), "%s carried no verifiable credentials", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "%s was not authenticated: %s", e.OperationID, e.Auth.Reason)
			if e.Method != http.MethodGet {
				Expect(e.RequestBody).To(HavePrefix(`{"encData":`), "%s body is not MLE-encrypted", e.OperationID)
				Expect(e.RequestHeader).To(HaveKey("Keyid"), "%s carries no MLE keyId header", e.OperationID)
			}
		}
	})

	It("treats 202 as pending and reaches the outcome by polling requestStatus", vi.Case("accepted-then-polled", req.C2PEnr06, req.VIIdm02), func(ctx SpecContext) {
		c := vi.Consumer()
		op, err := vi.Enrol(ctx, c, vi.NewCard(ctx, c, "k1"))
		Expect(err).NotTo(HaveOccurred(), "enrolling a card")
		Expect(op.Status).To(Equal(client.Pending), "a 202 Accepted is not an enrolment")
		Expect(vi.Wait(ctx, op).Status).To(Equal(client.Succeeded), "the enrolment completes")
		polls := vi.Correlated(ctx, "requestStatus", journal.Inbound, op.ID)
		Expect(polls).NotTo(BeEmpty(), "the issuer never polled requestStatus with the requestTraceId it was given")
	})

	It("adds a second card to the same consumer instead of enrolling the consumer again", vi.Case("second-card-added", req.C2PEnr04, req.C2PEnr05), func(ctx SpecContext) {
		c := vi.Consumer()
		vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k1"))
		second := vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k2"))
		Expect(second.NetworkIDs.Consumer).To(Or(BeEmpty(), Equal(vi.IDs(c).Consumer)), "the second card was enrolled under another consumer identifier")
		Expect(vi.Exchanges(ctx, c, "enrollData")).To(HaveLen(1), "the consumer was enrolled twice")
		adds := vi.Exchanges(ctx, c, "enrollPaymentInstruments")
		Expect(adds).NotTo(BeEmpty(), "the second card did not go through enrollPaymentInstruments")
		for _, e := range vi.Exchanges(ctx, c, "") {
			Expect(e.ResponsePlain).NotTo(ContainSubstring("VIDC-2000"), "the consumer was enrolled twice")
		}
		Expect(vi.Profile(ctx, c).Cards).To(HaveLen(2), "Visa holds both cards under one consumer")
	})

	It("surfaces an expired card as a terminal failure and does not retry it", vi.Case("expired-card-terminal", req.C2PEnr09, req.C2PErr02), func(ctx SpecContext) {
		c := vi.Consumer()
		k := vi.Card(c, "k1", vi.TestCard(ctx, outcomeExpired))
		_, err := vi.Enrol(ctx, c, k)
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal("VIDC-2003"), "the issuer must report Visa's code")
		Expect(de.Retryable).To(BeFalse(), "VIDC-2003 is terminal")
		Expect(vi.CardExchanges(ctx, k.PAN, "enrollData")).To(HaveLen(1), "a terminal error was retried")
	})

	It("refuses a card of another network up front", vi.Case("foreign-card-terminal", req.C2PEnr09), func(ctx SpecContext) {
		c := vi.Consumer()
		number := vi.TestCard(ctx, outcomeNotVisa)
		_, err := vi.Enrol(ctx, c, vi.Card(c, "k1", number))
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal("VIDC-2006"), "the issuer must report Visa's code")
		Expect(de.Retryable).To(BeFalse(), "VIDC-2006 is terminal")
		Expect(err.Error()).NotTo(ContainSubstring(number), "the full card number came back in an error")
	})

	It("reports an asynchronous per-card failure and adds the next card to the consumer", vi.Case("partial-success", req.VIEnr12), func(ctx SpecContext) {
		c := vi.Consumer()
		op, err := vi.Enrol(ctx, c, vi.Card(c, "k1", vi.TestCard(ctx, outcomeNotTokenisable)))
		Expect(err).NotTo(HaveOccurred(), "enrolling a card")
		done := vi.Wait(ctx, op)
		Expect(done.Status).To(Equal(client.Failed), "tokenisation was declined: the enrolment failed")
		Expect(done.Errors).To(ContainElement(HaveField("Code", "VIDC-7000")), "the failure names VIDC-7000")
		// The consumer exists without the card; the next card is added, not re-enrolled.
		vi.Enrolled(ctx, c, vi.NewCard(ctx, c, "k2"))
		Expect(vi.Exchanges(ctx, c, "enrollPaymentInstruments")).NotTo(BeEmpty(), "the next card must be added to the existing consumer")
		created := 0
		for _, e := range vi.Exchanges(ctx, c, "enrollData") {
			if e.Status == http.StatusAccepted {
				created++
			}
		}
		Expect(created).To(Equal(1), "the consumer was created twice")
	})

	It("renews a card and pushes consumer changes", vi.Case("renewal-and-changes", req.VILcm01, req.VILcm06), func(ctx SpecContext) {
		c := vi.Consumer()
		k := vi.NewCard(ctx, c, "k1")
		vi.Enrolled(ctx, c, k)
		renewed := k
		renewed.Expiry = "2033-01"
		op, err := vi.Driver().UpdateCard(ctx, "", c.Ref, renewed)
		Expect(err).NotTo(HaveOccurred(), "renewing the card")
		Expect(vi.Wait(ctx, op).Status).To(Equal(client.Succeeded), "the renewal completes")
		upd := vi.Exchanges(ctx, c, "managePaymentInstruments")
		Expect(upd).To(HaveLen(1), "one managePaymentInstruments for the renewal")
		Expect(firstInstrument(plaintext(upd[0]))).To(HaveKeyWithValue("accountNumber", pan.Mask(k.PAN)), "the renewal names the same card")
		c.Emails = []string{"ada@lovelace.example"}
		ops, err := vi.Driver().UpdateConsumer(ctx, "", c)
		Expect(err).NotTo(HaveOccurred(), "pushing the consumer's new email")
		Expect(ops).To(HaveLen(1), "one update on the one network the consumer is enrolled in")
		Expect(vi.Wait(ctx, &ops[0]).Status).To(Equal(client.Succeeded), "the update completes")
		mci := vi.Exchanges(ctx, c, "manageConsumerInformation")
		Expect(mci).To(HaveLen(1), "one manageConsumerInformation for the change")
		Expect(plaintext(mci[0])["consumerInformation"]).To(HaveKeyWithValue("emails", ContainElement("ada@lovelace.example")), "the new email reached Visa")
	})

	It("opts out one card and keeps the others; deleting the consumer removes all", vi.Case("opt-out-and-delete", req.C2PLcm03, req.C2PLcm07, req.VILcm10), func(ctx SpecContext) {
		c := vi.Consumer()
		k1, k2 := vi.NewCard(ctx, c, "k1"), vi.NewCard(ctx, c, "k2")
		vi.Enrolled(ctx, c, k1)
		vi.Enrolled(ctx, c, k2)
		_, err := vi.Act(ctx, "delete", c, k1, "ACCOUNT_CLOSED")
		Expect(err).NotTo(HaveOccurred(), "deleting the closed card")
		Expect(vi.Exchanges(ctx, c, "deletePaymentInstruments")).To(HaveLen(1), "the closed card goes through deletePaymentInstruments")
		p := vi.Profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "opting out one card removed the others")
		Expect(p.Cards[0].Last4).To(Equal(k2.PAN[len(k2.PAN)-4:]), "the other card stays")
		op, err := vi.Driver().DeleteConsumer(ctx, "", client.Visa, c.Ref)
		Expect(err).NotTo(HaveOccurred(), "deleting the consumer")
		vi.Wait(ctx, op)
		Expect(vi.Profile(ctx, c).Enrolled).To(BeFalse(), "the consumer is still enrolled")
		Expect(vi.Exchanges(ctx, c, "managePaymentInstruments")).To(BeEmpty(), "cards of a deleted consumer were updated")
	})

	It("never has two requests in flight for one consumer", vi.Case("one-request-in-flight", req.VILcm09), func(ctx SpecContext) {
		c := vi.Consumer()
		first, err := vi.Enrol(ctx, c, vi.NewCard(ctx, c, "k1"))
		Expect(err).NotTo(HaveOccurred(), "enrolling the first card")
		second, err := vi.Enrol(ctx, c, vi.NewCard(ctx, c, "k2"))
		Expect(err).NotTo(HaveOccurred(), "the issuer must wait out VIDC-3000 and retry")
		Expect(vi.Wait(ctx, first).Status).To(Equal(client.Succeeded), "the first card is enrolled")
		Expect(vi.Wait(ctx, second).Status).To(Equal(client.Succeeded), "the second card is enrolled")
		for _, e := range vi.Exchanges(ctx, c, "") {
			if e.Status == http.StatusConflict {
				Expect(e.ResponsePlain).To(ContainSubstring("VIDC-3000"), "a 409 other than VIDC-3000")
			}
		}
	})
})
