// Package common holds the scenarios of rules several networks share
// (C2P-...) whose check is the same on each: they are built once per
// registered network, so every network a requirement applies to gets its
// own cases and its own verdict.
package common

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// Backoff judgement over three retries, on the issuer's idle time between
// an answer and its next attempt (the network's own processing left out),
// the shorter of two runs at each position: each wait must be longer than
// the one before, the third at least doubling the first, and none above
// bound. A policy that doubles its
// delay passes even jittered by ±20% with 80 ms of overhead per request
// (the third wait is then at least 2.2 times the first); a constant policy,
// even jittered by ±20%, never reaches a doubling (1.5 at most), nor does a
// shrinking one: no wrong issuer passes by chance.
const (
	growth = 2.0
	bound  = 30 * time.Second
)

var _ = Describe("Every network", func() {
	for _, net := range conformance.Networks() {
		n := steps.On(net.ID)
		Context(string(net.ID), func() {
			shared(n, net)
		})
	}
})

func shared(n *steps.Net, net conformance.Network) {
	// enrolAttempts are the requests that carried card number number on the
	// enrolment operation, oldest first.
	enrolAttempts := func(ctx context.Context, mark uint64, number string) []journal.Entry {
		GinkgoHelper()
		var out []journal.Entry
		for _, e := range n.CardExchanges(ctx, number, net.EnrolOperation) {
			if e.Seq > mark {
				out = append(out, e)
			}
		}
		return out
	}

	It("keeps full card numbers out of the issuer's answers and the exchanges", n.Case("no-clear-card-number", req.C2PSec10), func(ctx SpecContext) {
		c := n.Consumer()
		k := n.NewCard(ctx, c, "k1")
		logs, logged := n.LogsMark(ctx)
		op, err := n.Enrol(ctx, c, k)
		Expect(err).NotTo(HaveOccurred(), "enrolling a card")
		done := n.Wait(ctx, op)
		p := n.Profile(ctx, c)
		enrolments, err := n.Driver().Enrolments(ctx)
		Expect(err).NotTo(HaveOccurred(), "listing the issuer's enrolments")
		events, err := n.Driver().Events(ctx)
		Expect(err).NotTo(HaveOccurred(), "listing the network calls the issuer received")
		answers, _ := json.Marshal([]any{op, done, p, enrolments, events})
		Expect(string(answers)).NotTo(ContainSubstring(k.PAN), "a full card number appeared in the issuer's driver answers")
		calls := n.Exchanges(ctx, c, "")
		exchanges, _ := json.Marshal(calls)
		Expect(string(exchanges)).NotTo(ContainSubstring(k.PAN), "a full card number appeared in the journal of the issuer's calls")
		// The simulator looked at what the issuer sent before masking it: a
		// card number in clear outside the fields that may carry one (a
		// header, the URL, a clear body field) is its cardData finding.
		for _, e := range calls {
			if e.CardData != nil {
				Fail(fmt.Sprintf("%s %s (journal entry %d) sent a full card number in clear: %s", e.Method, e.OperationID, e.Seq, strings.Join(e.CardData.Issues, "; ")))
			}
		}
		for _, f := range n.Findings(ctx) {
			Fail(fmt.Sprintf("the issuer sent a full card number in clear in %s of %s (journal entry %d): %s", f.Where, f.OperationID, f.Seq, f.Card))
		}
		if logged {
			for _, l := range n.LogsSince(ctx, logs) {
				Expect(l.Text).NotTo(ContainSubstring(k.PAN), "the issuer logged the full card number (line %d: %s)", l.N, pan.RedactText(l.Text))
			}
		}
		for _, id := range []string{op.ID, op.CorrelationID, done.ID, done.CorrelationID, op.NetworkIDs.Consumer, op.NetworkIDs.Card} {
			Expect(id).NotTo(ContainSubstring(k.PAN[6:12]), "an identifier derives from the card number: %q", pan.RedactText(id))
		}
	})

	It("remembers an opt-out and never re-enrols that card automatically", n.Case("opt-out-remembered", req.C2PLcm08), func(ctx SpecContext) {
		c := n.Consumer()
		k := n.NewCard(ctx, c, "k1")
		n.Enrolled(ctx, c, k)
		_, err := n.Act(ctx, "delete", c, k, "CARDHOLDER_REQUEST")
		Expect(err).NotTo(HaveOccurred(), "opting the card out")
		mark := n.Mark(ctx)
		_, err = n.AutoEnrol(ctx, c, k)
		de := steps.Refusal(err)
		Expect(de.Status).To(Equal(http.StatusUnprocessableEntity), "an automatic enrolment of an opted-out card must be refused by the issuer")
		Expect(enrolAttempts(ctx, mark, k.PAN)).To(BeEmpty(), "the opted-out card was sent to the network again")
	})

	It("retries a server error and then succeeds", n.Case("server-error-retried", req.C2PErr01), func(ctx SpecContext) {
		c := n.Consumer()
		k := n.NewCard(ctx, c, "k1")
		mark := n.Mark(ctx)
		n.Fault(ctx, fault.Rule{Operation: net.EnrolOperation, Card: pan.Mask(k.PAN), Status: net.ServerError.Status, Code: net.ServerError.Code, Times: 1})
		n.Enrolled(ctx, c, k)
		attempts := enrolAttempts(ctx, mark, k.PAN)
		Expect(attempts).To(HaveLen(2), "a %d %s must be retried once", net.ServerError.Status, net.ServerError.Code)
		Expect(attempts[0].Fault).NotTo(BeEmpty(), "the first attempt should have met the fault")
	})

	It("surfaces a validation refusal as terminal and does not send it again", n.Case("terminal-refusal", req.C2PErr01, req.C2PErr02), func(ctx SpecContext) {
		c := n.Consumer()
		k := n.NewCard(ctx, c, "k1")
		mark := n.Mark(ctx)
		n.Fault(ctx, fault.Rule{Operation: net.EnrolOperation, Card: pan.Mask(k.PAN), Status: net.Validation.Status, Code: net.Validation.Code})
		_, err := n.Enrol(ctx, c, k)
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal(net.Validation.Code), "the issuer must read the network's code from its error envelope")
		Expect(de.HTTPStatus).To(Equal(net.Validation.Status), "the issuer must report the network's status")
		Expect(de.Retryable).To(BeFalse(), "a %d %s is terminal", net.Validation.Status, net.Validation.Code)
		Expect(enrolAttempts(ctx, mark, k.PAN)).To(HaveLen(1), "a terminal refusal was sent again")
	})

	It("backs off between retries, each wait longer than the last and bounded", n.Case("backoff-grows", req.C2PErr03), func(ctx SpecContext) {
		// Three refusals in a row, twice over (two cards): a machine's
		// stalls only ever lengthen a wait, so the shorter of each pair is
		// the nearer to the issuer's own policy.
		var waits []time.Duration
		for _, ref := range []string{"k1", "k2"} {
			c := n.Consumer()
			k := n.NewCard(ctx, c, ref)
			mark := n.Mark(ctx)
			n.Fault(ctx, fault.Rule{Operation: net.EnrolOperation, Card: pan.Mask(k.PAN), Status: net.ServerError.Status, Code: net.ServerError.Code, Times: 3})
			n.Enrolled(ctx, c, k)
			attempts := enrolAttempts(ctx, mark, k.PAN)
			Expect(len(attempts)).To(BeNumerically(">=", 4), "three refused attempts, then the accepted one")
			for i := 1; i < 4; i++ {
				answered := attempts[i-1].Time.Add(time.Duration(attempts[i-1].LatencyMillis * float64(time.Millisecond)))
				w := attempts[i].Time.Sub(answered)
				Expect(w).To(BeNumerically("<=", bound), "wait %d (%s) exceeds the %s bound", i, w, bound)
				if len(waits) < 3 {
					waits = append(waits, w)
				} else {
					waits[i-1] = min(waits[i-1], w)
				}
			}
		}
		for i := 1; i < 3; i++ {
			Expect(waits[i]).To(BeNumerically(">", waits[i-1]), "the waits between retries do not grow (%s): each must be longer than the one before", fmtWaits(waits))
		}
		Expect(float64(waits[2])).To(BeNumerically(">=", growth*float64(waits[0])),
			"the waits between retries do not back off (%s): the third must be at least %.0f times the first", fmtWaits(waits), growth)
	})

	It("tolerates fields it does not know in the network's answers", n.Case("unknown-fields-tolerated", req.C2PErr04), func(ctx SpecContext) {
		if on := n.Setting(ctx, "unknownFields"); on != "true" {
			Skip(fmt.Sprintf("setting off: %s.unknownFields=%s, so the network's answers carry no undeclared field", net.ID, on))
		}
		c := n.Consumer()
		k := n.NewCard(ctx, c, "k1")
		n.Enrolled(ctx, c, k)
		p := n.Profile(ctx, c)
		Expect(p.Cards).NotTo(BeEmpty(), "the profile read back lost the card")
		extra := 0
		for _, e := range n.Exchanges(ctx, c, "") {
			if strings.Contains(e.ResponseBody+e.ResponsePlain, simulator.UnknownField) {
				extra++
			}
		}
		Expect(extra).To(BeNumerically(">", 0), "no answer carried the undeclared field the simulator adds")
	})

	It("retries an enrolment whose answer was lost without enrolling twice", n.Case("answer-lost-once", req.C2PIdm04), func(ctx SpecContext) {
		c := n.Consumer()
		k := n.Card(c, "k1", n.TestCard(ctx, steps.AnswerLost))
		done := n.Enrolled(ctx, c, k)
		Expect(done.Status).To(Equal(client.Succeeded), "the card is enrolled; the issuer must find that out after the lost answer")
		p := n.Profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "the card was enrolled more than once")
	})
}

func fmtWaits(ws []time.Duration) string {
	var s []string
	for _, w := range ws {
		s = append(s, w.Round(time.Millisecond).String())
	}
	return strings.Join(s, " → ")
}
