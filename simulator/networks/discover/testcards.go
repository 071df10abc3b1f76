package discover

import (
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Card outcomes.
const (
	outcomeApproved     = "approved"
	outcomeIneligible   = "ineligible"
	outcomeDeclined     = "declined"
	outcomeServiceError = "service-error"
	outcomeSlow         = "slow"
	outcomeAsyncFailure = "async-failure"
	outcomeAnswerLost   = "answer-lost"
	outcomeNotDiscover  = "not-discover"
)

func testCard(stem string) string { return stem + string(pan.LuhnCheckDigit(stem)) }

var testCards = []simulator.TestCard{
	{PAN: "6445644564456445", Outcome: outcomeApproved, Description: "the widely published Discover test card: enrols, token and PAR issued"},
	{PAN: testCard("601100000000001"), Outcome: outcomeApproved, Description: "enrols (6011 range)"},
	{PAN: testCard("650000000000001"), Outcome: outcomeApproved, Description: "enrols (65 range)"},
	{PAN: testCard("601100000000203"), Outcome: outcomeIneligible, Description: "refused at once: 400 code 10002, PAN ineligible for Click to Pay"},
	{PAN: testCard("601100000000205"), Outcome: outcomeDeclined, Description: "accepted (202), then FAILED with code 10007: the account can't be added (tokenisation declined)"},
	{PAN: testCard("601100000000500"), Outcome: outcomeServiceError, Description: "refused at once: 500 code 30002, downstream system unavailable (retryable)"},
	{PAN: testCard("601100000000700"), Outcome: outcomeAsyncFailure, Description: "accepted (202), then FAILED with code 30001: unexpected error while processing (retry the operation)"},
	{PAN: testCard("601100000000900"), Outcome: outcomeSlow, Description: "accepted (202), outcome only after slowDelay (default 30s)"},
	{PAN: testCard("601100000000503"), Outcome: outcomeAnswerLost, Description: "accepted and processed, but the first answer is a 500 code 30002 as if it was lost: a retry meets 2009 (in progress) or 10009 (already provisioned) and must check the profile, not enrol twice (IDM-04)"},
	{PAN: "4111111111111111", Outcome: outcomeNotDiscover, Description: "any card outside the Discover ranges (6011, 644-649, 65): 400 code 10002"},
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
