package amex

import (
	"context"
	"sort"

	"github.com/c2psim/c2psim/simulator"
)

var (
	_ simulator.TriggerDescriber = (*Network)(nil)
	_ simulator.StateViewer      = (*Network)(nil)
)

// DescribeTriggers implements simulator.TriggerDescriber (see Trigger).
func (n *Network) DescribeTriggers() []simulator.TriggerInfo {
	reasons := make([]string, 0, len(notificationReasons))
	for r := range notificationReasons {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	statuses := []string{statusSuspended, statusActive, statusDeleted}
	return []simulator.TriggerInfo{{
		Name:    "tokenStatusChange",
		Summary: "American Express changes a token's status on its own (suspected fraud, review cleared, Card Member removal), with the transition rules of the issuer's own requests, and notifies the issuer (MAC-signed, JWE payload).",
		Params: []simulator.TriggerParam{
			{Name: "token_ref_id", Type: simulator.ParamString, Required: true, Card: true, Description: "The token's reference (AXTR…)."},
			{Name: "status", Type: simulator.ParamString, Required: true, Enum: statuses, Description: "The status the token goes to."},
			{Name: "reason", Type: simulator.ParamString, Enum: reasons,
				Description: "Why; default NETWORK_FRAUD_SUSPECTED for SUSPENDED, NETWORK_REVIEW_CLEARED for ACTIVE, OTHER for DELETED."},
			{Name: "initiator", Type: simulator.ParamString, Enum: []string{"NETWORK", "CARD_MEMBER"}, Default: "NETWORK", Description: "Who changed the token."},
			{Name: "notification_id", Type: simulator.ParamString,
				Description: "Reuse a notification's ID to deliver a duplicate: the change is not applied again (the token must already have status)."},
			{Name: "previous_status", Type: simulator.ParamString, Enum: statuses, Description: "For a duplicate: the previous status the first delivery carried."},
			{Name: "glitch", Type: simulator.ParamBoolean, Description: "Spoil the first delivery's MAC: the issuer must refuse it, and accept the retry."},
		},
		Examples: []simulator.TriggerExample{
			{Title: "Suspected fraud", Params: map[string]any{"status": statusSuspended}},
			{Title: "Review cleared", Params: map[string]any{"status": statusActive}},
			{Title: "Card Member removes the card", Params: map[string]any{"status": statusDeleted, "initiator": "CARD_MEMBER", "reason": "CARDHOLDER_REQUEST"}},
			{Title: "Garbled first delivery", Params: map[string]any{"status": statusSuspended, "glitch": true}},
		},
	}}
}

// StateItems implements simulator.StateViewer: Card Member profiles and
// their tokens.
func (n *Network) StateItems(ctx context.Context) ([]simulator.StateItem, error) {
	consumers, err := n.consumers.List(ctx)
	if err != nil {
		return nil, err
	}
	var items []simulator.StateItem
	for _, c := range consumers {
		items = append(items, simulator.StateItem{Kind: simulator.ItemConsumer, ID: c.ConsumerRef,
			Refs: map[string]string{"consumer_ref": c.ConsumerRef}, CorrelationID: c.ConsumerRef, Collection: "consumers", Key: c.ConsumerRef})
	}
	tokens, err := n.tokens.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		refs := map[string]string{"token_ref_id": t.TokenRefID, "consumer_ref": t.ConsumerRef}
		if t.CardRef != "" {
			refs["card_ref"] = t.CardRef
		}
		items = append(items, simulator.StateItem{Kind: simulator.ItemToken, ID: t.TokenRefID, Status: t.Status,
			Card: simulator.MaskedCard(t.BIN, t.Last4, 15), Consumer: t.ConsumerRef, Refs: refs,
			CorrelationID: t.TokenRefID, Collection: "tokens", Key: t.TokenRefID})
	}
	return items, nil
}
