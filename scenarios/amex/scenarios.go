// Package amex holds the American Express Click to Pay conformance
// scenarios.
package amex

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

var ax = steps.On(req.Amex)

// Outcomes of American Express's own test cards (GET /_admin/networks).
const (
	outcomeIneligible = "ineligible"
	outcomeDeclined   = "declined"
)

// enrolled enrols a card through the issuer and returns the outcome, which
// names the token.
func enrolled(ctx context.Context, c client.Consumer, k conformance.CardJSON) *conformance.Operation {
	GinkgoHelper()
	done := ax.Enrolled(ctx, c, k)
	Expect(done.TokenRef).NotTo(BeEmpty(), "the enrolment of %s names no token", k.Ref)
	return done
}

// calls are the simulator's inbound exchanges of one operation (every one
// when op is empty) correlated with any of ids (consumer_ref, token_ref_id,
// x-amex-request-id), oldest first.
func calls(ctx context.Context, op string, ids ...string) []journal.Entry {
	GinkgoHelper()
	return ax.Correlated(ctx, op, journal.Inbound, ids...)
}

func decode(s string) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal([]byte(s), &m)).To(Succeed(), "not JSON: %s", s)
	return m
}

func last4(k conformance.CardJSON) string { return k.PAN[len(k.PAN)-4:] }

var (
	compactJWE = regexp.MustCompile(`^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$`)
	guid       = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

var _ = Describe("American Express Click to Pay", Label("amex"), func() {
	It("enrols a Card Member with the Card Member's data as given", ax.Case("consumer-data", req.C2PEnr01), func(ctx SpecContext) {
		c := ax.Consumer(func(c *client.Consumer) { c.MiddleName = "Augusta" })
		enrolled(ctx, c, ax.NewCard(ctx, c, "k1"))
		es := calls(ctx, "enrolCard", ax.Key(c))
		Expect(es).To(HaveLen(1), "one provisioning request for one card")
		body := decode(es[0].RequestBody)
		Expect(body).To(HaveKeyWithValue("consumer_ref", ax.IDs(c).Consumer), "consumer_ref is the identifier the issuer reported")
		user := steps.Object(body["user_data"], "user_data")
		Expect(user).To(HaveKeyWithValue("name", c.FirstName+"|"+c.MiddleName+"|"+c.LastName), "user_data.name is first|middle|last as given")
		Expect(user).To(HaveKeyWithValue("email", c.Emails[0]), "user_data.email must be the Card Member's")
		Expect(user["phone"]).To(MatchRegexp(`^\+?`+c.Phones[0]+`$`), "user_data.phone is the Card Member's number with its country code")
		Expect(user).To(HaveKeyWithValue("country", c.Country), "user_data.country must be the Card Member's")
		Expect(user).To(HaveKey("locale"), "user_data.locale is required")
	})

	It("enrols the card with its data as given, as an A256KW/A128GCM JWE", ax.Case("card-data", req.C2PEnr02, req.C2PEnr03), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		enrolled(ctx, c, k)
		es := calls(ctx, "enrolCard", ax.Key(c))
		Expect(es).To(HaveLen(1), "one provisioning request for one card")
		steps.Valid(es[0])
		body := decode(es[0].RequestBody)
		Expect(body["risk_assessment_data"]).To(HaveKey("account_input_method"), "risk_assessment_data.account_input_method is required")
		enc, _ := body["account_data"].(string)
		Expect(enc).To(MatchRegexp(compactJWE.String()), "account_data must be a JWE compact string")
		Expect(es[0].RequestBody).NotTo(ContainSubstring(k.PAN), "the card number travelled in clear")
		protected, err := base64.RawURLEncoding.DecodeString(strings.Split(enc, ".")[0])
		Expect(err).NotTo(HaveOccurred(), "the JWE header is not base64url")
		hdr := decode(string(protected))
		Expect(hdr).To(HaveKeyWithValue("alg", "A256KW"), "the JWE alg")
		Expect(hdr).To(HaveKeyWithValue("enc", "A128GCM"), "the JWE enc")
		Expect(hdr).To(HaveKeyWithValue("kid", Not(BeEmpty())), "the JWE names its key")

		plain := decode(es[0].RequestPlain) // decrypted by the simulator, redacted
		Expect(plain).To(HaveKeyWithValue("account_type", "credit_card"), "account_type")
		cc := steps.Object(plain["credit_card"], "credit_card")
		Expect(cc).To(HaveKeyWithValue("account_number", pan.Mask(k.PAN)), "account_number must be the card's number")
		Expect(cc).To(HaveKeyWithValue("name_on_card", k.NameOnCard), "name_on_card must be the card's")
		for _, f := range []string{"expiry_month", "expiry_year"} {
			Expect(cc).To(HaveKey(f), "credit_card lacks %s", f)
		}
		addr := steps.Object(plain["billing_address"], "billing_address")
		Expect(addr).To(HaveKeyWithValue("address_line1", k.BillingAddress.Line1), "billing_address.address_line1 must be the card's")
		Expect(addr).To(HaveKeyWithValue("city", k.BillingAddress.City), "billing_address.city must be the card's")
		Expect(addr).To(HaveKeyWithValue("postal_code", k.BillingAddress.PostalCode), "billing_address.postal_code must be the card's")
		Expect(addr).To(HaveKeyWithValue("country", k.BillingAddress.Country), "billing_address.country must be the card's")
	})

	It("signs every call with a verified MAC header and a fresh x-amex-request-id", ax.Case("mac-signed-unique-ids", req.AXSec07, req.AXIdm03), func(ctx SpecContext) {
		c := ax.Consumer()
		k1, k2 := ax.NewCard(ctx, c, "k1"), ax.NewCard(ctx, c, "k2")
		t1, t2 := enrolled(ctx, c, k1).TokenRef, enrolled(ctx, c, k2).TokenRef
		_, err := ax.Act(ctx, "suspend", c, k1, "LOST")
		Expect(err).NotTo(HaveOccurred(), "suspending a card")
		_, err = ax.Act(ctx, "resume", c, k1, "FOUND")
		Expect(err).NotTo(HaveOccurred(), "resuming a card")
		ax.Profile(ctx, c)
		es := calls(ctx, "", ax.Key(c), t1, t2)
		Expect(len(es)).To(BeNumerically(">=", 5), "two enrolments, a suspend, a resume and a profile read")
		ids := map[string]string{}
		for _, e := range es {
			Expect(e.Auth).NotTo(BeNil(), "%s carried no verifiable credentials", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "%s was not authenticated: %s", e.OperationID, e.Auth.Reason)
			Expect(e.RequestHeader).To(HaveKeyWithValue("Authorization", HavePrefix("MAC ")), "%s is not MAC-signed", e.OperationID)
			Expect(e.RequestHeader).To(HaveKey("X-Amex-Api-Key"), "%s carries no x-amex-api-key", e.OperationID)
			Expect(e.RequestHeader).To(HaveKeyWithValue("X-Amex-Token-Requester-Id", MatchRegexp(`^[0-9]{11}$`)), "%s: x-amex-token-requester-id", e.OperationID)
			id := e.RequestHeader["X-Amex-Request-Id"]
			Expect(id).To(MatchRegexp(guid.String()), "%s: x-amex-request-id is not a GUID", e.OperationID)
			Expect(ids).NotTo(HaveKey(id), "%s reused the x-amex-request-id of %s", e.OperationID, ids[id])
			ids[id] = e.OperationID
			Expect(e.Notes).NotTo(HaveKey("idempotent-replay"), "%s was answered from a replay", e.OperationID)
		}
	})

	It("surfaces an ineligible, declined or expired card as terminal and does not retry it", ax.Case("ineligible-terminal", req.C2PEnr09, req.C2PErr02), func(ctx SpecContext) {
		for _, tc := range []struct {
			number, expiry, code string
			local                bool // the issuer may refuse it before calling American Express
		}{
			{ax.TestCard(ctx, outcomeIneligible), "2031-02", "CARD_INELIGIBLE", false},
			{ax.TestCard(ctx, outcomeDeclined), "2031-02", "CARD_DECLINED", false},
			{ax.FreshNumber(ctx), "2020-01", "CARD_INELIGIBLE", true},
		} {
			c := ax.Consumer()
			k := ax.Card(c, "k1", tc.number)
			k.Expiry = tc.expiry
			_, err := ax.Enrol(ctx, c, k)
			de := steps.Refusal(err)
			sent := ax.CardExchanges(ctx, k.PAN, "enrolCard")
			if tc.local {
				// An expired card: refused by American Express, or by the
				// issuer itself without a call; either way once at most.
				Expect(len(sent)).To(BeNumerically("<=", 1), "a terminal %s was sent again", tc.code)
			} else {
				Expect(sent).To(HaveLen(1), "a terminal %s was sent again", tc.code)
			}
			if len(sent) > 0 {
				Expect(de.NetworkCode).To(Equal(tc.code), "card %s", pan.Mask(tc.number))
			}
			Expect(de.Retryable).To(BeFalse(), "%s is terminal", tc.code)
			Expect(err.Error()).NotTo(ContainSubstring(tc.number), "the refusal shows the full card number")
			Expect(ax.Profile(ctx, c).Cards).To(BeEmpty(), "a refused card was enrolled")
		}
	})

	It("retries a service error with a new request", ax.Case("retry-new-request-id", req.AXIdm03), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		ax.Fault(ctx, fault.Rule{Operation: "enrolCard", Card: pan.Mask(k.PAN), Status: 503, Code: "SERVICE_UNAVAILABLE", Times: 1})
		enrolled(ctx, c, k)
		attempts := calls(ctx, "enrolCard", ax.Key(c))
		Expect(attempts).To(HaveLen(2), "the refused attempt, then the accepted one")
		Expect(attempts[0].Status).To(Equal(http.StatusServiceUnavailable), "the first attempt met the fault")
		Expect(attempts[1].Status).To(Equal(http.StatusOK), "the retry was accepted")
		Expect(attempts[1].RequestHeader["X-Amex-Request-Id"]).NotTo(Equal(attempts[0].RequestHeader["X-Amex-Request-Id"]),
			"a retry is a new request and needs its own x-amex-request-id")
	})

	It("suspends a lost card with its reason and resumes it when found, without deleting it", ax.Case("lost-card-suspended", req.C2PLcm04), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		op, err := ax.Act(ctx, "suspend", c, k, "LOST")
		Expect(err).NotTo(HaveOccurred(), "suspending the lost card")
		Expect(op.Status).To(Equal(client.Succeeded), "the suspension completes")
		Expect(ax.State(ctx, k)).To(Equal(client.StateSuspended), "the issuer's record is not suspended")
		_, err = ax.Act(ctx, "resume", c, k, "FOUND")
		Expect(err).NotTo(HaveOccurred(), "resuming the found card")
		Expect(ax.State(ctx, k)).To(Equal(client.StateActive), "the issuer's record is not active again")
		sent := calls(ctx, "notifyTokenLifecycle", tok)
		Expect(sent).To(HaveLen(2), "one suspend and one resume, nothing else")
		first, second := decode(sent[0].RequestBody), decode(sent[1].RequestBody)
		Expect(first).To(HaveKeyWithValue("notification_type", "suspend"), "the first lifecycle request suspends")
		Expect(first).To(HaveKeyWithValue("reason", "LOST"), "a suspension for a lost card says why")
		Expect(first).To(HaveKeyWithValue("token_ref_id", tok), "the suspension names the card's token")
		Expect(second).To(HaveKeyWithValue("notification_type", "resume"), "the second lifecycle request resumes")
		Expect(ax.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Status", "ACTIVE")), "American Express holds the token active")
	})

	It("suspends a temporarily blocked card and resumes it when unblocked, without deleting it", ax.Case("temporary-block", req.C2PLcm05), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		op, err := ax.Act(ctx, "suspend", c, k, "TEMPORARY_BLOCK")
		Expect(err).NotTo(HaveOccurred(), "suspending the blocked card")
		Expect(op.Status).To(Equal(client.Succeeded), "the suspension completes")
		Expect(ax.State(ctx, k)).To(Equal(client.StateSuspended), "the issuer's record is not suspended")
		Expect(ax.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Status", "SUSPENDED")), "a blocked card's token is suspended, not deleted")
		_, err = ax.Act(ctx, "resume", c, k, "")
		Expect(err).NotTo(HaveOccurred(), "resuming the unblocked card")
		Expect(ax.State(ctx, k)).To(Equal(client.StateActive), "the issuer's record is not active again")
		sent := calls(ctx, "notifyTokenLifecycle", tok)
		Expect(sent).To(HaveLen(2), "one suspend and one resume, nothing else")
		first, second := decode(sent[0].RequestBody), decode(sent[1].RequestBody)
		Expect(first).To(And(HaveKeyWithValue("notification_type", "suspend"), HaveKeyWithValue("token_ref_id", tok)), "the first lifecycle request suspends the card's token")
		Expect(first).To(HaveKeyWithValue("reason", "TEMPORARY_BLOCK"), "a suspension for a temporary block says why")
		Expect(second).To(HaveKeyWithValue("notification_type", "resume"), "the second lifecycle request resumes")
		Expect(ax.Profile(ctx, c).Cards).To(ConsistOf(And(HaveField("TokenRef", tok), HaveField("Status", "ACTIVE"))), "the same token is active again")
	})

	It("deletes a closed card's token and keeps the Card Member's other card", ax.Case("closed-card-deleted", req.C2PLcm03), func(ctx SpecContext) {
		c := ax.Consumer()
		k1, k2 := ax.NewCard(ctx, c, "k1"), ax.NewCard(ctx, c, "k2")
		tok := enrolled(ctx, c, k1).TokenRef
		enrolled(ctx, c, k2)
		_, err := ax.Act(ctx, "delete", c, k1, "ACCOUNT_CLOSED")
		Expect(err).NotTo(HaveOccurred(), "deleting the closed card")
		Expect(ax.State(ctx, k1)).To(Equal(client.StateOptedOut), "the issuer's record is not opted out")
		sent := calls(ctx, "notifyTokenLifecycle", tok)
		Expect(sent).To(HaveLen(1), "one lifecycle request for the closed card")
		Expect(decode(sent[0].RequestBody)).To(And(HaveKeyWithValue("notification_type", "delete"), HaveKeyWithValue("reason", "CARD_CLOSED")),
			"a closed card's token is deleted with American Express's CARD_CLOSED")
		p := ax.Profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "deleting one card removed the other")
		Expect(p.Cards[0].Last4).To(Equal(last4(k2)), "the other card stays")
	})

	It("deletes a stolen card's token with its reason and keeps the Card Member's other card", ax.Case("stolen-card-deleted", req.C2PLcm04), func(ctx SpecContext) {
		c := ax.Consumer()
		k1, k2 := ax.NewCard(ctx, c, "k1"), ax.NewCard(ctx, c, "k2")
		tok := enrolled(ctx, c, k1).TokenRef
		enrolled(ctx, c, k2)
		_, err := ax.Act(ctx, "delete", c, k1, "STOLEN")
		Expect(err).NotTo(HaveOccurred(), "deleting the stolen card")
		Expect(ax.State(ctx, k1)).To(Equal(client.StateOptedOut), "the issuer's record is not opted out")
		sent := calls(ctx, "notifyTokenLifecycle", tok)
		Expect(sent).To(HaveLen(1), "one lifecycle request for the stolen card")
		Expect(decode(sent[0].RequestBody)).To(And(HaveKeyWithValue("notification_type", "delete"), HaveKeyWithValue("reason", "STOLEN")), "the deletion says STOLEN")
		p := ax.Profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "deleting one card removed the other")
		Expect(p.Cards[0].Last4).To(Equal(last4(k2)), "the other card stays")
		Expect(calls(ctx, "enrolCard", ax.Key(c))).To(HaveLen(2), "the second card joins the profile: one enrolment per card")
	})

	It("reports an illegal token transition as terminal and does not retry it", ax.Case("illegal-transition-terminal", req.C2PErr02), func(ctx SpecContext) {
		c := ax.Consumer()
		k := ax.NewCard(ctx, c, "k1")
		tok := enrolled(ctx, c, k).TokenRef
		_, err := ax.Act(ctx, "resume", c, k, "")
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal("INVALID_STATE_TRANSITION"), "the issuer must report American Express's code")
		Expect(de.Retryable).To(BeFalse(), "an illegal transition is terminal")
		Expect(calls(ctx, "notifyTokenLifecycle", tok)).To(HaveLen(1), "a refused transition was sent again")
		Expect(ax.State(ctx, k)).To(Equal(client.StateActive), "a refused transition changed the issuer's record")
	})
})
