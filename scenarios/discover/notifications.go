package discover

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/journal"
)

// stateOf is the issuer's own view of a card's enrolment, through the driver.
func stateOf(ctx context.Context, cardRef string) client.State {
	es, err := conformance.Current().Driver.Enrolments(ctx)
	Expect(err).NotTo(HaveOccurred())
	for _, e := range es {
		if e.Network == client.Discover && e.CardRef == cardRef {
			return e.State
		}
	}
	return ""
}

func networkChanges(ctx context.Context, c client.Consumer, cardRef, status, eventID string, glitch bool) map[string]any {
	p := map[string]any{"consumerId": c.Ref, "cardId": cardRef, "status": status, "glitch": glitch}
	if eventID != "" {
		p["eventId"] = eventID
	}
	res, err := conformance.Current().Control.Trigger(ctx, "discover", "tokenStatusChange", p)
	Expect(err).NotTo(HaveOccurred(), "the issuer did not accept the token event")
	return res
}

var _ = Describe("Discover token lifecycle notifications", Label("discover"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("applies a token status the network changed to the issuer's record", conformance.Req(req.DSLcm12), func() {
		c := consumer()
		k := card(c, "k1", sampleCard)
		enrolled(ctx, c, k)
		networkChanges(ctx, c, k.Ref, "SUSPENDED", "", false)
		Eventually(func() client.State { return stateOf(ctx, k.Ref) }).WithContext(ctx).Should(Equal(client.StateSuspended))
		networkChanges(ctx, c, k.Ref, "ACTIVE", "", false)
		Eventually(func() client.State { return stateOf(ctx, k.Ref) }).WithContext(ctx).Should(Equal(client.StateActive))
	})

	It("does not apply a redelivered notification twice", conformance.Req(req.DSNtf05), func() {
		c := consumer()
		k := card(c, "k1", sampleCard)
		enrolled(ctx, c, k)
		first := fmt.Sprintf("evt-%s-1", c.Ref)
		networkChanges(ctx, c, k.Ref, "SUSPENDED", first, false)
		networkChanges(ctx, c, k.Ref, "ACTIVE", "", false)
		// The first event arrives again (a network retry): the card must stay ACTIVE.
		networkChanges(ctx, c, k.Ref, "SUSPENDED", first, false)
		Expect(stateOf(ctx, k.Ref)).To(Equal(client.StateActive), "a redelivered event was applied again")
		events, err := conformance.Current().Driver.Events(ctx)
		Expect(err).NotTo(HaveOccurred())
		dups := 0
		for _, e := range events {
			if e.ID == first && e.Duplicate {
				dups++
			}
		}
		Expect(dups).To(Equal(1))
	})

	It("converges after a refused first delivery", conformance.Req(req.DSNtf06), func() {
		c := consumer()
		k := card(c, "k1", sampleCard)
		enrolled(ctx, c, k)
		res := networkChanges(ctx, c, k.Ref, "SUSPENDED", "", true)
		Expect(res["attempts"]).To(BeNumerically("==", 2), "the spoilt first delivery should be refused and redelivered")
		Eventually(func() client.State { return stateOf(ctx, k.Ref) }).WithContext(ctx).Should(Equal(client.StateSuspended))
		attempts, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "discover", Direction: journal.Outbound, CorrelationID: c.Ref})
		Expect(err).NotTo(HaveOccurred())
		Expect(attempts).To(ContainElement(HaveField("Status", 401)), "the issuer accepted a notification whose signature does not verify")
	})
})
