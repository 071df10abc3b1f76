package amex

import (
	"context"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

// networkChanges makes the network change a token's status on its own
// (suspected fraud, review cleared, Card Member removal) and notify the
// issuer; it returns the trigger's report (notification_id, attempts, the
// final delivery's status).
func networkChanges(ctx context.Context, p map[string]any) map[string]any {
	GinkgoHelper()
	res, err := ax.Trigger(ctx, "tokenStatusChange", p)
	Expect(err).NotTo(HaveOccurred(), "the issuer did not accept the token status notification")
	Expect(res["status"]).To(And(BeNumerically(">=", 200), BeNumerically("<", 300)), "the notification was not acknowledged")
	return res
}

// eventsFor are the issuer's recorded deliveries of one notification.
func eventsFor(ctx context.Context, notificationID any) []client.NetworkEvent {
	GinkgoHelper()
	id, _ := notificationID.(string)
	return ax.Events(ctx, func(ev client.NetworkEvent) bool { return id != "" && strings.Contains(ev.ID, id) })
}

var _ = Describe("American Express token status notifications", Label("amex", "callbacks"), func() {
	It("applies the token status changes the network notifies to the issuer's record", ax.Case("status-change-applied", req.C2PLcm12), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		state := func() client.State { return ax.State(ctx, k) }
		networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED"})
		Eventually(state).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateSuspended), "the notified SUSPENDED was not applied")
		networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "ACTIVE"})
		Eventually(state).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateActive), "the notified ACTIVE was not applied")
		networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "DELETED", "initiator": "CARD_MEMBER", "reason": "CARDHOLDER_REQUEST"})
		Eventually(state).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateOptedOut), "the notified DELETED did not end the enrolment")
	})

	It("acknowledges a redelivered notification and applies it once", ax.Case("redelivery-applied-once", req.C2PNtf05), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		first := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED"})
		Expect(eventsFor(ctx, first["notification_id"])).To(HaveLen(1), "the notification was not recorded under its notification_id")
		// The same notification again (same notification_id and
		// x-amex-request-id), as a network retry after a lost answer.
		again := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED",
			"notification_id": first["notification_id"], "previous_status": "ACTIVE"})
		Expect(again["notification_id"]).To(Equal(first["notification_id"]), "the redelivery carries the same notification_id")
		evs := eventsFor(ctx, first["notification_id"])
		Expect(evs).To(HaveLen(2), "both deliveries should be recorded")
		Expect(steps.Applied(evs)).To(Equal(1), "the same notification was applied twice")
	})

	It("converges on the redelivery after a refused first delivery", ax.Case("redelivery-converges", req.C2PNtf06), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		res := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED", "glitch": true})
		Expect(steps.Applied(eventsFor(ctx, res["notification_id"]))).To(Equal(1), "the issuer did not converge on taking the notification once")
	})

	It("refuses a delivery whose MAC does not verify, without applying it", ax.Case("bad-mac-refused", req.C2PSec11), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		res := networkChanges(ctx, map[string]any{"token_ref_id": tok, "status": "SUSPENDED", "glitch": true})
		id, _ := res["notification_id"].(string)
		attempts := ax.Correlated(ctx, "notifyTokenStatus", journal.Outbound, id)
		Expect(attempts).NotTo(BeEmpty(), "the notification was not delivered")
		Expect(attempts[0].Status).To(Equal(http.StatusUnauthorized), "the issuer accepted a notification whose MAC does not verify (answered %d)", attempts[0].Status)
		Expect(eventsFor(ctx, id)).To(HaveLen(len(attempts)-1), "the issuer recorded the delivery it should have refused")
	})
})
