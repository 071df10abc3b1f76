package amex

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/journal"
)

// networkChanges makes the network change a token's status on its own
// (suspected fraud, review cleared, Card Member removal) and notify the
// issuer; it returns the trigger's report (notification_id, attempts, the
// final delivery's status).
func networkChanges(ctx context.Context, p map[string]any) map[string]any {
	res, err := conformance.Current().Control.Trigger(ctx, "amex", "tokenStatusChange", p)
	Expect(err).NotTo(HaveOccurred(), "the issuer did not accept the token status notification")
	Expect(res["status"]).To(And(BeNumerically(">=", 200), BeNumerically("<", 300)))
	return res
}

// eventsFor are the issuer's recorded deliveries of one notification.
func eventsFor(ctx context.Context, notificationID any) []client.NetworkEvent {
	evs, err := conformance.Current().Driver.Events(ctx)
	Expect(err).NotTo(HaveOccurred())
	var out []client.NetworkEvent
	for _, ev := range evs {
		if ev.Network == client.Amex && ev.ID == notificationID {
			out = append(out, ev)
		}
	}
	return out
}

func applied(evs []client.NetworkEvent) int {
	n := 0
	for _, ev := range evs {
		if !ev.Duplicate {
			n++
		}
	}
	return n
}

var _ = Describe("American Express token status notifications", Label("amex", "callbacks"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("applies the token status changes the network notifies to the issuer's record", conformance.Req(req.AXLcm12), func() {
		c := consumer()
		k := card(c, "k1", freshCard())
		tok := enrolled(ctx, c, k).TokenRef
		state := func() client.State { return stateOf(ctx, k.Ref) }
		networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED"})
		Eventually(state).WithContext(ctx).Should(Equal(client.StateSuspended))
		networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "ACTIVE"})
		Eventually(state).WithContext(ctx).Should(Equal(client.StateActive))
		networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "DELETED", "initiator": "CARD_MEMBER", "reason": "CARDHOLDER_REQUEST"})
		Eventually(state).WithContext(ctx).Should(Equal(client.StateOptedOut))
	})

	It("acknowledges a redelivered notification and applies it once", conformance.Req(req.AXNtf05), func() {
		c := consumer()
		k := card(c, "k1", freshCard())
		tok := enrolled(ctx, c, k).TokenRef
		first := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED"})
		Eventually(func() client.State { return stateOf(ctx, k.Ref) }).WithContext(ctx).Should(Equal(client.StateSuspended))
		// The same notification again (same notification_id and
		// x-amex-request-id), as a network retry after a lost answer.
		again := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED",
			"notification_id": first["notification_id"], "previous_status": "ACTIVE"})
		Expect(again["notification_id"]).To(Equal(first["notification_id"]))
		evs := eventsFor(ctx, first["notification_id"])
		Expect(evs).To(HaveLen(2), "both deliveries should be recorded")
		Expect(applied(evs)).To(Equal(1), "the same notification was applied twice")
		Expect(stateOf(ctx, k.Ref)).To(Equal(client.StateSuspended))
	})

	It("refuses a delivery whose MAC does not verify and converges on the redelivery", conformance.Req(req.AXNtf06, req.AXSec07), func() {
		c := consumer()
		k := card(c, "k1", freshCard())
		tok := enrolled(ctx, c, k).TokenRef
		res := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED", "glitch": true})
		Expect(res["attempts"]).To(BeNumerically("==", 2), "the spoilt first delivery should be refused and redelivered")
		Eventually(func() client.State { return stateOf(ctx, k.Ref) }).WithContext(ctx).Should(Equal(client.StateSuspended))
		attempts, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "amex", OperationID: "notifyTokenStatus",
			Direction: journal.Outbound, CorrelationID: res["notification_id"].(string)})
		Expect(err).NotTo(HaveOccurred())
		Expect(attempts).To(HaveLen(2))
		Expect(attempts).To(ContainElement(HaveField("Status", 401)), "the issuer accepted a notification whose MAC does not verify")
		Expect(applied(eventsFor(ctx, res["notification_id"]))).To(Equal(1))
	})
})
