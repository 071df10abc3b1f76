// Package mastercard holds the Mastercard Click to Pay conformance scenarios.
package mastercard

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

var mc = steps.On(req.Mastercard)

// Outcomes of Mastercard's own test cards (GET /_admin/networks).
const (
	outcomeIneligible = "CARD_INELIGIBLE"
	outcomeYellow     = "yellow"
)

func body(e journal.Entry) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal([]byte(e.RequestBody), &m)).To(Succeed(), "the %s request body is not JSON", e.OperationID)
	return m
}

func plaintext(e journal.Entry) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal([]byte(e.RequestPlain), &m)).To(Succeed(), "the simulator could not decrypt the card")
	return m
}

// tokenCalls are the MDES calls for one token, oldest first.
func tokenCalls(ctx context.Context, tokenRef, op string) []journal.Entry {
	GinkgoHelper()
	return mc.Correlated(ctx, op, journal.Inbound, tokenRef)
}

var uuidRE = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

var _ = Describe("Mastercard Click to Pay", Label("mastercard"), func() {
	It("enrols a consumer with the consumer's data as given", mc.Case("consumer-data", req.C2PEnr01), func(ctx SpecContext) {
		c := mc.Consumer()
		mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k1"))
		es := mc.Exchanges(ctx, c, "putCard")
		Expect(es).To(HaveLen(1), "one putCard for one card")
		b := body(es[0])
		cons := steps.Object(b["consumer"], "consumer")
		Expect(cons).To(HaveKeyWithValue("externalConsumerId", mc.IDs(c).Consumer), "externalConsumerId is the identifier the issuer reported")
		Expect(cons).To(HaveKeyWithValue("firstName", c.FirstName), "firstName must be the consumer's first name")
		Expect(cons).To(HaveKeyWithValue("lastName", c.LastName), "lastName must be the consumer's last name")
		id := steps.Object(cons["consumerIdentity"], "consumerIdentity")
		Expect(id).To(HaveKeyWithValue("identityType", "EMAIL_ADDRESS"), "the Enroll API identifies the consumer by consumerIdentity, for an issuer the email address")
		Expect(id).To(HaveKeyWithValue("identityValue", c.Emails[0]), "consumerIdentity must be the consumer's email address")
		Expect(b).To(HaveKeyWithValue("cardSource", "ISSUER"), "an issuer's enrolment says cardSource ISSUER")
		Expect(b).To(HaveKey("complianceSettings"), "a PAN-based enrolment carries the privacy notice and terms the consumer accepted")
		Expect(cons).To(HaveKey("countryCode"), "the consumer's countryCode is required")
		mobile := steps.Object(cons["mobileNumber"], "mobileNumber")
		cc, _ := mobile["countryCode"].(string)
		num, _ := mobile["phoneNumber"].(string)
		Expect(cc).NotTo(BeEmpty(), "the mobile number needs its country code")
		Expect(cc+num).To(Equal(c.Phones[0]), "mobileNumber must be the consumer's number, country code first")
	})

	It("enrols the card with its data as given, as a JWE to Mastercard's current key",
		mc.Case("card-data", req.C2PEnr02, req.C2PEnr03, req.MCSec02), func(ctx SpecContext) {
			c := mc.Consumer()
			k := mc.NewCard(ctx, c, "k1")
			mc.Enrolled(ctx, c, k)
			es := mc.Exchanges(ctx, c, "putCard")
			Expect(es).To(HaveLen(1), "one putCard for one card")
			steps.Valid(es[0])
			b := body(es[0])
			jwe, _ := b["encryptedCard"].(string)
			parts := strings.Split(jwe, ".")
			Expect(parts).To(HaveLen(5), "encryptedCard must be a compact JWE")
			hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
			Expect(err).NotTo(HaveOccurred(), "the JWE header is not base64url")
			var h map[string]any
			Expect(json.Unmarshal(hdr, &h)).To(Succeed(), "the JWE header is not JSON")
			Expect(h).To(HaveKeyWithValue("alg", "RSA-OAEP-256"), "the JWE alg")
			Expect(h).To(HaveKeyWithValue("enc", "A256GCM"), "the JWE enc")
			Expect(h).To(HaveKeyWithValue("kid", mc.Credentials(ctx)["encryption-public-key#kid"]), "kid must be the fingerprint of Mastercard's current encryption key")
			p := plaintext(es[0])
			Expect(p).To(HaveKeyWithValue("primaryAccountNumber", pan.Mask(k.PAN)), "the encrypted card must hold the card's number")
			Expect(p).To(HaveKeyWithValue("cardholderFullName", k.NameOnCard), "cardholderFullName must be the card's")
			Expect(p).To(HaveKey("panExpirationMonth"), "the card's expiry month is required")
			Expect(p).To(HaveKey("panExpirationYear"), "the card's expiry year is required")
			addr := steps.Object(p["billingAddress"], "billingAddress")
			Expect(addr).To(HaveKeyWithValue("line1", k.BillingAddress.Line1), "billingAddress.line1 must be the card's")
			Expect(addr).To(HaveKeyWithValue("city", k.BillingAddress.City), "billingAddress.city must be the card's")
			Expect(addr).To(HaveKeyWithValue("zip", k.BillingAddress.PostalCode), "billingAddress.zip must be the card's postal code")
		})

	It("uses one consumer ID for every card and adds the second card to the same consumer", mc.Case("one-consumer-two-cards", req.C2PEnr04, req.C2PEnr05), func(ctx SpecContext) {
		c := mc.Consumer()
		mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k1"))
		mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k2"))
		es := mc.Exchanges(ctx, c, "putCard")
		Expect(es).To(HaveLen(2), "one putCard per card")
		for _, e := range es {
			Expect(body(e)["consumer"]).To(HaveKeyWithValue("externalConsumerId", mc.IDs(c).Consumer), "a card was enrolled under another externalConsumerId")
		}
		p := mc.Profile(ctx, c)
		Expect(p.Enrolled).To(BeTrue(), "the consumer is not enrolled")
		Expect(p.Cards).To(HaveLen(2), "both cards belong to one consumer")
	})

	It("sends a fresh srcCorrelationId per request and its UUID srcClientId", mc.Case("correlation-ids", req.MCIdm01), func(ctx SpecContext) {
		c := mc.Consumer()
		mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k1"))
		mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k2"))
		seen := map[string]bool{}
		for _, e := range mc.Exchanges(ctx, c, "putCard") {
			b := body(e)
			Expect(b["srcClientId"]).To(MatchRegexp(uuidRE), "srcClientId is a UUID")
			Expect(b["srcCorrelationId"]).To(MatchRegexp(uuidRE), "srcCorrelationId is a UUID")
			id, _ := b["srcCorrelationId"].(string)
			Expect(seen[id]).To(BeFalse(), "srcCorrelationId reused")
			seen[id] = true
		}
	})

	It("signs every call with OAuth 1.0a RSA-SHA256 and a body hash", mc.Case("oauth1-signed", req.MCSec01), func(ctx SpecContext) {
		c := mc.Consumer()
		mc.Enrolled(ctx, c, mc.NewCard(ctx, c, "k1"))
		mc.Profile(ctx, c)
		es := mc.Exchanges(ctx, c, "")
		Expect(len(es)).To(BeNumerically(">=", 2), "an enrolment and a profile read")
		for _, e := range es {
			if e.Direction == journal.Outbound {
				continue
			}
			Expect(e.Auth).NotTo(BeNil(), "%s carried no verifiable signature", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "%s: %s", e.OperationID, e.Auth.Reason)
		}
	})

	It("refuses an ineligible card up front as terminal and does not retry it", mc.Case("ineligible-terminal", req.C2PEnr09, req.C2PErr02), func(ctx SpecContext) {
		c := mc.Consumer()
		bad := mc.Card(c, "k1", mc.TestCard(ctx, outcomeIneligible))
		_, err := mc.Enrol(ctx, c, bad)
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal("CARD_INELIGIBLE"), "the issuer must report Mastercard's reason")
		Expect(de.Retryable).To(BeFalse(), "CARD_INELIGIBLE is terminal")
		Expect(mc.CardExchanges(ctx, bad.PAN, "putCard")).To(HaveLen(1), "a terminal error was retried")

		// An expired card is refused too: by the issuer before sending, or by
		// Mastercard once, never retried.
		expired := mc.Consumer()
		k := mc.NewCard(ctx, expired, "k1")
		k.Expiry = "2020-01"
		_, err = mc.Enrol(ctx, expired, k)
		steps.Refusal(err)
		Expect(len(mc.CardExchanges(ctx, k.PAN, "putCard"))).To(BeNumerically("<=", 1), "an expired card was sent again")
	})

	It("classifies each envelope: a throttled gateway call and a recoverable MDES error are retried", mc.Case("envelopes-classified", req.C2PErr01), Serial, func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		mc.Fault(ctx, fault.Rule{Operation: "putCard", Card: pan.Mask(k.PAN), Status: http.StatusTooManyRequests, Code: "LIMIT_EXCEEDED", Times: 1})
		done := mc.Enrolled(ctx, c, k)
		Expect(mc.Exchanges(ctx, c, "putCard")).To(HaveLen(2), "a 429 must be retried once")
		// MDES Customer Service's envelope: 503 SERVICE_UNAVAILABLE is recoverable.
		mc.Fault(ctx, fault.Rule{Operation: "suspendToken", Status: http.StatusServiceUnavailable, Code: "SERVICE_UNAVAILABLE", Times: 1})
		op, err := mc.Act(ctx, "suspend", c, k, "LOST")
		Expect(err).NotTo(HaveOccurred(), "a recoverable MDES error must be retried")
		Expect(op.Status).To(Equal(client.Succeeded), "the suspension completes")
		Expect(tokenCalls(ctx, done.TokenRef, "suspendToken")).To(HaveLen(2), "the refused suspendToken was retried once")
	})

	It("surfaces 401 AUTHENTICATION_FAILED as a configuration error and does not retry it", mc.Case("authentication-failed-terminal", req.MCErr05), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		mc.Fault(ctx, fault.Rule{Operation: "putCard", Card: pan.Mask(k.PAN), Status: http.StatusUnauthorized, Code: "AUTHENTICATION_FAILED"})
		_, err := mc.Enrol(ctx, c, k)
		de := steps.Refusal(err)
		Expect(de.HTTPStatus).To(Equal(http.StatusUnauthorized), "the issuer must report Mastercard's 401")
		Expect(de.Retryable).To(BeFalse(), "a 401 is a configuration error")
		Expect(mc.CardExchanges(ctx, k.PAN, "putCard")).To(HaveLen(1), "a 401 was retried")
	})

	It("deletes a closed card's credential and keeps the consumer's other card", mc.Case("closed-card-deleted", req.C2PLcm03, req.C2PLcm07), func(ctx SpecContext) {
		c := mc.Consumer()
		k1, k2 := mc.NewCard(ctx, c, "k1"), mc.NewCard(ctx, c, "k2")
		mc.Enrolled(ctx, c, k1)
		mc.Enrolled(ctx, c, k2)
		op, err := mc.Act(ctx, "delete", c, k1, "ACCOUNT_CLOSED")
		Expect(err).NotTo(HaveOccurred(), "deleting the closed card")
		Expect(op.Status).To(Equal(client.Succeeded), "the deletion completes")
		Expect(mc.Exchanges(ctx, c, "deleteCredential")).To(HaveLen(1), "one deleteCredential for the closed card")
		p := mc.Profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "opting out of one card removed the others")
		Expect(p.Cards[0].Last4).To(Equal(k2.PAN[len(k2.PAN)-4:]), "the other card stays")

		del, err := mc.Driver().DeleteConsumer(ctx, "", client.Mastercard, c.Ref)
		Expect(err).NotTo(HaveOccurred(), "deleting the consumer")
		Expect(mc.Wait(ctx, del).Status).To(Equal(client.Succeeded), "the consumer's deletion completes")
		Expect(mc.Profile(ctx, c).Cards).To(BeEmpty(), "consumer opt-out must remove every card")
	})

	It("suspends a lost card's token with its reason, and a temporary block is resumed, not deleted", mc.Case("lost-card-suspended", req.C2PLcm04, req.C2PLcm05), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		op, err := mc.Act(ctx, "suspend", c, k, "LOST")
		Expect(err).NotTo(HaveOccurred(), "suspending the lost card")
		Expect(op.Status).To(Equal(client.Succeeded), "the suspension completes")
		sus := tokenCalls(ctx, done.TokenRef, "suspendToken")
		Expect(sus).To(HaveLen(1), "one suspendToken")
		Expect(body(sus[0])["TokenSuspendRequest"]).To(HaveKeyWithValue("ReasonCode", "L"), "a lost card's suspension says L")
		Expect(mc.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Status", "SUSPENDED")), "Mastercard holds the token suspended")

		op, err = mc.Act(ctx, "resume", c, k, "FOUND")
		Expect(err).NotTo(HaveOccurred(), "resuming the card")
		Expect(op.Status).To(Equal(client.Succeeded), "the resumption completes")
		Expect(tokenCalls(ctx, done.TokenRef, "unsuspendToken")).To(HaveLen(1), "one unsuspendToken")
		Expect(tokenCalls(ctx, done.TokenRef, "deleteToken")).To(BeEmpty(), "a temporary block must not delete the token")
		Expect(mc.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Status", "ACTIVE")), "Mastercard holds the token active again")
	})

	It("refuses to resume a token that is not suspended and leaves it as it was", mc.Case("illegal-transition-terminal", req.C2PErr02), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		_, err := mc.Act(ctx, "resume", c, k, "FOUND")
		de := steps.Refusal(err)
		Expect(de.NetworkCode).To(Equal("INVALID_TOKEN_STATUS"), "the issuer must report MDES's code")
		Expect(de.Retryable).To(BeFalse(), "an illegal transition is terminal")
		Expect(tokenCalls(ctx, done.TokenRef, "unsuspendToken")).To(HaveLen(1), "a refused transition was retried")
		Expect(mc.Profile(ctx, c).Cards).To(ConsistOf(HaveField("Status", "ACTIVE")), "the token changed")
	})
})

var _ = Describe("Mastercard batch enrolment", Label("mastercard", "batch"), func() {
	It("treats 202 as accepted, not enrolled, and reconciles each record from Batch Status", mc.Case("batch-reconciled", req.C2PEnr06, req.MCEnr11), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		op, err := mc.AutoEnrol(ctx, c, k)
		Expect(err).NotTo(HaveOccurred(), "an automatic enrolment")
		Expect(op.Status).To(Equal(client.Pending), "a 202 is not an enrolment")
		Expect(mc.State(ctx, k)).NotTo(Equal(client.StateActive), "the card was marked enrolled before the batch said so")
		sub := mc.Exchanges(ctx, c, "batchCredentialsInDirectory")
		Expect(sub).To(HaveLen(1), "automatic enrolment should go through Batch Enroll")
		Expect(sub[0].Status).To(Equal(http.StatusAccepted), "Batch Enroll answers 202")
		b := body(sub[0])
		Expect(b["externalBatchId"]).NotTo(BeEmpty(), "the batch needs its externalBatchId")
		recs, _ := b["records"].([]any)
		Expect(recs).To(HaveLen(1), "one record for one card")
		Expect(recs[0]).To(HaveKeyWithValue("externalConsumerId", mc.IDs(c).Consumer), "the record's externalConsumerId is the issuer's")
		Expect(recs[0]).To(HaveKeyWithValue("externalCardId", mc.CardIDs(c, k).Card), "the record's externalCardId is the issuer's")

		done := mc.Wait(ctx, op)
		Expect(done.Status).To(Equal(client.Succeeded), "the batch record succeeds")
		Expect(mc.Correlated(ctx, "getBatchStatus", journal.Inbound, op.ID)).NotTo(BeEmpty(), "the outcome must come from Batch Status")
		Expect(mc.State(ctx, k)).To(Equal(client.StateActive), "the reconciled card is active")

		// A second submission uses a new externalBatchId; a failing record is reconciled as failed.
		other := mc.Consumer()
		bad := mc.Card(other, "k1", mc.TestCard(ctx, outcomeIneligible))
		op, err = mc.AutoEnrol(ctx, other, bad)
		Expect(err).NotTo(HaveOccurred(), "a second automatic enrolment")
		again := mc.Exchanges(ctx, other, "batchCredentialsInDirectory")
		Expect(again).To(HaveLen(1), "one batch for the second card")
		Expect(body(again[0])["externalBatchId"]).NotTo(Equal(b["externalBatchId"]), "externalBatchId reused")
		done = mc.Wait(ctx, op)
		Expect(done.Status).To(Equal(client.Failed), "the ineligible record fails")
		Expect(done.Errors).To(ContainElement(HaveField("Code", "CARD_INELIGIBLE")), "the failure names CARD_INELIGIBLE")
		Expect(mc.State(ctx, bad)).To(Equal(client.StateFailed), "the failed record is marked failed")
	})
})
