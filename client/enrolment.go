package client

import (
	"fmt"
	"time"
)

// State is an enrolment's place in the lifecycle (DOMAIN §5.2).
type State string

// Enrolment states.
const (
	StateRequested  State = "REQUESTED"
	StatePending    State = "PENDING"
	StateTokenizing State = "TOKENIZING"
	StateActive     State = "ACTIVE"
	StateSuspended  State = "SUSPENDED"
	StateOptedOut   State = "OPTED_OUT"
	StateReplaced   State = "REPLACED"
	StateFailed     State = "FAILED"
)

// transitions is the legal state machine. OPTED_OUT, REPLACED and FAILED are
// terminal: re-enrolment creates a new Enrolment.
var transitions = map[State][]State{
	StateRequested:  {StatePending, StateTokenizing, StateActive, StateFailed},
	StatePending:    {StateTokenizing, StateActive, StateFailed},
	StateTokenizing: {StateActive, StateFailed},
	StateActive:     {StateActive, StateSuspended, StateOptedOut, StateReplaced},
	StateSuspended:  {StateActive, StateOptedOut},
}

// CanTransition reports whether from → to is legal.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Enrolment is one card in one network's Click to Pay directory.
type Enrolment struct {
	ConsumerRef string            `json:"consumerRef"`
	CardRef     string            `json:"cardRef"`
	CardLast4   string            `json:"cardLast4"`
	cardKey     string            // the Issuer's keyed reference of the card number
	Network     Network           `json:"network"`
	State       State             `json:"state"`
	TokenRef    string            `json:"tokenRef,omitempty"`
	NetworkRefs map[string]string `json:"networkRefs,omitempty"`
	LastOp      *Operation        `json:"lastOperation,omitempty"`
	UpdatedAt   time.Time         `json:"updatedAt"`
}

// Transition moves the enrolment to state to, or returns an error wrapping
// ErrIllegalTransition and leaves it unchanged.
func (e *Enrolment) Transition(to State, at time.Time) error {
	if !CanTransition(e.State, to) {
		return fmt.Errorf("%w: %s → %s (card %s on %s)", ErrIllegalTransition, e.State, to, e.CardRef, e.Network)
	}
	e.State, e.UpdatedAt = to, at
	return nil
}
