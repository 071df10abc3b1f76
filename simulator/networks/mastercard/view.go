package mastercard

import (
	"context"

	"github.com/c2psim/c2psim/simulator"
)

var (
	_ simulator.TriggerDescriber = (*Network)(nil)
	_ simulator.StateViewer      = (*Network)(nil)
)

// tokenParam names the token a trigger acts on; the state view's cards
// carry it in their refs.
var tokenParam = simulator.TriggerParam{Name: "tokenUniqueReference", Type: simulator.ParamString, Card: true,
	Description: "The token's Token Unique Reference (DM4MMC…): the card's token, as the enrolment answered it."}

// DescribeTriggers implements simulator.TriggerDescriber (see Trigger for
// what each one does).
func (n *Network) DescribeTriggers() []simulator.TriggerInfo {
	return []simulator.TriggerInfo{
		{Name: TriggerEnterActivationCode,
			Summary: "The cardholder enters the activation code Deliver Activation Code sent: a right, unexpired code activates the INACTIVE token (Notify Service Activated and Notify Token Updated follow); with issuerValidatesCode on, MDES asks the issuer (Validate Activation Code) and follows its result.",
			Params: []simulator.TriggerParam{
				{Name: tokenParam.Name, Type: tokenParam.Type, Card: true, Required: true, Description: tokenParam.Description},
				{Name: "activationCode", Type: simulator.ParamString, Description: "The code the cardholder typed; default the code delivered. A wrong one counts an attempt (three at most)."},
			}},
		{Name: TriggerTokenStatusChange,
			Summary: "The token requestor, the cardholder or the network changes the token on its own and MDES sends Notify Token Updated; it can also redeliver a notification exactly as sent, or send one whose payload is encrypted to another key (a misrouted notification the issuer must refuse).",
			Params: []simulator.TriggerParam{
				{Name: tokenParam.Name, Type: tokenParam.Type, Card: true, Description: tokenParam.Description + " Required but for a redelivery."},
				{Name: "status", Type: simulator.ParamString, Enum: []string{statusActive, statusSuspended, statusDeactivated},
					Description: "The status the token goes to: SUSPENDED adds the suspender, ACTIVE lifts its suspension, DEACTIVATED deletes the token. Asking for the status the token has re-sends the notification and changes nothing."},
				{Name: "suspendedBy", Type: simulator.ParamString, Enum: []string{"TOKEN_REQUESTOR", "CARDHOLDER"}, Default: "TOKEN_REQUESTOR",
					Description: "Who suspends or resumes."},
				{Name: "requestId", Type: simulator.ParamString,
					Description: "The notification's requestId: reuse one to deliver a duplicate; with redeliver, the notification to send again."},
				{Name: "redeliver", Type: simulator.ParamBoolean,
					Description: "Send the Notify Token Updated sent under requestId again, unchanged, whatever the token's status now (as MDES does when it had no answer in time)."},
				{Name: "encryption", Type: simulator.ParamString, Enum: []string{"foreignKey"},
					Description: "foreignKey: a FUNDING_ACCOUNT_UPDATE notification whose payload is encrypted to a key that is not the issuer's; nothing changes, the issuer must refuse it."},
			},
			Examples: []simulator.TriggerExample{
				{Title: "Token requestor suspends", Params: map[string]any{"status": statusSuspended, "suspendedBy": "TOKEN_REQUESTOR"}},
				{Title: "Cardholder resumes", Params: map[string]any{"status": statusActive, "suspendedBy": "CARDHOLDER"}},
				{Title: "Token deleted", Params: map[string]any{"status": statusDeactivated}},
				{Title: "Redeliver a notification", Params: map[string]any{"redeliver": true, "requestId": ""}},
				{Title: "Misrouted notification", Params: map[string]any{"encryption": "foreignKey"}},
			}},
		{Name: TriggerSuspiciousEvent,
			Summary: "MDES sends Notify Suspicious Events (REPLENISH) for the token.",
			Params: []simulator.TriggerParam{
				{Name: tokenParam.Name, Type: tokenParam.Type, Card: true, Required: true, Description: tokenParam.Description},
				{Name: "atcNotFound", Type: simulator.ParamArray, Default: "1234", Description: "The ATCs MDES did not find."},
			}},
		{Name: TriggerAccountInformation,
			Summary: "MDES asks the issuer for the token's account information (Get Account Information); the answer reports the issuer's status.",
			Params: []simulator.TriggerParam{
				{Name: tokenParam.Name, Type: tokenParam.Type, Card: true, Required: true, Description: tokenParam.Description},
			}},
	}
}

// StateItems implements simulator.StateViewer: consumers of the Enroll API
// and the Credential Directory, and each enrolled card with its token
// (one token a card: the card's status is its token's).
func (n *Network) StateItems(ctx context.Context) ([]simulator.StateItem, error) {
	var items []simulator.StateItem
	consumers, err := n.state.consumers.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range consumers {
		items = append(items, simulator.StateItem{Kind: simulator.ItemConsumer, ID: c.ExternalConsumerID,
			Refs:          map[string]string{"externalConsumerId": c.ExternalConsumerID, "srcConsumerId": c.SrcConsumerID},
			CorrelationID: c.ExternalConsumerID, Collection: "consumers", Key: c.ExternalConsumerID})
	}
	cards, err := n.state.cards.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cards {
		refs := map[string]string{"tokenUniqueReference": c.TokenUniqueRef, "srcDigitalCardId": c.SrcDigitalCardID, "srcConsumerId": c.SrcConsumerID}
		if c.ExternalCredentialID != "" {
			refs["externalCredentialId"] = c.ExternalCredentialID
		}
		consumer := c.ExternalConsumerID
		if consumer == "" {
			consumer = c.Consumer.ExternalConsumerID
		}
		items = append(items, simulator.StateItem{Kind: simulator.ItemCard, ID: c.SrcDigitalCardID, Status: c.Status,
			Card: simulator.MaskedCard(c.PanBIN, c.PanLastFour, 16), Consumer: consumer, Refs: refs,
			// MDES Customer Service calls and the callbacks about the
			// token carry its reference.
			CorrelationID: c.TokenUniqueRef, Collection: "cards", Key: c.CardRef})
	}
	return items, nil
}
