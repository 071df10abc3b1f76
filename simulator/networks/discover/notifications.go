package discover

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document of Discover's notifications.
const CallbackSpec = "discover/issuer-notifications.yaml"

var _ simulator.Triggerer = (*Network)(nil)

// Sign computes the x-dfs-signature of a notification body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

type tokenEvent struct {
	EventID    string `json:"eventId"`
	ConsumerID string `json:"consumerId"`
	CardID     string `json:"cardId"`
	TokenRef   string `json:"tokenRef"`
	BIN        string `json:"bin,omitempty"`
	Last4      string `json:"last4,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	OccurredAt string `json:"occurredAt"`
}

// notify sends a token event to the issuer now and waits for its answer (a
// trigger reports it), when a callback URL is registered.
func (n *Network) notify(ctx context.Context, ev tokenEvent, glitch bool) (*simulator.CallbackResult, error) {
	if !n.env.Callbacks.Configured() {
		return nil, errors.New("no callback URL is registered for discover")
	}
	return n.env.Callbacks.Send(ctx, n.event(ev, glitch))
}

// metaGlitch marks an event whose first attempt carries a spoilt
// signature, as a transient fault would, so the issuer's refusal and the
// redelivery can be observed.
const metaGlitch = "glitch"

// event builds the callback of one token event; its event ID is the
// callback's ID and travels in x-dfs-event-id on every attempt.
func (n *Network) event(ev tokenEvent, glitch bool) *simulator.Callback {
	if ev.EventID == "" {
		ev.EventID = "evt-" + n.env.IDs.Hex(8)
	}
	ev.OccurredAt = n.env.Clock.Now().UTC().Format(time.RFC3339)
	body, _ := json.Marshal(ev)
	cb := &simulator.Callback{
		ID: ev.EventID, OrderKey: ev.TokenRef,
		Spec: CallbackSpec, OperationID: "notifyTokenEvent", Method: http.MethodPost, Path: "/token-events",
		Header: http.Header{"x-dfs-event-id": {ev.EventID}},
		Body:   body, CorrelationIDs: []string{ev.ConsumerID, ev.EventID},
	}
	if glitch {
		cb.Meta = map[string]string{metaGlitch: "first-attempt"}
	}
	return cb
}

// SignCallback implements simulator.CallbackSigner: x-dfs-signature, the
// HMAC-SHA256 of the body under the client secret.
func (n *Network) SignCallback(r *http.Request, cb *simulator.Callback, attempt int) error {
	n.credMu.RLock()
	secret := n.clientSecret
	n.credMu.RUnlock()
	if cb.Meta[metaGlitch] == "first-attempt" && attempt == 1 {
		secret += "-garbled-in-transit"
	}
	r.Header.Set("x-dfs-signature", Sign(secret, cb.Body))
	return nil
}

// notifyLifecycle tells the issuer about a token status its own request
// changed, after the operation completed; a token's events reach the issuer
// in order (the token is their OrderKey).
func (n *Network) notifyLifecycle(ctx context.Context, op operation, k card) {
	status := map[string]string{"SUSPEND": "SUSPENDED", "RESUME": "ACTIVE", "DELETE_CARD": "DELETED"}[op.Type]
	if status == "" || !n.env.Callbacks.Configured() {
		return
	}
	cb := n.event(tokenEvent{ConsumerID: op.ConsumerID, CardID: op.CardID, TokenRef: k.TokenRef, BIN: k.BIN, Last4: k.Last4,
		Status: status, Reason: "ISSUER_REQUEST"}, false)
	if err := n.env.Callbacks.Enqueue(ctx, cb); err != nil {
		n.env.Logger.Warn("token event not enqueued", "operation", op.ID, "error", err)
	}
}

// Triggers implements simulator.Triggerer.
func (n *Network) Triggers() []string { return []string{"tokenStatusChange"} }

// Trigger implements simulator.Triggerer: "tokenStatusChange" makes the
// network change a card's token status on its own (suspected fraud, review
// cleared) and notify the issuer. Parameters: consumerId, cardId, status
// (SUSPENDED | ACTIVE | DELETED), optional eventId (reuse one to deliver a
// duplicate) and glitch (true: the first delivery's signature is spoilt).
func (n *Network) Trigger(ctx context.Context, name string, p map[string]any) (map[string]any, error) {
	str := func(k string) string { s, _ := p[k].(string); return s }
	consumerID, cardID, status := str("consumerId"), str("cardId"), str("status")
	reason := map[string]string{"SUSPENDED": "NETWORK_FRAUD_SUSPECTED", "ACTIVE": "NETWORK_REVIEW_CLEARED", "DELETED": "OTHER"}[status]
	if reason == "" {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "status must be SUSPENDED, ACTIVE or DELETED")
	}
	n.mu.Lock()
	var k card
	err := n.consumers.Update(ctx, consumerID, func(c *consumer, exists bool) error {
		found := findCard(c.Cards, cardID)
		if !exists || found == nil {
			return fmt.Errorf("no card %s for consumer %s", cardID, consumerID)
		}
		switch status {
		case "DELETED":
			kept := c.Cards[:0]
			for _, x := range c.Cards {
				if x.CardID != cardID {
					kept = append(kept, x)
				}
			}
			k = *found
			c.Cards = kept
		default:
			found.Status = status
			k = *found
		}
		return nil
	})
	n.mu.Unlock()
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "%v", err)
	}
	glitch, _ := p["glitch"].(bool)
	ev := tokenEvent{EventID: str("eventId"), ConsumerID: consumerID, CardID: cardID, TokenRef: k.TokenRef, BIN: k.BIN, Last4: k.Last4, Status: status, Reason: reason}
	res, err := n.notify(ctx, ev, glitch)
	if err != nil {
		return nil, err
	}
	return map[string]any{"status": res.Status, "attempts": res.Attempts, "findings": res.Findings}, nil
}
