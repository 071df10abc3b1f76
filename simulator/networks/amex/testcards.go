package amex

import (
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Card outcomes.
const (
	outcomeApproved        = simulator.OutcomeApproved
	outcomeIneligible      = "ineligible"
	outcomeDeclined        = "declined"
	outcomeAlreadyEnrolled = "already-enrolled"
	outcomeServiceError    = "service-error"
	outcomeUnavailable     = "unavailable"
	outcomeAnswerLost      = simulator.OutcomeAnswerLost
	outcomeNotAmex         = "not-amex"
)

func testCard(stem string) string { return stem + string(pan.LuhnCheckDigit(stem)) }

var testCards = []simulator.TestCard{
	{PAN: SampleTestPAN, Outcome: outcomeApproved, Description: "the Token Service SDK's sample card (not Luhn-valid, accepted as a test card): enrols, token ACTIVE"},
	{PAN: "378282246310005", Outcome: outcomeApproved, Description: "the widely published American Express test number: enrols, token ACTIVE"},
	{PAN: testCard("34000000000001"), Outcome: outcomeApproved, Description: "enrols (34 range)"},
	{PAN: testCard("37000000000002"), Outcome: outcomeIneligible, Description: "422 CARD_INELIGIBLE: not eligible for Click to Pay (terminal)"},
	{PAN: testCard("37000000000005"), Outcome: outcomeDeclined, Description: "422 CARD_DECLINED: tokenisation declined (terminal)"},
	{PAN: testCard("37000000000009"), Outcome: outcomeAlreadyEnrolled, Description: "409 ALREADY_ENROLLED: enrolled by another Card Member profile"},
	{PAN: testCard("37000000000050"), Outcome: outcomeServiceError, Description: "500 SERVICE_ERROR (retryable; not remembered under its x-amex-request-id)"},
	{PAN: testCard("37000000000053"), Outcome: outcomeUnavailable, Description: "503 SERVICE_UNAVAILABLE (retryable; not remembered under its x-amex-request-id)"},
	{PAN: testCard("37000000000059"), Outcome: outcomeAnswerLost, Description: "enrols, but the first answer is a 503 SERVICE_UNAVAILABLE as if it was lost: a retry meets 409 ALREADY_ENROLLED and must check the profile, not enrol twice (IDM-04)"},
	{PAN: "4111111111111111", Outcome: outcomeNotAmex, Description: "any card number that is not 15 digits starting 34 or 37: 400 VALIDATION_ERROR from the plaintext schema"},
}

// TestCards implements simulator.TestCardLister.
func (n *Network) TestCards() []simulator.TestCard { return testCards }

func outcomeOf(p string) string {
	for _, c := range testCards {
		if c.PAN == p {
			return c.Outcome
		}
	}
	return outcomeApproved
}
