package client

import (
	"context"
	"errors"
	"fmt"
)

// ExistingEnroller enrols into Click to Pay a consumer the network already
// knows from another of its products (Visa: Enroll Existing Issuer Data),
// with a full card, or by the network's reference to one of the consumer's
// registered payment instruments (no card data travels).
type ExistingEnroller interface {
	EnrolExisting(ctx context.Context, consumerRef string, card Card) (*Operation, error)
	EnrolExistingByReference(ctx context.Context, consumerRef, instrumentRef string) (*Operation, error)
}

// EnrolExisting enrols card for a consumer the card's network already knows
// from another of its products. With instrumentRef the network is asked to
// enrol its registered instrument of that reference and card is only the
// issuer's record of it. Networks without such an operation answer
// ErrUnsupported.
func (i *Issuer) EnrolExisting(ctx context.Context, c Consumer, card Card, instrumentRef string) (*Operation, error) {
	if err := errors.Join(c.Validate(), card.Validate()); err != nil {
		return nil, fmt.Errorf("enrolling existing consumer's card %s: %w: %w", card.PAN, ErrValidation, err)
	}
	n, err := i.router.Route(card)
	if err != nil {
		return nil, fmt.Errorf("enrolling existing consumer's card: %w", err)
	}
	e, err := capability[ExistingEnroller](i, n)
	if err != nil {
		return nil, fmt.Errorf("enrolling existing consumer's card: %w", err)
	}
	k := key(n, card.Ref)
	i.mu.Lock()
	if prev, ok := i.enrolments[k]; ok && (prev.State == StateActive || prev.State == StatePending || prev.State == StateTokenizing) {
		i.mu.Unlock()
		return nil, fmt.Errorf("enrolling card %s on %s: %w (state %s)", card.Ref, n, ErrAlreadyEnrolled, prev.State)
	}
	i.enrolments[k] = &Enrolment{ConsumerRef: c.Ref, CardRef: card.Ref, CardLast4: card.PAN.Last4(), cardKey: i.cardKey(card.PAN), Network: n, State: StateRequested, UpdatedAt: i.now()}
	i.mu.Unlock()

	op, err := i.call(ctx, n, c.Ref, "enrolling existing consumer's card "+card.Ref, func(ctx context.Context, _ int) (*Operation, error) {
		if instrumentRef != "" {
			return e.EnrolExistingByReference(ctx, c.Ref, instrumentRef)
		}
		return e.EnrolExisting(ctx, c.Ref, card)
	})
	i.mu.Lock()
	defer i.mu.Unlock()
	if err != nil {
		_ = i.enrolments[k].Transition(StateFailed, i.now())
		return nil, err
	}
	delete(i.optedOut, k)
	op.Kind, op.ConsumerRef, op.CardRef = KindEnrol, c.Ref, card.Ref
	i.applyLocked(op)
	return op, nil
}
