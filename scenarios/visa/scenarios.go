package visa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// Published and outcome test cards of the Visa simulator.
const (
	sampleCard     = "4111111145551140"
	secondCard     = "4111111111111111"
	expiredCard    = "4000000000020034" // VIDC-2003
	nonVisaCard    = "5186001700008785" // VIDC-2006 when sent to Visa
	tokenDeclined  = "4000000000070005" // VIDC-7000, asynchronous
	answerLostCard = "4000000000005035" // processed, but the first answer is a 503
)

var seq atomic.Int64

// consumer returns a consumer unique to this spec and process.
func consumer() client.Consumer {
	n := seq.Add(1)
	return client.Consumer{Ref: fmt.Sprintf("vi-p%d-c%d", GinkgoParallelProcess(), n), FirstName: "Ada", LastName: "Lovelace",
		Emails: []string{"ada@example.com"}, Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

func card(c client.Consumer, ref, number string) conformance.CardJSON {
	return conformance.CardJSON{Ref: c.Ref + "-" + ref, PAN: number, Expiry: "2030-08", NameOnCard: "Ada Lovelace", Network: client.Visa,
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

// exchanges returns the simulator's journal of one consumer's VICA calls,
// oldest first.
func exchanges(ctx context.Context, c client.Consumer, op string) []journal.Entry {
	es, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "visa", OperationID: op, CorrelationID: BID + "/" + c.Ref})
	Expect(err).NotTo(HaveOccurred())
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// enrolled enrols a card through the issuer and waits for the outcome.
func enrolled(ctx context.Context, c client.Consumer, k conformance.CardJSON) *client.Operation {
	d := conformance.Current().Driver
	op, err := d.Enrol(ctx, "", c, k, false)
	Expect(err).NotTo(HaveOccurred(), "enrolling %s", k.Ref)
	done, err := d.Wait(ctx, "", op, "20s")
	Expect(err).NotTo(HaveOccurred())
	return done
}

func plaintext(e journal.Entry) map[string]any {
	var m map[string]any
	Expect(json.Unmarshal([]byte(e.RequestPlain), &m)).To(Succeed(), "the simulator could not decrypt the request")
	return m
}

var _ = Describe("Visa Click to Pay (VICA)", Label("visa"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("enrols a consumer with complete consumer and card data", conformance.Req(req.VIEnr01, req.VIEnr02, req.VIDat02, req.VIDat03, req.VIDat04), func() {
		c := consumer()
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		es := exchanges(ctx, c, "enrollData")
		Expect(es).To(HaveLen(1))
		p := plaintext(es[0])
		ci := p["consumerInformation"].(map[string]any)
		for _, f := range []string{"firstName", "lastName", "emails", "phones", "locale", "countryCode", "externalConsumerID", "externalConsumerIDOwnerBID"} {
			Expect(ci).To(HaveKey(f))
		}
		Expect(ci["locale"]).To(MatchRegexp(`^[a-z]{2}_[A-Z]{2}$`))
		Expect(ci["countryCode"]).To(MatchRegexp(`^[A-Z]{3}$`))
		for _, ph := range ci["phones"].([]any) {
			Expect(ph).To(MatchRegexp(`^[0-9]{8,15}$`))
		}
		pi := p["paymentInstruments"].([]any)[0].(map[string]any)
		for _, f := range []string{"accountNumber", "nameOnCard", "expirationDate", "billingAddress"} {
			Expect(pi).To(HaveKey(f))
		}
	})

	It("never sends card data in clear and authenticates every call", conformance.Req(req.VIEnr03, req.VISec04, req.VISec05), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		// This consumer's calls only: other scenarios send bad requests on purpose.
		es := exchanges(ctx, c, "")
		Expect(es).NotTo(BeEmpty())
		for _, e := range es {
			if e.Direction == journal.Outbound {
				continue // Visa's own calls to the issuer
			}
			Expect(e.Auth).NotTo(BeNil())
			Expect(e.Auth.OK).To(BeTrue(), "%s was not authenticated: %s", e.OperationID, e.Auth.Reason)
			if e.Method != "GET" {
				Expect(e.RequestBody).To(HavePrefix(`{"encData":`), "%s body is not MLE-encrypted", e.OperationID)
				Expect(e.RequestHeader).To(HaveKey("Keyid"))
			}
		}
	})

	It("treats 202 as pending and reaches the outcome by polling requestStatus", conformance.Req(req.VIEnr06, req.VIIdm02), func() {
		c := consumer()
		d := conformance.Current().Driver
		op, err := d.Enrol(ctx, "", c, card(c, "k1", sampleCard), false)
		Expect(err).NotTo(HaveOccurred())
		Expect(op.Status).To(Equal(client.Pending), "a 202 Accepted is not an enrolment")
		done, err := d.Wait(ctx, "", op, "20s")
		Expect(err).NotTo(HaveOccurred())
		Expect(done.Status).To(Equal(client.Succeeded))
		polls, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "visa", OperationID: "requestStatus", CorrelationID: op.ID})
		Expect(err).NotTo(HaveOccurred())
		Expect(polls).NotTo(BeEmpty(), "the issuer never polled requestStatus with the requestTraceId it was given")
	})

	It("adds a second card to the same consumer instead of enrolling the consumer again", conformance.Req(req.VIEnr04, req.VIEnr05), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		Expect(enrolled(ctx, c, card(c, "k2", secondCard)).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, c, "enrollData")).To(HaveLen(1))
		adds := exchanges(ctx, c, "enrollPaymentInstruments")
		Expect(adds).NotTo(BeEmpty())
		for _, e := range exchanges(ctx, c, "") {
			Expect(e.ResponsePlain).NotTo(ContainSubstring("VIDC-2000"), "the consumer was enrolled twice")
		}
		p, err := conformance.Current().Driver.Profile(ctx, "", client.Visa, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Cards).To(HaveLen(2))
	})

	It("surfaces an ineligible card as a terminal failure and does not retry it", conformance.Req(req.VIEnr09, req.VIErr01, req.VIErr02), func() {
		c := consumer()
		_, err := conformance.Current().Driver.Enrol(ctx, "", c, card(c, "k1", expiredCard), false)
		var de *conformance.DriverError
		Expect(errors.As(err, &de)).To(BeTrue(), "expected a refusal, got %v", err)
		Expect(de.NetworkCode).To(Equal("VIDC-2003"))
		Expect(de.Retryable).To(BeFalse())
		Expect(exchanges(ctx, c, "enrollData")).To(HaveLen(1), "a terminal error was retried")
	})

	It("retries service errors with backoff and then succeeds", conformance.Req(req.VIErr01, req.VIErr03), func() {
		c := consumer()
		_, err := conformance.Current().Control.AddFault(ctx, fault.Rule{Network: "visa", Operation: "enrollData", Status: 503, Code: "VIDC-5000", Times: 2})
		Expect(err).NotTo(HaveOccurred())
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		attempts := exchanges(ctx, c, "enrollData")
		Expect(attempts).To(HaveLen(3), "two refused attempts, then the accepted one")
		Expect(attempts[0].Fault).NotTo(BeEmpty())
		Expect(attempts[1].Fault).NotTo(BeEmpty())
		Expect(attempts[2].Status).To(Equal(202))
		// Backoff: the wait before the second retry is longer than before the first.
		first, second := attempts[1].Time.Sub(attempts[0].Time), attempts[2].Time.Sub(attempts[1].Time)
		Expect(second).To(BeNumerically(">", first), "retries did not back off (%s then %s)", first, second)
	})

	It("reports an asynchronous per-card failure", conformance.Req(req.VIEnr12), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", tokenDeclined))
		Expect(done.Status).To(Equal(client.Failed))
		Expect(done.Errors).To(ContainElement(HaveField("Code", "VIDC-7000")))
		// The consumer exists without the card; the next card is added, not re-enrolled.
		Expect(enrolled(ctx, c, card(c, "k2", sampleCard)).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, c, "enrollPaymentInstruments")).NotTo(BeEmpty())
	})

	It("renews a card and pushes consumer changes", conformance.Req(req.VILcm01, req.VILcm06), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		d := conformance.Current().Driver
		renewed := card(c, "k1", sampleCard)
		renewed.Expiry = "2033-01"
		op, err := d.UpdateCard(ctx, "", c.Ref, renewed)
		Expect(err).NotTo(HaveOccurred())
		Expect(mustWait(ctx, op).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, c, "managePaymentInstruments")).To(HaveLen(1))
		c.Emails = []string{"ada@lovelace.example"}
		ops, err := d.UpdateConsumer(ctx, "", c)
		Expect(err).NotTo(HaveOccurred())
		Expect(ops).To(HaveLen(1))
		Expect(mustWait(ctx, &ops[0]).Status).To(Equal(client.Succeeded))
		upd := exchanges(ctx, c, "manageConsumerInformation")
		Expect(upd).To(HaveLen(1))
		Expect(plaintext(upd[0])["consumerInformation"]).To(HaveKeyWithValue("emails", ContainElement("ada@lovelace.example")))
	})

	It("opts out one card and keeps the others; deleting the consumer removes all", conformance.Req(req.VILcm03, req.VILcm07, req.VILcm10), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		enrolled(ctx, c, card(c, "k2", secondCard))
		d := conformance.Current().Driver
		op, err := d.CardAction(ctx, "", "delete", c.Ref, c.Ref+"-k1", "ACCOUNT_CLOSED")
		Expect(err).NotTo(HaveOccurred())
		mustWait(ctx, op)
		p, err := d.Profile(ctx, "", client.Visa, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Cards).To(HaveLen(1))
		Expect(p.Cards[0].Last4).To(Equal(secondCard[12:]))
		op, err = d.DeleteConsumer(ctx, "", client.Visa, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		mustWait(ctx, op)
		p, err = d.Profile(ctx, "", client.Visa, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Enrolled).To(BeFalse())
		Expect(exchanges(ctx, c, "managePaymentInstruments")).To(BeEmpty(), "cards of a deleted consumer were updated")
	})

	It("never has two requests in flight for one consumer", conformance.Req(req.VILcm09), func() {
		c := consumer()
		d := conformance.Current().Driver
		first, err := d.Enrol(ctx, "", c, card(c, "k1", sampleCard), false)
		Expect(err).NotTo(HaveOccurred())
		second, err := d.Enrol(ctx, "", c, card(c, "k2", secondCard), false)
		Expect(err).NotTo(HaveOccurred(), "the issuer must wait out VIDC-3000 and retry")
		Expect(mustWait(ctx, first).Status).To(Equal(client.Succeeded))
		Expect(mustWait(ctx, second).Status).To(Equal(client.Succeeded))
		for _, e := range exchanges(ctx, c, "") {
			if e.Status == 409 {
				Expect(e.ResponsePlain).To(ContainSubstring("VIDC-3000"))
			}
		}
	})

	It("refuses a card of another network up front", conformance.Req(req.VIEnr09), func() {
		c := consumer()
		_, err := conformance.Current().Driver.Enrol(ctx, "", c, card(c, "k1", nonVisaCard), false)
		var de *conformance.DriverError
		Expect(errors.As(err, &de)).To(BeTrue())
		Expect(de.NetworkCode).To(Equal("VIDC-2006"))
		Expect(strings.Contains(err.Error(), nonVisaCard)).To(BeFalse(), "the full card number came back in an error")
	})
})

func mustWait(ctx context.Context, op *client.Operation) *client.Operation {
	done, err := conformance.Current().Driver.Wait(ctx, "", op, "20s")
	Expect(err).NotTo(HaveOccurred())
	return done
}
