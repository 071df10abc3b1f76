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
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

// decisionDeadline is how long Mastercard waits for the Authorize Service
// decision; the real deadline is not public, so the scenario holds the
// issuer to the bundled target's per-attempt timeout.
const decisionDeadline = 2 * time.Second

// tokenEvents are what the issuer recorded for one token, oldest first.
func tokenEvents(ctx context.Context, typ client.EventType, tokenRef string) []client.NetworkEvent {
	GinkgoHelper()
	return mc.Events(ctx, func(ev client.NetworkEvent) bool { return ev.Type == typ && ev.TokenRef == tokenRef })
}

func answer(body string) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal([]byte(body), &m)).To(Succeed(), "the issuer's answer is not JSON: %q", body)
	return m
}

var _ = Describe("Mastercard calls to the issuer", Label("mastercard", "callbacks"), func() {
	It("hosts Authorize Service and approves the token its own enrolment raised", mc.Case("approves-own-token",
		req.C2PEnr07, req.MCNtf01, req.MCNtf02, req.MCSec03), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		calls := mc.Correlated(ctx, "authorizeService", journal.Outbound, done.CorrelationID, done.TokenRef)
		Expect(calls).NotTo(BeEmpty(), "Mastercard never called Authorize Service (no callback URL registered?)")
		last := calls[len(calls)-1]
		Expect(last.Status).To(Equal(http.StatusOK), "Authorize Service was not answered 200")
		Expect(last.ResponseCheck).NotTo(BeNil(), "the answer was not checked against the document")
		Expect(last.ResponseCheck.OK).To(BeTrue(), "the answer does not match the document: %v", last.ResponseCheck.Issues)
		Expect(answer(last.ResponseBody)).To(HaveKeyWithValue("decision", "APPROVED"), "the issuer did not approve its own enrolment")
		Expect(time.Duration(last.LatencyMillis*float64(time.Millisecond))).To(BeNumerically("<", decisionDeadline), "the decision came too late")
		// SEC-03: the issuer read the card out of the envelope: its event names the card.
		evs := tokenEvents(ctx, client.EventTokenizationAuth, done.TokenRef)
		Expect(evs).NotTo(BeEmpty(), "the issuer recorded no Authorize Service call for the token")
		Expect(evs[0].CardLast4).To(Equal(k.PAN[len(k.PAN)-4:]), "the issuer decrypted another card")
	})

	It("takes the yellow path: Deliver Activation Code, then the token activates", mc.Case("yellow-path", req.MCNtf01, req.MCNtf03), func(ctx SpecContext) {
		c := mc.Consumer()
		op, err := mc.Enrol(ctx, c, mc.Card(c, "k1", mc.TestCard(ctx, outcomeYellow)))
		Expect(err).NotTo(HaveOccurred(), "enrolling the yellow-path card")
		Expect(op.Status).To(Equal(client.Pending), "a token awaiting activation is not an active enrolment")
		Expect(op.TokenRef).NotTo(BeEmpty(), "the pending enrolment names no token")
		Eventually(func() []client.NetworkEvent { return tokenEvents(ctx, client.EventActivationCode, op.TokenRef) }).WithContext(ctx).
			ShouldNot(BeEmpty(), "the issuer did not accept Deliver Activation Code")
		out, err := mc.Trigger(ctx, "enterActivationCode", map[string]any{"tokenUniqueReference": op.TokenRef})
		Expect(err).NotTo(HaveOccurred(), "entering the activation code")
		Expect(out["status"]).To(Equal("ACTIVE"), "the token did not activate")
		ntu := mc.Correlated(ctx, "notifyTokenUpdated", journal.Outbound, op.TokenRef)
		Expect(ntu).NotTo(BeEmpty(), "Mastercard sent no Notify Token Updated")
		a := answer(ntu[len(ntu)-1].ResponseBody)
		Expect(a).To(HaveKey("responseId"), "Notify Token Updated is answered with responseId, the only field the Issuer Outbound API requires")
		Expect(mc.Wait(ctx, op).Status).To(Equal(client.Succeeded), "the activated enrolment succeeds")
	})

	It("applies a token status change Mastercard notifies, once even when delivered twice", mc.Case("status-change-applied-once",
		req.C2PLcm12, req.MCNtf03, req.C2PNtf05), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		requestID := "ntu-" + c.Ref
		for range 2 {
			out, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED",
				"suspendedBy": "CARDHOLDER", "requestId": requestID})
			Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated")
			Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "a duplicate delivery must still be acknowledged")
		}
		Expect(mc.State(ctx, k)).To(Equal(client.StateSuspended), "the notified status was not applied")
		Expect(steps.Applied(tokenEvents(ctx, client.EventTokenStatusChanged, done.TokenRef))).To(Equal(1), "the same notification was applied twice")

		// The cardholder lifts its suspension, the only one: ACTIVE again.
		_, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "ACTIVE", "suspendedBy": "CARDHOLDER"})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated")
		Expect(mc.State(ctx, k)).To(Equal(client.StateActive), "the notified ACTIVE was not applied")

		// The old SUSPENDED notification arrives once more, after the newer
		// ACTIVE one: acknowledged, and not applied again.
		out, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "requestId": requestID, "redeliver": true})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused a late redelivery")
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "a late redelivery must still be acknowledged")
		Expect(mc.State(ctx, k)).To(Equal(client.StateActive), "a late redelivery of an old notification was applied again")

		out, err = mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "DEACTIVATED"})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated")
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "DEACTIVATED is acknowledged")
		Expect(mc.State(ctx, k)).To(Equal(client.StateOptedOut), "a deactivated token must end the card's enrolment")
	})

	It("refuses a notification encrypted to another key with CRYPTOGRAPHY_ERROR, then accepts the genuine redelivery", mc.Case("misrouted-notification-refused",
		req.MCSec03, req.C2PNtf05), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		requestID := "misrouted-" + c.Ref
		_, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED",
			"encryption": "foreignKey", "requestId": requestID})
		Expect(err).To(HaveOccurred(), "the issuer accepted a notification it cannot have decrypted")
		refused := mc.Correlated(ctx, "notifyTokenUpdated", journal.Outbound, requestID)
		Expect(refused).NotTo(BeEmpty(), "the notification was not delivered")
		for _, e := range refused {
			Expect(e.Status).To(Equal(http.StatusBadRequest), "a misrouted notification was answered %d", e.Status)
			Expect(answer(e.ResponseBody)).To(HaveKeyWithValue("errorCode", "CRYPTOGRAPHY_ERROR"), "the refusal names CRYPTOGRAPHY_ERROR")
			Expect(e.ResponseCheck).NotTo(BeNil(), "the refusal was not checked against the document")
			Expect(e.ResponseCheck.OK).To(BeTrue(), "the refusal does not match the document: %v", e.ResponseCheck.Issues)
		}
		Expect(mc.State(ctx, k)).To(Equal(client.StateActive), "a notification that did not decrypt was applied")

		// Mastercard redelivers the genuine notification under the same requestId:
		// an issuer that remembered the ID before decrypting would drop it.
		out, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED", "requestId": requestID})
		Expect(err).NotTo(HaveOccurred(), "the genuine redelivery was refused")
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "the genuine redelivery is answered 200")
		Expect(mc.State(ctx, k)).To(Equal(client.StateSuspended), "the genuine redelivery was not applied")
	})

	It("declines, in Authorize Service, a card it never asked to enrol", mc.Case("declines-stranger", req.MCNtf02), func(ctx SpecContext) {
		// Someone else enrols a card the issuer never enrolled: Mastercard
		// asks the issuer, which must decline.
		r := newRawClient(ctx)
		c := mc.Consumer()
		stranger := mc.FreshNumber(ctx)
		status, m := send(ctx, r.enrolment(c.Ref, r.card(stranger)), "", r.signer)
		Expect(status).To(Equal(http.StatusUnprocessableEntity), "an enrolment the issuer never asked for went through: %v", m)
		Expect(m).To(HaveKeyWithValue("status", "DECLINED"), "Mastercard's answer names the issuer's decline")
		var decided bool
		for _, e := range mc.Correlated(ctx, "authorizeService", journal.Outbound, "") {
			// The card is in the encrypted payload; the journal keeps its
			// masked plaintext.
			if strings.Contains(e.RequestPlain, stranger[:6]) && strings.Contains(e.RequestPlain, stranger[len(stranger)-4:]) {
				Expect(answer(e.ResponseBody)).To(HaveKeyWithValue("decision", "DECLINED"), "the issuer approved a card it never enrolled")
				decided = true
			}
		}
		Expect(decided).To(BeTrue(), "Mastercard never asked the issuer about the card")
		Expect(mc.Profile(ctx, c).Enrolled).To(BeFalse(), "a declined card was enrolled")
	})
})
