package discover

import (
	"context"

	"github.com/c2psim/c2psim/simulator"
)

var (
	_ simulator.TriggerDescriber = (*Network)(nil)
	_ simulator.StateViewer      = (*Network)(nil)
)

// DescribeTriggers implements simulator.TriggerDescriber (see Trigger).
func (n *Network) DescribeTriggers() []simulator.TriggerInfo {
	return []simulator.TriggerInfo{{
		Name:    "tokenStatusChange",
		Summary: "Discover changes a card's token status on its own (suspected fraud, review cleared, unlinked) and notifies the issuer now, reporting the delivery; an event ID sent before is redelivered as it was.",
		Params: []simulator.TriggerParam{
			{Name: "consumerId", Type: simulator.ParamString, Required: true, Card: true, Description: "The consumer's ID at Discover, as the issuer chose it."},
			{Name: "cardId", Type: simulator.ParamString, Required: true, Card: true, Description: "The card's ID at Discover, as the issuer chose it."},
			{Name: "status", Type: simulator.ParamString, Required: true, Enum: []string{statusSuspended, statusActive, statusUnlinked, "DELETED"},
				Description: "The status the card's token goes to (UNLINKED removes the card from the consumer; DELETED is taken for UNLINKED)."},
			{Name: "eventId", Type: simulator.ParamString, Description: "An event ID delivered before is sent again exactly as it was (a redelivery) and changes nothing."},
			{Name: "glitch", Type: simulator.ParamBoolean, Description: "Spoil the first delivery's signature: the issuer must refuse it, and accept the retry."},
		},
		Examples: []simulator.TriggerExample{
			{Title: "Suspected fraud", Params: map[string]any{"status": "SUSPENDED"}},
			{Title: "Review cleared", Params: map[string]any{"status": "ACTIVE"}},
			{Title: "Unlinked", Params: map[string]any{"status": statusUnlinked}},
			{Title: "Garbled first delivery", Params: map[string]any{"status": "SUSPENDED", "glitch": true}},
		},
	}}
}

// StateItems implements simulator.StateViewer: consumers and their cards
// (each with its token reference and PAR).
func (n *Network) StateItems(ctx context.Context) ([]simulator.StateItem, error) {
	consumers, err := n.consumers.List(ctx)
	if err != nil {
		return nil, err
	}
	var items []simulator.StateItem
	for _, c := range consumers {
		id := c.Data.ConsumerID
		items = append(items, simulator.StateItem{Kind: simulator.ItemConsumer, ID: id,
			Refs: map[string]string{"consumerId": id}, CorrelationID: id, Collection: "consumers", Key: id})
		for _, k := range c.Cards {
			items = append(items, simulator.StateItem{Kind: simulator.ItemCard, ID: k.CardID, Status: k.Status,
				Card: simulator.MaskedCard(k.BIN, k.Last4, 16), Consumer: id,
				Refs:          map[string]string{"consumerId": id, "cardId": k.CardID, "tokenRef": k.TokenRef, "par": k.PAR},
				CorrelationID: k.TokenRef, Collection: "consumers", Key: id})
		}
	}
	return items, nil
}
