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
	"github.com/c2psim/c2psim/client/pan"
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
		Eventually(func() []client.NetworkEvent { return tokenEvents(ctx, client.EventActivationCode, op.TokenRef) }).WithContext(ctx).WithTimeout(steps.Settle).
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

	It("acknowledges each token status in Notify Token Updated with 200 and its responseId", mc.Case("status-change-acknowledged", req.MCNtf03), func(ctx SpecContext) {
		c := mc.Consumer()
		done := mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k1"))
		for _, p := range []map[string]any{{"status": "SUSPENDED", "suspendedBy": "CARDHOLDER"}, {"status": "ACTIVE", "suspendedBy": "CARDHOLDER"}, {"status": "DEACTIVATED"}} {
			p["tokenUniqueReference"] = done.TokenRef
			out, err := mc.Trigger(ctx, "tokenStatusChange", p)
			Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated with %s", p["status"])
			Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "Notify Token Updated with %s is answered 200", p["status"])
		}
		ntu := mc.Correlated(ctx, "notifyTokenUpdated", journal.Outbound, done.TokenRef)
		Expect(ntu).To(HaveLen(3), "three Notify Token Updated, each answered once")
		for _, e := range ntu {
			Expect(answer(e.ResponseBody)).To(HaveKey("responseId"), "Notify Token Updated is answered with responseId, the only field the Issuer Outbound API requires")
			Expect(e.ResponseCheck).NotTo(BeNil(), "the answer was not checked against the document")
			Expect(e.ResponseCheck.OK).To(BeTrue(), "the answer does not match the document: %v", e.ResponseCheck.Issues)
		}
	})

	It("applies each token status Mastercard notifies to the issuer's record of the card", mc.Case("status-change-applied", req.C2PLcm12), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		notify := func(params map[string]any) {
			GinkgoHelper()
			params["tokenUniqueReference"] = done.TokenRef
			out, err := mc.Trigger(ctx, "tokenStatusChange", params)
			Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated")
			Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "Notify Token Updated is answered 200")
		}
		notify(map[string]any{"status": "SUSPENDED", "suspendedBy": "CARDHOLDER"})
		Expect(mc.State(ctx, k)).To(Equal(client.StateSuspended), "the notified SUSPENDED was not applied")
		// The cardholder lifts its suspension, the only one: ACTIVE again.
		notify(map[string]any{"status": "ACTIVE", "suspendedBy": "CARDHOLDER"})
		Expect(mc.State(ctx, k)).To(Equal(client.StateActive), "the notified ACTIVE was not applied")
		notify(map[string]any{"status": "DEACTIVATED"})
		Expect(mc.State(ctx, k)).To(Equal(client.StateOptedOut), "a deactivated token must end the card's enrolment")
	})

	It("acknowledges a redelivered Notify Token Updated and applies it once, even after a newer one", mc.Case("redelivery-applied-once",
		req.C2PNtf05), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		requestID := "ntu-" + c.Ref
		events := func() []client.NetworkEvent {
			GinkgoHelper()
			return mc.Events(ctx, func(ev client.NetworkEvent) bool { return strings.Contains(ev.ID, requestID) })
		}
		for range 2 {
			out, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED",
				"suspendedBy": "CARDHOLDER", "requestId": requestID})
			Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated")
			Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "a duplicate delivery must still be acknowledged")
		}
		Expect(events()).To(HaveLen(2), "both deliveries are recorded under their requestId")
		Expect(steps.Applied(events())).To(Equal(1), "the same notification was applied twice")
		_, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "ACTIVE", "suspendedBy": "CARDHOLDER"})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused Notify Token Updated")
		// The old SUSPENDED notification arrives once more, after the newer
		// ACTIVE one: acknowledged, and not applied again.
		out, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "requestId": requestID, "redeliver": true})
		Expect(err).NotTo(HaveOccurred(), "the issuer refused a late redelivery")
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "a late redelivery must still be acknowledged")
		Expect(steps.Applied(events())).To(Equal(1), "a late redelivery of an old notification was applied again")
		Expect(mc.State(ctx, k)).NotTo(Equal(client.StateSuspended), "a late redelivery of an old notification was applied again")
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
		taken := mc.Events(ctx, func(ev client.NetworkEvent) bool { return strings.Contains(ev.ID, requestID) })
		Expect(taken).To(HaveLen(1), "the genuine redelivery was not taken")
		Expect(taken[0].Duplicate).To(BeFalse(), "the genuine redelivery was dropped as a duplicate of the refused delivery")
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
			if strings.Contains(e.RequestPlain, `"`+pan.Mask(stranger)+`"`) {
				Expect(answer(e.ResponseBody)).To(HaveKeyWithValue("decision", "DECLINED"), "the issuer approved a card it never enrolled")
				decided = true
			}
		}
		Expect(decided).To(BeTrue(), "Mastercard never asked the issuer about the card")
		Expect(mc.Profile(ctx, c).Enrolled).To(BeFalse(), "a declined card was enrolled")
	})
})
