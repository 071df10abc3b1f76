// Package common holds the scenarios for requirements that hold on every
// network (C2P-...): they run once per network under test.
package common

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

var seq atomic.Int64

func consumer(network string) client.Consumer {
	return client.Consumer{Ref: fmt.Sprintf("c2p-%s-p%d-%d", network, GinkgoParallelProcess(), seq.Add(1)), FirstName: "Grace", LastName: "Hopper",
		Emails: []string{"grace@example.com"}, Phones: []string{"12025550143"}, Locale: "en-US", Country: "USA"}
}

func card(c client.Consumer, network, ref, number string) conformance.CardJSON {
	return conformance.CardJSON{Ref: c.Ref + "-" + ref, PAN: number, Expiry: "2031-02", NameOnCard: "Grace Hopper", Network: client.Network(network),
		BillingAddress: client.Address{Line1: "1 Navy Way", City: "Arlington", PostalCode: "22201", State: "VA", Country: "USA"}}
}

// deleteAfter deletes, once the scenario is over, a sample card it
// enrolled: a network that allows one live enrolment per card number
// (American Express) would refuse the next scenario's enrolment of the same
// sample card.
func deleteAfter(t *conformance.Target, corr, consumerRef, cardRef string) {
	DeferCleanup(func(ctx context.Context) {
		if del, err := t.Driver.CardAction(ctx, corr, "delete", consumerRef, cardRef, "CARDHOLDER_REQUEST"); err == nil {
			_, _ = t.Driver.Wait(ctx, corr, del, "20s")
		}
	}, NodeTimeout(30*time.Second))
}

var _ = Describe("Every network", func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("keeps full card numbers out of every answer, log and journal", conformance.Req(req.C2PSec10), func() {
		t := conformance.Current()
		for _, n := range t.Networks {
			cards := conformance.SampleCards(n)
			if len(cards) == 0 {
				continue
			}
			c := consumer(n)
			op, err := t.Driver.Enrol(ctx, "sec10", c, card(c, n, "k1", cards[0]), false)
			Expect(err).NotTo(HaveOccurred())
			done, err := t.Driver.Wait(ctx, "sec10", op, "20s")
			Expect(err).NotTo(HaveOccurred())
			deleteAfter(t, "sec10", c.Ref, c.Ref+"-k1")
			p, err := t.Driver.Profile(ctx, "sec10", client.Network(n), c.Ref)
			Expect(err).NotTo(HaveOccurred())
			enrolments, _ := t.Driver.Enrolments(ctx)
			events, _ := t.Driver.Events(ctx)
			journal, err := t.Control.Journal(ctx, journalQuery(n))
			Expect(err).NotTo(HaveOccurred())
			everything, _ := json.Marshal([]any{op, done, p, enrolments, events, journal})
			Expect(string(everything)).NotTo(ContainSubstring(cards[0]), "a full card number appeared in %s's answers or journal", n)
			Expect(done.CorrelationID).NotTo(ContainSubstring(cards[0][6:12]), "correlation IDs must not derive from the card number")
		}
	})

	It("remembers an opt-out and never re-enrols that card automatically", conformance.Req(req.C2PLcm08), func() {
		t := conformance.Current()
		for _, n := range t.Networks {
			cards := conformance.SampleCards(n)
			if len(cards) == 0 {
				continue
			}
			c := consumer(n)
			op, err := t.Driver.Enrol(ctx, "", c, card(c, n, "k1", cards[0]), false)
			Expect(err).NotTo(HaveOccurred())
			_, err = t.Driver.Wait(ctx, "", op, "20s")
			Expect(err).NotTo(HaveOccurred())
			op, err = t.Driver.CardAction(ctx, "", "delete", c.Ref, c.Ref+"-k1", "CARDHOLDER_REQUEST")
			Expect(err).NotTo(HaveOccurred())
			_, err = t.Driver.Wait(ctx, "", op, "20s")
			Expect(err).NotTo(HaveOccurred())
			_, err = t.Driver.Enrol(ctx, "", c, card(c, n, "k1", cards[0]), true)
			var de *conformance.DriverError
			Expect(errors.As(err, &de)).To(BeTrue(), "an opted-out card was re-enrolled automatically on %s", n)
			Expect(de.Status).To(Equal(422))
		}
	})

	It("classifies refusals: terminal ones are not retried", conformance.Req(req.C2PErr01, req.C2PErr02), func() {
		t := conformance.Current()
		for _, n := range t.Networks {
			c := consumer(n)
			bad := card(c, n, "k1", "4000000000020034")
			if n != "visa" {
				continue // the refusal card is network-specific; each network's suite covers its own
			}
			_, err := t.Driver.Enrol(ctx, "", c, bad, false)
			var de *conformance.DriverError
			Expect(errors.As(err, &de)).To(BeTrue())
			Expect(de.Retryable).To(BeFalse())
			es, err := t.Control.Journal(ctx, journalQuery(n))
			Expect(err).NotTo(HaveOccurred())
			count := 0
			for _, e := range es {
				if strings.Contains(strings.Join(e.CorrelationIDs, " "), c.Ref) {
					count++
				}
			}
			Expect(count).To(Equal(1), "a terminal refusal was retried")
		}
	})

	It("tolerates fields it does not know in every network's answers", conformance.Req(req.C2PErr04), func() {
		t := conformance.Current()
		sent := 0
		for _, n := range t.Networks {
			cards := conformance.SampleCards(n)
			if len(cards) == 0 {
				continue
			}
			c := consumer(n)
			op, err := t.Driver.Enrol(ctx, "err04", c, card(c, n, "k1", cards[0]), false)
			Expect(err).NotTo(HaveOccurred(), "%s: an answer carrying an undeclared field broke the issuer", n)
			deleteAfter(t, "err04", c.Ref, c.Ref+"-k1")
			done, err := t.Driver.Wait(ctx, "err04", op, "20s")
			Expect(err).NotTo(HaveOccurred())
			Expect(done.Status).To(Equal(client.Succeeded), "%s", n)
			_, err = t.Driver.Profile(ctx, "err04", client.Network(n), c.Ref)
			Expect(err).NotTo(HaveOccurred(), "%s: a profile answer carrying an undeclared field broke the issuer", n)
			es, err := t.Control.Journal(ctx, journalQuery(n))
			Expect(err).NotTo(HaveOccurred())
			for _, e := range es {
				if strings.Contains(e.ResponseBody+e.ResponsePlain, "c2psimFutureField") {
					sent++
					break
				}
			}
		}
		if sent == 0 {
			Skip("every network runs with unknownFields=false: nothing unknown was sent")
		}
	})

	It("retries a refused enrolment with bounded, growing backoff on every network", conformance.Req(req.C2PErr03), func() {
		t := conformance.Current()
		for _, n := range t.Networks {
			cards := conformance.SampleCards(n)
			if len(cards) == 0 {
				continue
			}
			masked := pan.Mask(cards[0])
			last, err := t.Control.Journal(ctx, journal.Query{Network: n, Limit: 1})
			Expect(err).NotTo(HaveOccurred())
			var mark uint64
			if len(last) == 1 {
				mark = last[0].Seq
			}
			_, err = t.Control.AddFault(ctx, fault.Rule{Network: n, Card: masked, Status: 503, Times: 2})
			Expect(err).NotTo(HaveOccurred(), "%s", n)
			c := consumer(n)
			op, err := t.Driver.Enrol(ctx, "err03", c, card(c, n, "k1", cards[0]), false)
			Expect(err).NotTo(HaveOccurred(), "%s: two 503s must be retried", n)
			deleteAfter(t, "err03", c.Ref, c.Ref+"-k1")
			_, err = t.Driver.Wait(ctx, "err03", op, "20s")
			Expect(err).NotTo(HaveOccurred())
			es, err := t.Control.Journal(ctx, journal.Query{Network: n, AfterSeq: mark, Direction: journal.Inbound})
			Expect(err).NotTo(HaveOccurred())
			var attempts []journal.Entry
			for i := len(es) - 1; i >= 0; i-- { // oldest first
				e := es[i]
				if slices.Contains(e.Cards, masked) && (len(attempts) == 0 || e.OperationID == attempts[0].OperationID) {
					attempts = append(attempts, e)
				}
			}
			Expect(len(attempts)).To(BeNumerically(">=", 3), "%s: two refused attempts, then the accepted one", n)
			Expect(attempts[0].Fault).NotTo(BeEmpty(), "%s", n)
			Expect(attempts[1].Fault).NotTo(BeEmpty(), "%s", n)
			first, second := attempts[1].Time.Sub(attempts[0].Time), attempts[2].Time.Sub(attempts[1].Time)
			Expect(second).To(BeNumerically(">", first), "%s: retries did not back off (%s then %s)", n, first, second)
			Expect(second).To(BeNumerically("<", 30*time.Second), "%s: backoff is not bounded", n)
		}
	})

	It("retries an enrolment whose answer was lost without enrolling twice, on every network", conformance.Req(req.C2PIdm04), func() {
		t := conformance.Current()
		played := 0
		for _, n := range t.Networks {
			lost := conformance.OutcomeCard(n, conformance.OutcomeAnswerLost)
			if lost == "" {
				continue
			}
			played++
			c := consumer(n)
			op, err := t.Driver.Enrol(ctx, "idm04", c, card(c, n, "k1", lost), false)
			Expect(err).NotTo(HaveOccurred(), "%s: the issuer gave up after a lost answer", n)
			deleteAfter(t, "idm04", c.Ref, c.Ref+"-k1")
			done, err := t.Driver.Wait(ctx, "idm04", op, "20s")
			Expect(err).NotTo(HaveOccurred())
			Expect(done.Status).To(Equal(client.Succeeded), "%s", n)
			p, err := t.Driver.Profile(ctx, "idm04", client.Network(n), c.Ref)
			Expect(err).NotTo(HaveOccurred())
			Expect(p.Cards).To(HaveLen(1), "%s: the card was enrolled more than once", n)
		}
		if played == 0 {
			Skip("no network under test names an answer-lost test card")
		}
	})
})
