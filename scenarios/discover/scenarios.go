// Package discover holds the Discover Click to Pay conformance scenarios.
package discover

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

var ds = steps.On(req.Discover)

// outcomeIneligible is Discover's test card refused at once with 400 code
// 10002, PAN ineligible (GET /_admin/networks).
const outcomeIneligible = "ineligible"

func decode(s, what string) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal([]byte(s), &m)).To(Succeed(), "%s is not JSON", what)
	return m
}

var _ = Describe("Discover Click to Pay", Label("discover"), func() {
	It("enrols a consumer with the consumer's data as given", ds.Case("consumer-data", req.C2PEnr01), func(ctx SpecContext) {
		c := ds.Consumer()
		ds.Enrolled(ctx, c, ds.NewCard(ctx, c, "k1"))
		es := ds.Exchanges(ctx, c, "enrolConsumer")
		Expect(es).To(HaveLen(1), "one enrolConsumer for one consumer")
		cons := steps.Object(decode(es[0].RequestBody, "the enrolConsumer body")["consumer"], "consumer")
		Expect(cons).To(HaveKeyWithValue("consumerId", ds.IDs(c).Consumer), "consumerId is the identifier the issuer reported")
		Expect(cons).To(HaveKeyWithValue("firstName", c.FirstName), "firstName must be the consumer's first name")
		Expect(cons).To(HaveKeyWithValue("lastName", c.LastName), "lastName must be the consumer's last name")
		Expect(cons).To(HaveKeyWithValue("email", c.Emails[0]), "email must be the consumer's")
		Expect(cons).To(HaveKey("phone"), "the consumer's phone is required")
		Expect(cons["phone"]).To(ContainSubstring(c.Phones[0][len(c.Phones[0])-7:]), "phone must be the consumer's")
		Expect(cons).To(HaveKeyWithValue("locale", c.Locale), "locale is ll-CC")
		Expect(cons).To(HaveKeyWithValue("country", c.Country), "country must be the consumer's")
	})

	It("enrols the card with its data as given, encrypted", ds.Case("card-data", req.C2PEnr02, req.C2PEnr03), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		es := ds.Exchanges(ctx, c, "enrolConsumer")
		Expect(es).To(HaveLen(1), "one enrolConsumer for one consumer")
		steps.Valid(es[0])
		body := decode(es[0].RequestBody, "the enrolConsumer body")
		card := steps.Object(body["card"], "card")
		Expect(card["encryptedCard"]).To(MatchRegexp(`^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$`), "card data must travel as a JWE")
		plain := decode(es[0].RequestPlain, "the decrypted card")
		Expect(plain).To(HaveKeyWithValue("pan", pan.Mask(k.PAN)), "the encrypted card must hold the card's number")
		Expect(plain).To(HaveKeyWithValue("nameOnCard", k.NameOnCard), "nameOnCard must be the card's")
		addr := steps.Object(plain["billingAddress"], "billingAddress")
		Expect(addr).To(HaveKeyWithValue("city", k.BillingAddress.City), "billingAddress must be the card's")
		Expect(string(mustJSON(plain))).NotTo(ContainSubstring(k.PAN), "the journal holds the full card number")
	})

	It("reuses its access token across calls", ds.Case("token-reused", req.DSSec08), func(ctx SpecContext) {
		mark := ds.Mark(ctx)
		c := ds.Consumer()
		ds.Enrolled(ctx, c, ds.NewCard(ctx, c, "k1"))
		ds.Enrolled(ctx, c, ds.NewCard(ctx, c, "k2"))
		ds.Profile(ctx, c)
		tokens := 0
		for _, e := range ds.Since(ctx, mark, journal.Inbound) {
			if e.OperationID == "getToken" {
				tokens++
			}
		}
		Expect(tokens).To(BeNumerically("<=", 1), "a token was fetched per call")
		calls := ds.Exchanges(ctx, c, "")
		Expect(len(calls)).To(BeNumerically(">=", 3), "two enrolments and a profile read")
		used := map[string]bool{}
		for _, e := range calls {
			used[e.Notes["token"]] = true
		}
		Expect(used).To(HaveLen(1), "the consumer's calls used several tokens: %v", used)
	})

	It("surfaces an ineligible card as terminal and does not retry it", ds.Case("ineligible-terminal", req.C2PEnr09, req.C2PErr02), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.Card(c, "k1", ds.TestCard(ctx, outcomeIneligible))
		_, err := ds.Enrol(ctx, c, k)
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal("10002"), "the issuer must report Discover's code")
		Expect(de.Retryable).To(BeFalse(), "code 10002 is terminal")
		Expect(ds.CardExchanges(ctx, k.PAN, "enrolConsumer")).To(HaveLen(1), "a terminal error was retried")
	})

	It("suspends and resumes a card, then unlinks it while keeping the other", ds.Case("suspend-resume-delete", req.C2PLcm05, req.C2PLcm03), func(ctx SpecContext) {
		c := ds.Consumer()
		k1, k2 := ds.NewCard(ctx, c, "k1"), ds.NewCard(ctx, c, "k2")
		ds.Enrolled(ctx, c, k1)
		ds.Enrolled(ctx, c, k2)
		for _, action := range []string{"suspend", "resume", "delete"} {
			op, err := ds.Act(ctx, action, c, k1, "LOST")
			Expect(err).NotTo(HaveOccurred(), "%s refused", action)
			Expect(op.Status).To(Equal(client.Succeeded), "%s did not succeed", action)
		}
		p := ds.Profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "deleting one card removed the other")
		Expect(p.Cards[0].Last4).To(Equal(k2.PAN[len(k2.PAN)-4:]), "the other card stays")
		var types []string
		for _, e := range ds.Exchanges(ctx, c, "updateTokenState") {
			types = append(types, decode(e.RequestBody, "the token-state body")["operationType"].(string))
		}
		Expect(types).To(Equal([]string{"Suspend", "Resume", "Unlink"}), "one Suspend, one Resume and one Unlink of the closed card's token")
	})
})

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
