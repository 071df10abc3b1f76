package simulator

import (
	"context"
	"strings"

	"github.com/c2psim/c2psim/client/pan"
)

// StateViewer is implemented by networks that show their state to people:
// consumers, cards and tokens with their lifecycle status and the
// identifiers that name them (GET /_admin/state/search, the console's State
// view). Items carry card numbers only masked (first six, last four); the
// engine masks every field again before it answers.
type StateViewer interface {
	StateItems(ctx context.Context) ([]StateItem, error)
}

// StateItem is one consumer, card or token of a network's state.
type StateItem struct {
	// Network is filled in by the engine.
	Network string `json:"network"`
	// Kind is consumer, card or token: a network whose tokens are its
	// enrolled cards (one token per card) shows them as cards with the
	// token's reference and status.
	Kind string `json:"kind"`
	// ID is the item's identifier at the network (consumer ID, card ID,
	// token reference).
	ID string `json:"id"`
	// Status is the lifecycle status, in the network's own words (ACTIVE,
	// SUSPENDED, DELETED ...).
	Status string `json:"status,omitempty"`
	// Card is the masked card number the item concerns.
	Card string `json:"card,omitempty"`
	// Consumer is the ID of the consumer a card or token belongs to.
	Consumer string `json:"consumer,omitempty"`
	// Refs are the item's identifiers by name; a trigger parameter marked
	// Card takes its value from the ref of the same name.
	Refs map[string]string `json:"refs,omitempty"`
	// CorrelationID is the correlation ID the journal files the item's
	// exchanges under (GET /_admin/journal?correlationId=...).
	CorrelationID string `json:"correlationId,omitempty"`
	// Collection and Key say where the record lives
	// (GET /_admin/state/{network}/{collection}).
	Collection string `json:"collection"`
	Key        string `json:"key"`
}

// Item kinds.
const (
	ItemConsumer = "consumer"
	ItemCard     = "card"
	ItemToken    = "token"
)

// MaskedCard writes the masked form of a card number known only by its
// first six and last four digits and its length, exactly as pan.Mask
// writes the full number.
func MaskedCard(bin, last4 string, length int) string {
	if len(bin) < 6 || len(last4) != 4 || length < 13 {
		return ""
	}
	return bin[:6] + strings.Repeat("*", length-10) + last4
}

// StateQuery selects state items. Zero fields do not filter.
type StateQuery struct {
	Network string
	Kind    string
	// Text matches, without case, the masked card, the ID, the consumer,
	// the status or any ref; a full card number is masked before it is
	// compared, so it finds its card.
	Text  string
	Limit int // 0: all
}

// StateItems returns the state items of every mounted network that has a
// view, masked, in network order then as each network lists them; more
// is true when Limit cut the list.
func (s *Simulator) StateItems(ctx context.Context, q StateQuery) (items []StateItem, more bool, err error) {
	text := strings.ToLower(strings.TrimSpace(q.Text))
	if text != "" {
		text = strings.ToLower(s.journal.Redactor().Text(text))
	}
	items = []StateItem{}
	for _, m := range s.networks {
		if q.Network != "" && m.id != q.Network {
			continue
		}
		sv, ok := m.net.(StateViewer)
		if !ok {
			continue
		}
		got, err := sv.StateItems(ctx)
		if err != nil {
			return nil, false, err
		}
		for _, it := range got {
			it.Network = m.id
			it = it.masked()
			if q.Kind != "" && it.Kind != q.Kind || text != "" && !it.contains(text) {
				continue
			}
			if q.Limit > 0 && len(items) == q.Limit {
				return items, true, nil
			}
			items = append(items, it)
		}
	}
	return items, false, nil
}

// masked returns it with card numbers masked in every field.
func (it StateItem) masked() StateItem {
	r := pan.RedactText
	it.ID, it.Status, it.Card, it.Consumer, it.Key = r(it.ID), r(it.Status), r(it.Card), r(it.Consumer), r(it.Key)
	it.CorrelationID = r(it.CorrelationID)
	if it.Refs != nil {
		refs := make(map[string]string, len(it.Refs))
		for k, v := range it.Refs {
			refs[r(k)] = r(v)
		}
		it.Refs = refs
	}
	return it
}

// contains reports whether lower-case text is in one of the item's fields.
func (it StateItem) contains(text string) bool {
	for _, f := range []string{it.ID, it.Status, it.Card, it.Consumer, it.Key} {
		if strings.Contains(strings.ToLower(f), text) {
			return true
		}
	}
	for _, v := range it.Refs {
		if strings.Contains(strings.ToLower(v), text) {
			return true
		}
	}
	return false
}
