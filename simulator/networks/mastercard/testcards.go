package mastercard

import (
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Card outcomes.
const (
	outcomeEnrolled        = simulator.OutcomeApproved
	outcomeIneligible      = "CARD_INELIGIBLE"
	outcomeDeclined        = "DECLINED"
	outcomeAlreadyEnrolled = "ALREADY_EXISTS"
	outcomeServiceError    = "INTERNAL"
	outcomeYellow          = "yellow"
	outcomeSlow            = "slow"
	outcomeAnswerLost      = simulator.OutcomeAnswerLost
	// Enrolled, but MDES's callbacks for the card use another legal form of
	// field level encryption (Issuer Outbound API 2.0.21).
	// The yellow path with a code the issuer issues itself: Deliver
	// Activation Code carries none and the cardholder's code goes to
	// Validate Activation Code.
	outcomeYellowIssuerCode = "yellow-issuer-code"
	outcomeFLESHA512        = "fle-oaep-sha512"
	outcomeFLEPKCS1         = "fle-pkcs1"
	outcomeFLEZeroIV        = "fle-zero-iv"
)

// testCard builds a Luhn-valid 16-digit Mastercard test card from a 15-digit stem.
func testCard(stem string) string { return stem + string(pan.LuhnCheckDigit(stem)) }

var testCards = []simulator.TestCard{
	{PAN: "5186001700008785", Outcome: outcomeEnrolled, Description: "Mastercard's published Click to Pay sandbox card: enrolled, token ACTIVE"},
	{PAN: "5186001700009726", Outcome: outcomeEnrolled, Description: "Mastercard's published Click to Pay sandbox card: enrolled, token ACTIVE"},
	{PAN: "5186001700009908", Outcome: outcomeEnrolled, Description: "Mastercard's published Click to Pay sandbox card: enrolled, token ACTIVE"},
	{PAN: "5186001700008876", Outcome: outcomeEnrolled, Description: "Mastercard's published Click to Pay sandbox card: enrolled, token ACTIVE"},
	{PAN: "5186001700001434", Outcome: outcomeEnrolled, Description: "Mastercard's published Click to Pay sandbox card: enrolled, token ACTIVE"},
	{PAN: "2223001850114872", Outcome: outcomeEnrolled, Description: "Mastercard's published 2-series sandbox card: enrolled, token ACTIVE"},
	{PAN: "2223001851474275", Outcome: outcomeEnrolled, Description: "Mastercard's published 2-series sandbox card: enrolled, token ACTIVE"},
	{PAN: testCard("518600170000422"), Outcome: outcomeIneligible, Description: "422 CARD_INELIGIBLE: the account range is not enabled for Click to Pay"},
	{PAN: testCard("518600170000051"), Outcome: outcomeDeclined, Description: "422 DECLINED: tokenisation declined, nothing enrolled"},
	{PAN: testCard("518600170000409"), Outcome: outcomeAlreadyEnrolled, Description: "409 ALREADY_EXISTS: the card is already enrolled in another profile"},
	{PAN: testCard("518600170000500"), Outcome: outcomeServiceError, Description: "500 INTERNAL: enrolment service error, nothing enrolled (retry-safe)"},
	{PAN: testCard("518600170000300"), Outcome: outcomeYellow, Description: "yellow path: enrolled with token INACTIVE even when Authorize Service approves; Deliver Activation Code follows; activate with trigger enterActivationCode or MDES activateToken"},
	{PAN: testCard("518600170000503"), Outcome: outcomeAnswerLost, Description: "enrolled, but the first putCard answer is a 503: a retry must find the card already enrolled, not enrol it twice (IDM-04)"},
	{PAN: testCard("518600170000310"), Outcome: outcomeYellowIssuerCode, Description: "yellow path with the issuer's own code: token INACTIVE, Deliver Activation Code without a code, the cardholder's code (trigger enterActivationCode) goes to Validate Activation Code"},
	{PAN: testCard("518600170000512"), Outcome: outcomeFLESHA512, Description: "enrolled, token ACTIVE; callbacks wrap their key with RSA-OAEP SHA-512 (oaepHashingAlgorithm SHA512)"},
	{PAN: testCard("518600170000150"), Outcome: outcomeFLEPKCS1, Description: "enrolled, token ACTIVE; callbacks wrap their key with RSA PKCS#1 v1.5 (no oaepHashingAlgorithm)"},
	{PAN: testCard("518600170000160"), Outcome: outcomeFLEZeroIV, Description: "enrolled, token ACTIVE; callbacks encrypt with an IV of zero (no iv)"},
	{PAN: testCard("518600170000900"), Outcome: outcomeSlow, Description: "enrolled, but the answer comes only after slowDelay (default 10s) on the simulator clock"},
}

// TestCards implements simulator.TestCardLister.
func (n *Network) TestCards() []simulator.TestCard { return testCards }

func outcomeOf(p string) string {
	for _, c := range testCards {
		if c.PAN == p {
			return c.Outcome
		}
	}
	return outcomeEnrolled
}
