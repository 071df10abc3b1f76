package mastercard

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
)

// decisionDeadline is how long Mastercard waits for the Authorize Service
// decision; the real deadline is not public, so the scenario holds the
// issuer to the bundled target's per-attempt timeout.
const decisionDeadline = 2 * time.Second

const (
	yellowCard   = "5186001700003000" // token INACTIVE, Deliver Activation Code follows
	strangerCard = "2223001851474275" // enrolled by no scenario through the issuer
)

func trigger(ctx context.Context, name string, params map[string]any) (map[string]any, error) {
	return conformance.Current().Control.Trigger(ctx, "mastercard", name, params)
}

// events returns what the issuer recorded for one token, oldest first.
func events(ctx context.Context, typ client.EventType, tokenRef string) []client.NetworkEvent {
	evs, err := conformance.Current().Driver.Events(ctx)
	Expect(err).NotTo(HaveOccurred())
	var out []client.NetworkEvent
	for _, ev := range evs {
		if ev.Type == typ && ev.TokenRef == tokenRef {
			out = append(out, ev)
		}
	}
	return out
}

func enrolment(ctx context.Context, cardRef string) client.Enrolment {
	es, err := conformance.Current().Driver.Enrolments(ctx)
	Expect(err).NotTo(HaveOccurred())
	for _, e := range es {
		if e.Network == client.Mastercard && e.CardRef == cardRef {
			return e
		}
	}
	Fail("the issuer holds no enrolment of card " + cardRef)
	return client.Enrolment{}
}

func answer(body string) map[string]any {
	var m map[string]any
	Expect(json.Unmarshal([]byte(body), &m)).To(Succeed(), "the issuer's answer is not JSON: %q", body)
	return m
}

var _ = Describe("Mastercard calls to the issuer", Label("mastercard", "callbacks"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("hosts Authorize Service and approves the token its own enrolment raised", conformance.Req(req.MCEnr07, req.MCNtf01, req.MCNtf02, req.MCSec03), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", sampleCard))
		Expect(done.Status).To(Equal(client.Succeeded))
		calls := exchanges(ctx, done.CorrelationID, "authorizeService")
		Expect(calls).NotTo(BeEmpty(), "Mastercard never called Authorize Service (no callback URL registered?)")
		last := calls[len(calls)-1]
		Expect(last.Status).To(Equal(http.StatusOK))
		Expect(last.ResponseCheck).NotTo(BeNil())
		Expect(last.ResponseCheck.OK).To(BeTrue(), "the answer does not match the document: %v", last.ResponseCheck.Issues)
		Expect(answer(last.ResponseBody)).To(HaveKeyWithValue("decision", "APPROVED"), "the issuer did not approve its own enrolment")
		Expect(time.Duration(last.LatencyMillis*float64(time.Millisecond))).To(BeNumerically("<", decisionDeadline), "the decision came too late")
		// SEC-03: the issuer read the card out of the envelope: its event names the card.
		evs := events(ctx, client.EventTokenizationAuth, done.TokenRef)
		Expect(evs).NotTo(BeEmpty(), "the issuer recorded no Authorize Service call for the token")
		Expect(evs[0].CardLast4).To(Equal(sampleCard[12:]))
	})

	It("takes the yellow path: Deliver Activation Code, then the token activates", conformance.Req(req.MCNtf01, req.MCNtf03), func() {
		c := consumer()
		d := conformance.Current().Driver
		op, err := d.Enrol(ctx, "", c, card(c, "k1", yellowCard), false)
		Expect(err).NotTo(HaveOccurred())
		Expect(op.Status).To(Equal(client.Pending), "a token awaiting activation is not an active enrolment")
		Expect(op.TokenRef).NotTo(BeEmpty())
		Eventually(func() []client.NetworkEvent { return events(ctx, client.EventActivationCode, op.TokenRef) }).
			ShouldNot(BeEmpty(), "the issuer did not accept Deliver Activation Code")
		out, err := trigger(ctx, "enterActivationCode", map[string]any{"tokenUniqueReference": op.TokenRef})
		Expect(err).NotTo(HaveOccurred())
		Expect(out["status"]).To(Equal("ACTIVE"))
		ntu := exchanges(ctx, op.TokenRef, "notifyTokenUpdated")
		Expect(ntu).NotTo(BeEmpty())
		a := answer(ntu[len(ntu)-1].ResponseBody)
		Expect(a).To(HaveKey("responseHost"))
		Expect(a).To(HaveKey("responseId"))
		Expect(waited(ctx, op).Status).To(Equal(client.Succeeded))
	})

	It("applies a token status change Mastercard notifies, once even when delivered twice", conformance.Req(req.MCLcm12, req.MCNtf03, req.MCNtf05), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", sampleCard))
		requestID := "ntu-" + c.Ref
		for range 2 {
			out, err := trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED",
				"suspendedBy": "CARDHOLDER", "requestId": requestID})
			Expect(err).NotTo(HaveOccurred())
			Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "a duplicate delivery must still be acknowledged")
		}
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateSuspended), "the notified status was not applied")
		evs := events(ctx, client.EventTokenStatusChanged, done.TokenRef)
		applied := 0
		for _, ev := range evs {
			if !ev.Duplicate {
				applied++
			}
		}
		Expect(applied).To(Equal(1), "the same notification was applied twice")

		_, err := trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "ACTIVE"})
		Expect(err).NotTo(HaveOccurred())
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateActive))

		// The old SUSPENDED notification arrives once more, after the newer
		// ACTIVE one: acknowledged, and not applied again.
		out, err := trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "requestId": requestID, "redeliver": true})
		Expect(err).NotTo(HaveOccurred())
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "a late redelivery must still be acknowledged")
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateActive), "a late redelivery of an old notification was applied again")

		out, err = trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "DEACTIVATED", "eventReasonCode": "ACCOUNT_CLOSED"})
		Expect(err).NotTo(HaveOccurred())
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200))
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateOptedOut), "a deactivated token must end the card's enrolment")
	})

	It("refuses a notification encrypted to another key with CRYPTOGRAPHY_ERROR, then accepts the genuine redelivery", conformance.Req(req.MCSec03, req.MCNtf05), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", sampleCard))
		requestID := "misrouted-" + c.Ref
		_, err := trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED",
			"encryption": "foreignKey", "requestId": requestID})
		Expect(err).To(HaveOccurred(), "the issuer accepted a notification it cannot have decrypted")
		refused := exchanges(ctx, requestID, "notifyTokenUpdated")
		Expect(refused).NotTo(BeEmpty())
		for _, e := range refused {
			Expect(e.Status).To(Equal(http.StatusBadRequest), "a misrouted notification was answered %d", e.Status)
			Expect(answer(e.ResponseBody)).To(HaveKeyWithValue("errorCode", "CRYPTOGRAPHY_ERROR"))
			Expect(e.ResponseCheck).NotTo(BeNil())
			Expect(e.ResponseCheck.OK).To(BeTrue(), "the refusal does not match the document: %v", e.ResponseCheck.Issues)
		}
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateActive), "a notification that did not decrypt was applied")

		// Mastercard redelivers the genuine notification under the same requestId:
		// an issuer that remembered the ID before decrypting would drop it.
		out, err := trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED", "requestId": requestID})
		Expect(err).NotTo(HaveOccurred(), "the genuine redelivery was refused")
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200))
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateSuspended), "the genuine redelivery was not applied")
	})

	It("declines, in Authorize Service, a card it never asked to enrol", conformance.Req(req.MCNtf02), func() {
		// Someone else enrols one of the issuer's cards: Mastercard asks the
		// issuer, which has no enrolment of it and must decline.
		r := newRawClient(ctx)
		c := consumer()
		status, m := send(ctx, r.enrolment(c.Ref, r.card(strangerCard)), "", r.signer)
		Expect(status).To(Equal(http.StatusUnprocessableEntity), "an enrolment the issuer never asked for went through: %v", m)
		Expect(m).To(HaveKeyWithValue("reason", "DECLINED"))
		calls := exchanges(ctx, "", "authorizeService")
		var decided bool
		for _, e := range calls {
			if strings.Contains(e.RequestBody, `"accountPanSuffix":"`+strangerCard[12:]+`"`) {
				Expect(answer(e.ResponseBody)).To(HaveKeyWithValue("decision", "DECLINED"))
				decided = true
			}
		}
		Expect(decided).To(BeTrue(), "Mastercard never asked the issuer about the card")
		Expect(profile(ctx, c).Enrolled).To(BeFalse(), "a declined card was enrolled")
	})
})
