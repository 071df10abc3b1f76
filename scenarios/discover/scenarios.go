package discover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

const (
	sampleCard     = "6445644564456445"
	secondCard     = "6011000000000012"
	ineligibleCard = "6011000000002034" // 422 code 2003
	answerLostCard = "6011000000005037" // accepted and processed, but the first answer is a 503
)

var seq atomic.Int64

func consumer() client.Consumer {
	return client.Consumer{Ref: fmt.Sprintf("ds-p%d-c%d", GinkgoParallelProcess(), seq.Add(1)), FirstName: "Grace", LastName: "Hopper",
		Emails: []string{"grace@example.com"}, Phones: []string{"12025550143"}, Locale: "en-US", Country: "USA"}
}

func card(c client.Consumer, ref, number string) conformance.CardJSON {
	return conformance.CardJSON{Ref: c.Ref + "-" + ref, PAN: number, Expiry: "2031-02", NameOnCard: "Grace Hopper", Network: client.Discover,
		BillingAddress: client.Address{Line1: "1 Navy Way", City: "Arlington", PostalCode: "22201", State: "VA", Country: "USA"}}
}

func enrolled(ctx context.Context, c client.Consumer, k conformance.CardJSON) *client.Operation {
	d := conformance.Current().Driver
	op, err := d.Enrol(ctx, "", c, k, false)
	Expect(err).NotTo(HaveOccurred(), "enrolling %s", k.Ref)
	return waited(ctx, op)
}

func waited(ctx context.Context, op *client.Operation) *client.Operation {
	done, err := conformance.Current().Driver.Wait(ctx, "", op, "20s")
	Expect(err).NotTo(HaveOccurred())
	return done
}

// exchanges are the simulator's journal entries for one consumer, oldest first.
func exchanges(ctx context.Context, c client.Consumer, op string) []journal.Entry {
	es, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "discover", OperationID: op, CorrelationID: c.Ref})
	Expect(err).NotTo(HaveOccurred())
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

var _ = Describe("Discover Click to Pay", Label("discover"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("enrols a consumer with complete data and the card encrypted", conformance.Req(req.DSEnr01, req.DSEnr02, req.DSEnr03), func() {
		c := consumer()
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		es := exchanges(ctx, c, "enrolConsumer")
		Expect(es).To(HaveLen(1))
		var body map[string]map[string]any
		Expect(json.Unmarshal([]byte(es[0].RequestBody), &body)).To(Succeed())
		for _, f := range []string{"consumerId", "firstName", "lastName", "email", "phone", "locale", "country"} {
			Expect(body["consumer"]).To(HaveKey(f))
		}
		Expect(body["card"]["encryptedCard"]).To(MatchRegexp(`^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$`), "card data must travel as a JWE")
		var plain map[string]any
		Expect(json.Unmarshal([]byte(es[0].RequestPlain), &plain)).To(Succeed(), "the simulator could not decrypt the card")
		for _, f := range []string{"pan", "nameOnCard", "billingAddress"} {
			Expect(plain).To(HaveKey(f))
		}
	})

	It("reuses its access token across calls", conformance.Req(req.DSSec08), func() {
		before, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "discover", OperationID: "getToken"})
		Expect(err).NotTo(HaveOccurred())
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		enrolled(ctx, c, card(c, "k2", secondCard))
		_, err = conformance.Current().Driver.Profile(ctx, "", client.Discover, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		after, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "discover", OperationID: "getToken"})
		Expect(err).NotTo(HaveOccurred())
		Expect(len(after)-len(before)).To(BeNumerically("<=", 1), "a token was fetched per call")
		calls := exchanges(ctx, c, "")
		Expect(len(calls)).To(BeNumerically(">=", 3))
		tokens := map[string]bool{}
		for _, e := range calls {
			tokens[e.Notes["token"]] = true
		}
		Expect(tokens).To(HaveLen(1), "calls used several tokens: %v", tokens)
	})

	It("surfaces an ineligible card as terminal and does not retry it", conformance.Req(req.DSEnr09, req.DSErr01, req.DSErr02), func() {
		c := consumer()
		_, err := conformance.Current().Driver.Enrol(ctx, "", c, card(c, "k1", ineligibleCard), false)
		var de *conformance.DriverError
		Expect(errors.As(err, &de)).To(BeTrue(), "expected a refusal, got %v", err)
		Expect(de.NetworkCode).To(Equal("2003"))
		Expect(de.Retryable).To(BeFalse())
		Expect(exchanges(ctx, c, "enrolConsumer")).To(HaveLen(1), "a terminal error was retried")
	})

	It("tolerates fields it does not know in Discover's answers", conformance.Req(req.DSErr04), func() {
		c := consumer()
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		_, err := conformance.Current().Driver.Profile(ctx, "", client.Discover, c.Ref)
		Expect(err).NotTo(HaveOccurred(), "a profile answer carrying an undeclared field broke the issuer")
		es := exchanges(ctx, c, "")
		Expect(es).NotTo(BeEmpty())
		if !strings.Contains(es[0].ResponseBody, "c2psimFutureField") {
			Skip("the simulator runs with discover.unknownFields=false: nothing unknown was sent")
		}
	})

	It("retries an enrolment whose answer was lost without enrolling the card twice", conformance.Req(req.DSIdm04), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", answerLostCard))
		Expect(done.Status).To(Equal(client.Succeeded), "the card is enrolled; the issuer must find that out after the lost answer")
		sent := exchanges(ctx, c, "enrolConsumer")
		Expect(sent).NotTo(BeEmpty())
		Expect(sent[0].Status).To(Equal(http.StatusServiceUnavailable))
		for _, e := range sent[1:] {
			Expect(e.Status).NotTo(Equal(http.StatusAccepted), "the consumer was enrolled a second time")
		}
		Expect(exchanges(ctx, c, "addCard")).To(BeEmpty(), "the card was added a second time")
		p, err := conformance.Current().Driver.Profile(ctx, "", client.Discover, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Cards).To(HaveLen(1))
	})

	It("retries a service error and then succeeds", conformance.Req(req.DSErr01), func() {
		c := consumer()
		_, err := conformance.Current().Control.AddFault(ctx, fault.Rule{Network: "discover", Operation: "enrolConsumer", Status: 503, Code: "5000", Times: 1})
		Expect(err).NotTo(HaveOccurred())
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, c, "enrolConsumer")).To(HaveLen(2))
	})

	It("suspends and resumes a card, then deletes it while keeping the other", conformance.Req(req.DSLcm05, req.DSLcm03), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		enrolled(ctx, c, card(c, "k2", secondCard))
		d := conformance.Current().Driver
		for _, action := range []string{"suspend", "resume", "delete"} {
			op, err := d.CardAction(ctx, "", action, c.Ref, c.Ref+"-k1", "LOST")
			Expect(err).NotTo(HaveOccurred(), action)
			Expect(waited(ctx, op).Status).To(Equal(client.Succeeded), action)
		}
		p, err := d.Profile(ctx, "", client.Discover, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Cards).To(HaveLen(1))
		Expect(p.Cards[0].Last4).To(Equal(secondCard[12:]))
		Expect(exchanges(ctx, c, "cardStatus")).To(HaveLen(2))
	})
})
