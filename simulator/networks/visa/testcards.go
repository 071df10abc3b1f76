package visa

import (
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Card outcomes.
const (
	outcomeApproved       = simulator.OutcomeApproved
	outcomeNotSupported   = "VIDC-2007"
	outcomeEntitlement    = "VIDC-2002"
	outcomeExpired        = "VIDC-2003"
	outcomeNotTokenisable = "VIDC-7000"
	outcomeAsyncFailed    = "async-failed"
	outcomeSlow           = "slow"
	outcomeAnswerLost     = simulator.OutcomeAnswerLost
)

// testCard builds a Luhn-valid 16-digit Visa test card from a 15-digit stem.
func testCard(stem string) string { return stem + string(pan.LuhnCheckDigit(stem)) }

var testCards = []simulator.TestCard{
	{PAN: "4111111145551140", Outcome: outcomeApproved, Description: "Visa's published VICA sample card: enrols and completes"},
	{PAN: "4111111145551141", Outcome: outcomeApproved, Description: "Visa's second published sample card: enrols and completes"},
	{PAN: "4111111111111111", Outcome: outcomeApproved, Description: "enrols and completes"},
	{PAN: testCard("400000000007000"), Outcome: outcomeNotTokenisable, Description: "accepted (202), then FAILURE VIDC-7000 in requestStatus: tokenisation declined"},
	{PAN: testCard("400000000005000"), Outcome: outcomeAsyncFailed, Description: "accepted (202), then FAILURE VIDC-5000 in requestStatus: service error while processing"},
	{PAN: testCard("400000000009000"), Outcome: outcomeSlow, Description: "accepted (202), completes only after slowDelay (default 30s)"},
	{PAN: testCard("400000000000503"), Outcome: outcomeAnswerLost, Description: "the first request carrying it is processed but answered 503 VIDC-5000, as if the answer was lost; a retry meets 409 VIDC-3000, then VIDC-2000/2004 (IDM-04)"},
	{PAN: testCard("400000000002003"), Outcome: outcomeExpired, Description: "refused at once: 400 VIDC-2003 expired card (whatever the expiry sent)"},
	{PAN: testCard("400000000002007"), Outcome: outcomeNotSupported, Description: "refused at once: 400 VIDC-2007 payment instrument not supported"},
	{PAN: testCard("400000000002002"), Outcome: outcomeEntitlement, Description: "refused at once: 400 VIDC-2002 entitlement check failed (not in an onboarded BIN range)"},
	{PAN: "5186001700008785", Outcome: "VIDC-2006", Description: "any card that is not a Visa card: 400 VIDC-2006"},
}

// TestCards implements simulator.TestCardLister.
func (n *Network) TestCards() []simulator.TestCard { return testCards }

func outcomeOf(accountNumber string) string {
	for _, c := range testCards {
		if c.PAN == accountNumber {
			return c.Outcome
		}
	}
	return outcomeApproved
}
