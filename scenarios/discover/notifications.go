package discover

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

// networkChanges makes Discover change a card's token status and notify
// the issuer, naming the consumer and card by the identifiers the issuer
// uses at Discover.
func networkChanges(ctx context.Context, c client.Consumer, k conformance.CardJSON, status, eventID string, glitch bool) map[string]any {
	GinkgoHelper()
	p := map[string]any{"consumerId": ds.IDs(c).Consumer, "cardId": ds.CardIDs(c, k).Card, "status": status, "glitch": glitch}
	if eventID != "" {
		p["eventId"] = eventID
	}
	res, err := ds.Trigger(ctx, "tokenStatusChange", p)
	Expect(err).NotTo(HaveOccurred(), "the issuer did not accept the token event")
	return res
}

func eventsWithID(ctx context.Context, id string) []client.NetworkEvent {
	GinkgoHelper()
	return ds.Events(ctx, func(ev client.NetworkEvent) bool { return strings.Contains(ev.ID, id) })
}

var _ = Describe("Discover token lifecycle notifications", Label("discover"), func() {
	It("applies a token status the network changed to the issuer's record", ds.Case("status-change-applied", req.C2PLcm12), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		networkChanges(ctx, c, k, "SUSPENDED", "", false)
		Eventually(func() client.State { return ds.State(ctx, k) }).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateSuspended), "the notified SUSPENDED was not applied")
		networkChanges(ctx, c, k, "ACTIVE", "", false)
		Eventually(func() client.State { return ds.State(ctx, k) }).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateActive), "the notified ACTIVE was not applied")
	})

	It("does not apply a redelivered notification twice, even after a newer one", ds.Case("redelivery-applied-once", req.C2PNtf05), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		first := fmt.Sprintf("evt-%s-1", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", first, false)
		networkChanges(ctx, c, k, "ACTIVE", "", false)
		// The first event arrives again (a network retry): the card must stay ACTIVE.
		networkChanges(ctx, c, k, "SUSPENDED", first, false)
		Expect(ds.State(ctx, k)).To(Equal(client.StateActive), "a redelivered event was applied again")
		evs := eventsWithID(ctx, first)
		Expect(evs).To(HaveLen(2), "both deliveries are recorded")
		Expect(steps.Applied(evs)).To(Equal(1), "the same event was applied twice")
	})

	It("converges after a refused first delivery", ds.Case("redelivery-converges", req.C2PNtf06), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		id := fmt.Sprintf("evt-%s-r", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", id, true)
		Expect(steps.Applied(eventsWithID(ctx, id))).To(Equal(1), "the issuer did not converge on taking the event once")
	})

	It("refuses a token event whose signature does not verify, without applying it", ds.Case("bad-signature-refused", req.C2PSec11), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		id := fmt.Sprintf("evt-%s-s", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", id, true)
		attempts := ds.Correlated(ctx, "notifyTokenEvent", journal.Outbound, id)
		Expect(attempts).NotTo(BeEmpty(), "the event was not delivered")
		Expect(attempts[0].Status).To(BeNumerically(">=", 400), "the issuer accepted an event whose X-DFS-C-APP-JWT does not verify (answered %d)", attempts[0].Status)
		Expect(eventsWithID(ctx, id)).To(HaveLen(len(attempts)-1), "the issuer recorded the delivery it should have refused")
	})
})
