package mastercard

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator/journal"
)

// outcomeYellowIssuerCode is the yellow-path test card whose activation
// code the issuer issues itself.
const outcomeYellowIssuerCode = "yellow-issuer-code"

var _ = Describe("Mastercard push provisioning and token life", Label("mastercard", "push"), func() {
	It("adds a card to Click to Pay by push: Token Connect, then the Enroll API with the receipt", mc.Case("push-provisioning", req.MCEnr12), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		// A 501 fails here and the report judges it by the capability
		// declaration: not run when push-provisioning is not claimed,
		// failed when it is.
		op, err := mc.Driver().Push(ctx, "", c, k)
		Expect(err).NotTo(HaveOccurred(), "pushing the card")
		done := mc.Wait(ctx, op)
		Expect(done.Status).To(Equal(client.Succeeded), "the pushed card did not end enrolled: %+v", done.Errors)

		eligible := mc.CardExchanges(ctx, k.PAN, "pushMultipleAccounts")
		Expect(eligible).NotTo(BeEmpty(), "the card never reached Token Connect's pushMultipleAccounts")
		push := eligible[len(eligible)-1]
		Expect(push.Status).To(Equal(http.StatusOK), "pushMultipleAccounts was refused")
		Expect(body(push)).To(HaveKeyWithValue("tokenRequestorId", "50123197928"), "the card must be pushed to the Click to Pay token requestor")
		Expect(mc.Since(ctx, 0, journal.Inbound)).To(ContainElement(HaveField("OperationID", "getEligibleTokenRequestors")),
			"the issuer pushed without asking which token requestors take the card's range")
		var receipt string
		for _, r := range steps.Object(answer(push.ResponseBody), "answer")["pushAccountReceipts"].([]any) {
			if s, ok := r.(map[string]any)["pushAccountReceipt"].(string); ok {
				receipt = s
			}
		}
		Expect(receipt).NotTo(BeEmpty(), "Token Connect gave no receipt")
		enrols := mc.Correlated(ctx, "putCard", journal.Inbound, receipt)
		Expect(enrols).To(HaveLen(1), "the receipt must enrol the card through putCard once")
		b := body(enrols[0])
		Expect(b).NotTo(HaveKey("encryptedCard"), "a pushed card is enrolled by its receipt, not sent again")
		ref := steps.Object(b["enrolmentReferenceData"], "enrolmentReferenceData")
		Expect(ref).To(HaveKeyWithValue("enrolmentReferenceType", "PUSH_ACCOUNT_RECEIPT"), "the receipt's type")
		Expect(ref).To(HaveKeyWithValue("enrolmentReferenceId", receipt), "the receipt Token Connect gave")
		Expect(enrols[0].Status).To(Equal(http.StatusOK), "the enrolment by receipt was refused")
	})

	It("keeps a token suspended while the token requestor's suspension remains", mc.Case("multiple-suspenders", req.MCLcm13), func(ctx SpecContext) {
		c := mc.Consumer()
		k := mc.NewCard(ctx, c, "k1")
		done := mc.Enrolled(ctx, c, k)
		out, err := mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "SUSPENDED", "suspendedBy": "TOKEN_REQUESTOR"})
		Expect(err).NotTo(HaveOccurred(), "the token requestor's suspension")
		Expect(out["notifyStatus"]).To(BeNumerically("==", 200), "the issuer refused the notification of the token requestor's suspension")
		Expect(mc.State(ctx, k)).To(Equal(client.StateSuspended), "the notified suspension was not applied")

		_, err = mc.Act(ctx, "suspend", c, k, "FRAUDULENT")
		Expect(err).NotTo(HaveOccurred(), "an issuer suspend of a token the token requestor suspended is accepted by MDES")
		_, err = mc.Act(ctx, "resume", c, k, "FOUND")
		Expect(err).NotTo(HaveOccurred(), "the issuer lifting its own suspension")
		Expect(mc.State(ctx, k)).To(Equal(client.StateSuspended), "the token requestor's suspension remains: the card is still suspended")
		Expect(mc.Correlated(ctx, "unsuspendToken", journal.Inbound, done.TokenRef)).NotTo(BeEmpty(), "the issuer never called Customer Service unsuspend")

		_, err = mc.Trigger(ctx, "tokenStatusChange", map[string]any{"tokenUniqueReference": done.TokenRef, "status": "ACTIVE", "suspendedBy": "TOKEN_REQUESTOR"})
		Expect(err).NotTo(HaveOccurred(), "the token requestor lifting its suspension")
		Expect(mc.State(ctx, k)).To(Equal(client.StateActive), "the last suspender lifted its suspension: the card is active again")
	})

	It("validates the activation codes it issues: the one it sent the cardholder activates the token, another is refused", mc.Case("issuer-validates-code", req.MCNtf06), func(ctx SpecContext) {
		c := mc.Consumer()
		op, err := mc.Enrol(ctx, c, mc.Card(c, "k1", mc.TestCard(ctx, outcomeYellowIssuerCode)))
		Expect(err).NotTo(HaveOccurred(), "enrolling the yellow-path card")
		Expect(op.TokenRef).NotTo(BeEmpty(), "the pending enrolment names no token")
		Eventually(func() []journal.Entry {
			return mc.Correlated(ctx, "deliverActivationCode", journal.Outbound, op.TokenRef)
		}).WithContext(ctx).ShouldNot(BeEmpty(), "Mastercard sent no Deliver Activation Code")
		dac := mc.Correlated(ctx, "deliverActivationCode", journal.Outbound, op.TokenRef)
		Expect(dac[len(dac)-1].Status).To(Equal(http.StatusOK), "Deliver Activation Code without a code was not accepted")

		// The harness is the cardholder: it reads the code the issuer sent.
		issued, err := mc.Driver().ActivationCode(ctx, mc.Client(), op.TokenRef)
		Expect(err).NotTo(HaveOccurred(), "reading the activation code the issuer sent the cardholder")
		out, err := mc.Trigger(ctx, "enterActivationCode", map[string]any{"tokenUniqueReference": op.TokenRef, "activationCode": otherCode(issued)})
		Expect(err).NotTo(HaveOccurred(), "the issuer did not answer Validate Activation Code for a wrong code")
		Expect(out["result"]).To(Equal("INCORRECT_CODE"), "a code the issuer never issued must be INCORRECT_CODE")
		Expect(out["status"]).To(Equal("INACTIVE"), "a wrong code activated the token")

		out, err = mc.Trigger(ctx, "enterActivationCode", map[string]any{"tokenUniqueReference": op.TokenRef, "activationCode": issued})
		Expect(err).NotTo(HaveOccurred(), "the issuer did not answer Validate Activation Code for the code it issued")
		Expect(out["result"]).To(Equal("SUCCESS"), "the issuer refused the code it sent the cardholder")
		Expect(out["status"]).To(Equal("ACTIVE"), "the right code did not activate the token")
		Expect(mc.Wait(ctx, op).Status).To(Equal(client.Succeeded), "the activated enrolment succeeds")

		vac := mc.Correlated(ctx, "validateActivationCode", journal.Outbound, op.TokenRef)
		Expect(vac).To(HaveLen(2), "one Validate Activation Code per code entered")
		for _, e := range vac {
			Expect(e.ResponseCheck).NotTo(BeNil(), "the answer was not checked against the document")
			Expect(e.ResponseCheck.OK).To(BeTrue(), "the answer does not match the document: %v", e.ResponseCheck.Issues)
		}
	})
})

// otherCode is a code of the same form as code that is not code: its last
// digit moved on by one (or a code of zeros for a code that does not end
// in a digit).
func otherCode(code string) string {
	if n := len(code); n > 0 && code[n-1] >= '0' && code[n-1] <= '9' {
		return code[:n-1] + string('0'+(code[n-1]-'0'+1)%10)
	}
	return "000000"
}
