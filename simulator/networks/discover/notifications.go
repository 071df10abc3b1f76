package discover

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document of Discover's notifications.
const CallbackSpec = "discover/issuer-notifications.yaml"

type tokenEvent struct {
	EventID          string `json:"eventId"`
	ConsumerID       string `json:"consumerId"`
	CardID           string `json:"cardId"`
	TokenReferenceID string `json:"tokenReferenceId"`
	BIN              string `json:"bin,omitempty"`
	Last4            string `json:"last4,omitempty"`
	Status           string `json:"status"`
	Reason           string `json:"reason"`
	OccurredAt       string `json:"occurredAt"`
}

// metaGlitch marks an event whose first attempt carries a signature that
// does not verify, as a transient fault would, so the issuer's refusal and
// the redelivery can be observed.
const metaGlitch = "glitch"

// event builds the callback of one token event; its event ID is the
// callback's ID, the same on every attempt. The event is kept, so a
// redelivery sends it again exactly.
func (n *Network) event(ctx context.Context, ev tokenEvent, glitch bool) *simulator.Callback {
	if ev.EventID == "" {
		ev.EventID = "evt-" + n.env.IDs.Hex(8)
	}
	if ev.OccurredAt == "" {
		ev.OccurredAt = n.env.Clock.Now().UTC().Format(time.RFC3339)
	}
	if err := n.events.Put(ctx, ev.EventID, ev); err != nil {
		n.env.Logger.Warn("token event not kept for redelivery", "event", ev.EventID, "error", err)
	}
	body, _ := json.Marshal(ev)
	cb := &simulator.Callback{
		ID: ev.EventID, OrderKey: ev.TokenReferenceID,
		Spec: CallbackSpec, OperationID: "notifyTokenEvent", Method: http.MethodPost, Path: "/token-events",
		Body: body, CorrelationIDs: []string{ev.ConsumerID, ev.EventID, ev.TokenReferenceID},
	}
	if glitch {
		cb.Meta = map[string]string{metaGlitch: "first-attempt"}
	}
	return cb
}

// SignCallback implements simulator.CallbackSigner: a fresh X-Request-ID
// and X-DFS-C-APP-JWT, the Discover-signed JWS over the body (kid of the
// JWKS signing key). The glitched first attempt is signed with a key the
// JWKS does not hold under that kid.
func (n *Network) SignCallback(r *http.Request, cb *simulator.Callback, attempt int) error {
	keys, err := n.rsaKeys()
	if err != nil {
		return err
	}
	key := keys.sig
	if cb.Meta[metaGlitch] == "first-attempt" && attempt == 1 {
		key = keys.enc
	}
	jwt, err := secondfactor.Sign(key, n.sigKeyID, cb.Body, n.env.Clock.Now())
	if err != nil {
		return err
	}
	r.Header.Set(secondfactor.HeaderJWT, jwt)
	r.Header.Set(headerRequestID, n.env.IDs.UUID())
	return nil
}

// notifyIssuer enqueues a token event; a token's events reach the issuer in
// order (the token is their OrderKey).
func (n *Network) notifyIssuer(ctx context.Context, consumerID string, k card, status, reason string) {
	if !n.env.Callbacks.Configured() {
		return
	}
	cb := n.event(ctx, tokenEvent{ConsumerID: consumerID, CardID: k.CardID, TokenReferenceID: k.TokenRef, BIN: k.BIN, Last4: k.Last4,
		Status: status, Reason: reason}, false)
	if err := n.env.Callbacks.Enqueue(ctx, cb); err != nil {
		n.env.Logger.Warn("token event not enqueued", "token", k.TokenRef, "error", err)
	}
}

// Triggers implements simulator.Triggerer.
func (n *Network) Triggers() []string { return []string{"tokenStatusChange"} }

// Trigger implements simulator.Triggerer: "tokenStatusChange" makes the
// network change a card's token on its own (suspected fraud, review
// cleared, unlinked) and notify the issuer now, reporting the delivery.
// Parameters: consumerId, cardId, status (SUSPENDED | ACTIVE | UNLINKED;
// DELETED is taken for UNLINKED), optional eventId (an event ID delivered
// before is sent again exactly as it was, as a network's redelivery does,
// and changes nothing) and glitch (true: the first delivery's signature
// does not verify).
func (n *Network) Trigger(ctx context.Context, name string, p map[string]any) (map[string]any, error) {
	if name != "tokenStatusChange" {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "discover has no trigger %q (it has tokenStatusChange)", name)
	}
	str := func(k string) string { s, _ := p[k].(string); return s }
	consumerID, cardID, status := str("consumerId"), str("cardId"), strings.ToUpper(str("status"))
	if status == "DELETED" {
		status = statusUnlinked
	}
	reason := map[string]string{statusSuspended: "NETWORK_FRAUD_SUSPECTED", statusActive: "NETWORK_REVIEW_CLEARED", statusUnlinked: "OTHER"}[status]
	if reason == "" {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "status must be SUSPENDED, ACTIVE or UNLINKED")
	}
	if !n.env.Callbacks.Configured() {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "no callback URL is registered for discover")
	}
	glitch, _ := p["glitch"].(bool)
	var cb *simulator.Callback
	if prev, err := n.events.Get(ctx, str("eventId")); err == nil && str("eventId") != "" {
		cb = n.event(ctx, prev, glitch) // a redelivery: the event as it was sent
	} else {
		k, err := n.networkChange(ctx, consumerID, cardID, status)
		if err != nil {
			return nil, err
		}
		cb = n.event(ctx, tokenEvent{EventID: str("eventId"), ConsumerID: consumerID, CardID: cardID,
			TokenReferenceID: k.TokenRef, BIN: k.BIN, Last4: k.Last4, Status: status, Reason: reason}, glitch)
	}
	res, err := n.env.Callbacks.Send(ctx, cb)
	if err != nil {
		return nil, simulator.Errorf(http.StatusBadGateway, simulator.KindUnavailable, "%v", err)
	}
	return map[string]any{"status": res.Status, "attempts": res.Attempts, "findings": res.Findings}, nil
}

// networkChange sets a card's token status as the network decided; a card
// already in that status is left as it is.
func (n *Network) networkChange(ctx context.Context, consumerID, cardID, status string) (card, error) {
	c, err := n.consumers.Get(ctx, consumerID)
	if err != nil {
		return card{}, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no consumer %s", consumerID)
	}
	k := findCard(c.Cards, cardID)
	if k == nil {
		return card{}, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no card %s for consumer %s", cardID, consumerID)
	}
	if k.Status == status {
		return *k, nil
	}
	op := map[string]string{statusSuspended: "Suspend", statusActive: "Resume", statusUnlinked: "Unlink"}[status]
	_, before, err := n.changeToken(ctx, k.TokenRef, op)
	var e *simulator.Error
	if errors.As(err, &e) {
		return card{}, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "%s", e.Message)
	}
	return before, err
}
