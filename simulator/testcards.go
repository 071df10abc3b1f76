package simulator

// Outcomes a test card can select that every network names the same way
// (TestCard.Outcome), so a scenario that holds for every network takes its
// card from GET /_admin/networks by outcome instead of restating numbers.
// A network's other outcomes keep its own names (its error codes).
const (
	// OutcomeApproved enrols and completes. The network approves every card
	// number in its ranges that it lists no other outcome for.
	OutcomeApproved = "approved"
	// OutcomeAnswerLost is processed, but the first answer is a retryable
	// error as if it was lost: a retry must find the card enrolled, not
	// enrol it twice.
	OutcomeAnswerLost = "answer-lost"
)
