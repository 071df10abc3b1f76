package mastercard

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// Published and outcome test cards of the Mastercard simulator.
const (
	sampleCard     = "5186001700008785"
	secondCard     = "5186001700009726"
	thirdCard      = "2223001850114872"
	ineligibleCard = "5186001700004222" // 422 CARD_INELIGIBLE
	answerLostCard = "5186001700005039" // enrolled, but the first answer is a 503
)

var (
	seq atomic.Int64
	// run sets this run's consumers apart from an earlier run's against the
	// same long-lived simulator and issuer (external target).
	run = strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
)

// consumer returns a consumer unique to this run, spec and process. The
// scenarios expect the issuer to send consumer.ref as Mastercard's
// externalConsumerId and card.ref as its externalCredentialId.
func consumer() client.Consumer {
	n := seq.Add(1)
	return client.Consumer{Ref: fmt.Sprintf("mc%s-p%d-c%d", run, GinkgoParallelProcess(), n), FirstName: "Ada", LastName: "Lovelace",
		Emails: []string{"ada@example.com"}, Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

func card(c client.Consumer, ref, number string) conformance.CardJSON {
	return conformance.CardJSON{Ref: c.Ref + "-" + ref, PAN: number, Expiry: "2030-08", NameOnCard: "Ada Lovelace", Network: client.Mastercard,
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

// exchanges returns the simulator's journal of one consumer's calls (its
// externalConsumerId is a correlation ID), oldest first.
func exchanges(ctx context.Context, correlation, op string) []journal.Entry {
	es, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "mastercard", OperationID: op, CorrelationID: correlation})
	Expect(err).NotTo(HaveOccurred())
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// enrolled enrols a card through the issuer and waits for the outcome.
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

func body(e journal.Entry) map[string]any {
	var m map[string]any
	Expect(json.Unmarshal([]byte(e.RequestBody), &m)).To(Succeed(), "the request body is not JSON")
	return m
}

func plaintext(e journal.Entry) map[string]any {
	var m map[string]any
	Expect(json.Unmarshal([]byte(e.RequestPlain), &m)).To(Succeed(), "the simulator could not decrypt the card")
	return m
}

func credentials(ctx context.Context) map[string]string {
	cs, err := conformance.Current().Control.Credentials(ctx, "mastercard")
	Expect(err).NotTo(HaveOccurred())
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = c.Value
		if c.KeyID != "" {
			out[c.Name+"#kid"] = c.KeyID
		}
	}
	return out
}

func profile(ctx context.Context, c client.Consumer) *client.Profile {
	p, err := conformance.Current().Driver.Profile(ctx, "", client.Mastercard, c.Ref)
	Expect(err).NotTo(HaveOccurred())
	return p
}

func refusal(err error) *conformance.DriverError {
	var de *conformance.DriverError
	Expect(errors.As(err, &de)).To(BeTrue(), "expected a refusal, got %v", err)
	return de
}

var uuidRE = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

var _ = Describe("Mastercard Click to Pay", Label("mastercard"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("enrols a consumer with complete data and the card as a JWE to Mastercard's current key",
		conformance.Req(req.MCEnr01, req.MCEnr02, req.MCEnr03, req.MCSec02), func() {
			c := consumer()
			Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
			es := exchanges(ctx, c.Ref, "putCard")
			Expect(es).To(HaveLen(1))
			b := body(es[0])
			cons := b["consumer"].(map[string]any)
			for _, f := range []string{"firstName", "lastName", "emailAddress", "mobileNumber", "locale", "countryCode"} {
				Expect(cons).To(HaveKey(f))
			}
			Expect(cons["mobileNumber"]).To(HaveKey("countryCode"), "the mobile number needs its country code")
			jwe, _ := b["encryptedCard"].(string)
			parts := strings.Split(jwe, ".")
			Expect(parts).To(HaveLen(5), "encryptedCard must be a compact JWE")
			hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
			Expect(err).NotTo(HaveOccurred())
			var h map[string]any
			Expect(json.Unmarshal(hdr, &h)).To(Succeed())
			Expect(h).To(HaveKeyWithValue("alg", "RSA-OAEP-256"))
			Expect(h).To(HaveKeyWithValue("enc", "A256GCM"))
			Expect(h).To(HaveKeyWithValue("kid", credentials(ctx)["encryption-public-key#kid"]), "kid must be the fingerprint of Mastercard's current encryption key")
			p := plaintext(es[0])
			for _, f := range []string{"primaryAccountNumber", "panExpirationMonth", "panExpirationYear", "cardholderFullName", "billingAddress"} {
				Expect(p).To(HaveKey(f))
			}
			Expect(p["billingAddress"]).To(HaveKey("zip"))
		})

	It("uses one consumer ID for every card and adds the second card to the same consumer", conformance.Req(req.MCEnr04, req.MCEnr05), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		enrolled(ctx, c, card(c, "k2", secondCard))
		es := exchanges(ctx, c.Ref, "putCard")
		Expect(es).To(HaveLen(2))
		for _, e := range es {
			Expect(body(e)["consumer"]).To(HaveKeyWithValue("externalConsumerId", c.Ref))
		}
		p := profile(ctx, c)
		Expect(p.Enrolled).To(BeTrue())
		Expect(p.Cards).To(HaveLen(2), "both cards belong to one consumer")
	})

	It("sends a fresh srcCorrelationId per request and its UUID srcClientId", conformance.Req(req.MCIdm01), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		enrolled(ctx, c, card(c, "k2", secondCard))
		seen := map[string]bool{}
		for _, e := range exchanges(ctx, c.Ref, "putCard") {
			b := body(e)
			Expect(b["srcClientId"]).To(MatchRegexp(uuidRE))
			Expect(b["srcCorrelationId"]).To(MatchRegexp(uuidRE))
			Expect(seen[b["srcCorrelationId"].(string)]).To(BeFalse(), "srcCorrelationId reused")
			seen[b["srcCorrelationId"].(string)] = true
		}
	})

	It("signs every call with OAuth 1.0a RSA-SHA256 and a body hash", conformance.Req(req.MCSec01), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		profile(ctx, c)
		es := exchanges(ctx, c.Ref, "")
		Expect(len(es)).To(BeNumerically(">=", 2))
		for _, e := range es {
			Expect(e.Auth).NotTo(BeNil(), "%s carried no verifiable signature", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "%s: %s", e.OperationID, e.Auth.Reason)
		}
	})

	It("refuses an ineligible card up front as terminal and does not retry it", conformance.Req(req.MCEnr09, req.MCErr02), func() {
		c := consumer()
		_, err := conformance.Current().Driver.Enrol(ctx, "", c, card(c, "k1", ineligibleCard), false)
		de := refusal(err)
		Expect(de.NetworkCode).To(Equal("CARD_INELIGIBLE"))
		Expect(de.Retryable).To(BeFalse())
		Expect(exchanges(ctx, c.Ref, "putCard")).To(HaveLen(1), "a terminal error was retried")

		// An expired card is refused too: by the issuer before sending, or by
		// Mastercard once, never retried.
		expired := consumer()
		k := card(expired, "k1", secondCard)
		k.Expiry = "2020-01"
		_, err = conformance.Current().Driver.Enrol(ctx, "", expired, k, false)
		refusal(err)
		Expect(len(exchanges(ctx, expired.Ref, "putCard"))).To(BeNumerically("<=", 1), "an expired card was sent again")
	})

	It("classifies each envelope: service and MDES errors and a recoverable gateway error are retried", conformance.Req(req.MCErr01), func() {
		for _, f := range []fault.Rule{
			{Network: "mastercard", Operation: "putCard", Status: http.StatusServiceUnavailable, Code: "UNAVAILABLE", Times: 1},
			{Network: "mastercard", Operation: "putCard", Status: http.StatusTooManyRequests, Code: "LIMIT_EXCEEDED", Times: 1},
		} {
			c := consumer()
			_, err := conformance.Current().Control.AddFault(ctx, f)
			Expect(err).NotTo(HaveOccurred())
			Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded), "after a %d", f.Status)
			Expect(exchanges(ctx, c.Ref, "putCard")).To(HaveLen(2), "a %d must be retried once", f.Status)
		}
		// MDES Customer Service's application envelope: 503 SERVICE_UNAVAILABLE is recoverable.
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", sampleCard))
		_, err := conformance.Current().Control.AddFault(ctx, fault.Rule{Network: "mastercard", Operation: "suspendToken", Status: http.StatusServiceUnavailable, Code: "SERVICE_UNAVAILABLE", Times: 1})
		Expect(err).NotTo(HaveOccurred())
		op, err := conformance.Current().Driver.CardAction(ctx, "", "suspend", c.Ref, c.Ref+"-k1", "LOST")
		Expect(err).NotTo(HaveOccurred(), "a recoverable MDES error must be retried")
		Expect(waited(ctx, op).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, done.TokenRef, "suspendToken")).To(HaveLen(2))
	})

	It("retries with backoff", conformance.Req(req.MCErr03), func() {
		c := consumer()
		_, err := conformance.Current().Control.AddFault(ctx, fault.Rule{Network: "mastercard", Operation: "putCard", Status: http.StatusServiceUnavailable, Code: "UNAVAILABLE", Times: 2})
		Expect(err).NotTo(HaveOccurred())
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		attempts := exchanges(ctx, c.Ref, "putCard")
		Expect(attempts).To(HaveLen(3), "two refused attempts, then the accepted one")
		first, second := attempts[1].Time.Sub(attempts[0].Time), attempts[2].Time.Sub(attempts[1].Time)
		Expect(second).To(BeNumerically(">", first), "retries did not back off (%s then %s)", first, second)
	})

	It("tolerates fields it does not know in Mastercard's answers", conformance.Req(req.MCErr04), func() {
		c := consumer()
		Expect(enrolled(ctx, c, card(c, "k1", sampleCard)).Status).To(Equal(client.Succeeded))
		profile(ctx, c)
		es := exchanges(ctx, c.Ref, "")
		Expect(es).NotTo(BeEmpty())
		if !strings.Contains(es[0].ResponseBody, "c2psimFutureField") {
			Skip("the simulator runs with mastercard.unknownFields=false: nothing unknown was sent")
		}
	})

	It("retries an enrolment whose answer was lost without enrolling the card twice", conformance.Req(req.MCIdm04), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", answerLostCard))
		Expect(done.Status).To(Equal(client.Succeeded), "the card is enrolled; the issuer must find that out after the lost answer")
		sent := exchanges(ctx, c.Ref, "putCard")
		Expect(sent).NotTo(BeEmpty())
		Expect(sent[0].Status).To(Equal(http.StatusServiceUnavailable))
		for _, e := range sent[1:] {
			Expect(e.Status).NotTo(Equal(http.StatusOK), "the card was enrolled a second time")
		}
		Expect(profile(ctx, c).Cards).To(HaveLen(1))
	})

	It("surfaces 401 AUTHENTICATION_FAILED as a configuration error and does not retry it", conformance.Req(req.MCErr05), func() {
		c := consumer()
		_, err := conformance.Current().Control.AddFault(ctx, fault.Rule{Network: "mastercard", Operation: "putCard", Status: http.StatusUnauthorized, Code: "AUTHENTICATION_FAILED", Times: 1})
		Expect(err).NotTo(HaveOccurred())
		_, err = conformance.Current().Driver.Enrol(ctx, "", c, card(c, "k1", sampleCard), false)
		de := refusal(err)
		Expect(de.HTTPStatus).To(Equal(http.StatusUnauthorized))
		Expect(de.Retryable).To(BeFalse())
		Expect(exchanges(ctx, c.Ref, "putCard")).To(HaveLen(1), "a 401 was retried")
	})

	It("deletes a closed card's credential and keeps the consumer's other card", conformance.Req(req.MCLcm03, req.MCLcm07), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		enrolled(ctx, c, card(c, "k2", secondCard))
		op, err := conformance.Current().Driver.CardAction(ctx, "", "delete", c.Ref, c.Ref+"-k1", "ACCOUNT_CLOSED")
		Expect(err).NotTo(HaveOccurred())
		Expect(waited(ctx, op).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, c.Ref, "deleteCredential")).To(HaveLen(1))
		p := profile(ctx, c)
		Expect(p.Cards).To(HaveLen(1), "opting out of one card removed the others")
		Expect(p.Cards[0].Last4).To(Equal(secondCard[12:]))

		op, err = conformance.Current().Driver.DeleteConsumer(ctx, "", client.Mastercard, c.Ref)
		Expect(err).NotTo(HaveOccurred())
		Expect(waited(ctx, op).Status).To(Equal(client.Succeeded))
		Expect(profile(ctx, c).Cards).To(BeEmpty(), "consumer opt-out must remove every card")
	})

	It("suspends a lost card's token with its reason, and a temporary block is resumed, not deleted", conformance.Req(req.MCLcm04, req.MCLcm05), func() {
		c := consumer()
		enrolled(ctx, c, card(c, "k1", sampleCard))
		d := conformance.Current().Driver
		op, err := d.CardAction(ctx, "", "suspend", c.Ref, c.Ref+"-k1", "LOST")
		Expect(err).NotTo(HaveOccurred())
		Expect(waited(ctx, op).Status).To(Equal(client.Succeeded))
		sus := exchanges(ctx, op.TokenRef, "suspendToken")
		Expect(sus).To(HaveLen(1))
		Expect(body(sus[0])["TokenSuspendRequest"]).To(HaveKeyWithValue("ReasonCode", "L"))
		Expect(profile(ctx, c).Cards[0].Status).To(Equal("SUSPENDED"))

		op, err = d.CardAction(ctx, "", "resume", c.Ref, c.Ref+"-k1", "FOUND")
		Expect(err).NotTo(HaveOccurred())
		Expect(waited(ctx, op).Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, op.TokenRef, "unsuspendToken")).To(HaveLen(1))
		Expect(exchanges(ctx, op.TokenRef, "deleteToken")).To(BeEmpty(), "a temporary block must not delete the token")
		Expect(profile(ctx, c).Cards[0].Status).To(Equal("ACTIVE"))
	})

	It("refuses to resume a token that is not suspended and leaves it as it was", conformance.Req(req.MCErr02), func() {
		c := consumer()
		done := enrolled(ctx, c, card(c, "k1", sampleCard))
		_, err := conformance.Current().Driver.CardAction(ctx, "", "resume", c.Ref, c.Ref+"-k1", "FOUND")
		de := refusal(err)
		Expect(de.NetworkCode).To(Equal("INVALID_TOKEN_STATUS"))
		Expect(de.Retryable).To(BeFalse())
		Expect(exchanges(ctx, done.TokenRef, "unsuspendToken")).To(HaveLen(1), "a refused transition was retried")
		Expect(profile(ctx, c).Cards[0].Status).To(Equal("ACTIVE"))
	})
})

var _ = Describe("Mastercard batch enrolment", Label("mastercard", "batch"), func() {
	var ctx context.Context
	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = conformance.Ctx()
		DeferCleanup(cancel)
	})

	It("treats 202 as accepted, not enrolled, and reconciles each record from Batch Status", conformance.Req(req.MCEnr06, req.MCEnr11), func() {
		c := consumer()
		d := conformance.Current().Driver
		op, err := d.Enrol(ctx, "", c, card(c, "k1", sampleCard), true)
		Expect(err).NotTo(HaveOccurred())
		Expect(op.Status).To(Equal(client.Pending), "a 202 is not an enrolment")
		Expect(enrolment(ctx, c.Ref+"-k1").State).NotTo(Equal(client.StateActive), "the card was marked enrolled before the batch said so")
		sub := exchanges(ctx, c.Ref, "batchCredentialsInDirectory")
		Expect(sub).To(HaveLen(1), "automatic enrolment should go through Batch Enroll")
		Expect(sub[0].Status).To(Equal(http.StatusAccepted))
		b := body(sub[0])
		Expect(b["externalBatchId"]).NotTo(BeEmpty())
		recs := b["records"].([]any)
		Expect(recs).To(HaveLen(1))
		Expect(recs[0]).To(HaveKeyWithValue("externalConsumerId", c.Ref))
		Expect(recs[0]).To(HaveKeyWithValue("externalCardId", c.Ref+"-k1"))

		done := waited(ctx, op)
		Expect(done.Status).To(Equal(client.Succeeded))
		Expect(exchanges(ctx, op.ID, "getBatchStatus")).NotTo(BeEmpty(), "the outcome must come from Batch Status")
		Expect(enrolment(ctx, c.Ref+"-k1").State).To(Equal(client.StateActive))

		// A second submission uses a new externalBatchId; a failing record is reconciled as failed.
		other := consumer()
		op, err = d.Enrol(ctx, "", other, card(other, "k1", ineligibleCard), true)
		Expect(err).NotTo(HaveOccurred())
		again := exchanges(ctx, other.Ref, "batchCredentialsInDirectory")
		Expect(again).To(HaveLen(1))
		Expect(body(again[0])["externalBatchId"]).NotTo(Equal(b["externalBatchId"]), "externalBatchId reused")
		done = waited(ctx, op)
		Expect(done.Status).To(Equal(client.Failed))
		Expect(done.Errors).To(ContainElement(HaveField("Code", "CARD_INELIGIBLE")))
		Expect(enrolment(ctx, other.Ref+"-k1").State).To(Equal(client.StateFailed))
	})
})
