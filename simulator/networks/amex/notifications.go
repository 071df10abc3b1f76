package amex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document of the token status notifications.
const CallbackSpec = "amex/issuer-notifications.yaml"

// CallbackPath is where notifications go, under the issuer's callback URL.
const CallbackPath = "/tokens/status-notifications"

// Notification is the plaintext of notification_data
// (TokenNotificationPlaintext).
type Notification struct {
	NotificationID string `json:"notification_id"`
	TokenRefID     string `json:"token_ref_id"`
	ConsumerRef    string `json:"consumer_ref"`
	CardRef        string `json:"card_ref,omitempty"`
	AccountLast4   string `json:"account_last4,omitempty"`
	TokenStatus    string `json:"token_status"`
	PreviousStatus string `json:"previous_status"`
	Reason         string `json:"reason"`
	Initiator      string `json:"initiator"`
	OccurredAt     string `json:"occurred_at"`
}

func (n *Network) notification(t token, prev, reason, initiator, id string) Notification {
	if id == "" {
		id = n.env.IDs.UUID()
	}
	return Notification{NotificationID: id, TokenRefID: t.TokenRefID, ConsumerRef: t.ConsumerRef, CardRef: t.CardRef,
		AccountLast4: t.Last4, TokenStatus: t.Status, PreviousStatus: prev, Reason: reason, Initiator: initiator,
		OccurredAt: stamp(t.UpdatedAt)}
}

// notifyLater enqueues a notification, held for notificationDelay, when the
// issuer registered a callback URL. A token's notifications reach the issuer
// in the order of its changes (the token is their OrderKey).
func (n *Network) notifyLater(ctx context.Context, t token, prev, reason, initiator string) {
	if !n.env.Callbacks.Configured() {
		return
	}
	note := n.notification(t, prev, reason, initiator, "")
	cb, err := n.callback(note, false)
	if err == nil {
		cb.NotBefore = n.env.Clock.Now().Add(notificationDelaySetting.Get(n.env.Settings))
		err = n.env.Callbacks.Enqueue(ctx, cb)
	}
	if err != nil {
		n.env.Logger.Warn("token status notification not enqueued", "token", t.TokenRefID, "notification", note.NotificationID, "error", err)
	}
}

// send delivers one notification now and waits for the issuer's answer (a
// trigger reports it).
func (n *Network) send(ctx context.Context, note Notification, glitch bool) (*simulator.CallbackResult, error) {
	if !n.env.Callbacks.Configured() {
		return nil, errors.New("no callback URL is registered for amex")
	}
	cb, err := n.callback(note, glitch)
	if err != nil {
		return nil, err
	}
	return n.env.Callbacks.Send(ctx, cb)
}

// metaGlitch marks a notification whose first attempt carries a spoilt mac,
// as a transient fault would, so the issuer's refusal and the redelivery can
// be observed.
const metaGlitch = "glitch"

// callback builds one notification: notification_data is a JWE under the
// current shared key, x-amex-request-id its notification_id (the same on
// every attempt); SignCallback MAC-signs each attempt afresh.
func (n *Network) callback(note Notification, glitch bool) (*simulator.Callback, error) {
	plain, err := json.Marshal(note)
	if err != nil {
		return nil, err
	}
	n.env.CheckSchema(CallbackSpec, "TokenNotificationPlaintext", plain)
	n.credMu.RLock()
	kid, key, apiKey := n.encKid, n.encKeys[n.encKid], n.apiKey
	n.credMu.RUnlock()
	enc, err := jwe.Encrypt(plain, kid, key)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"notification_data": enc})
	cb := &simulator.Callback{
		ID: note.NotificationID, OrderKey: note.TokenRefID,
		Spec: CallbackSpec, OperationID: "notifyTokenStatus", Method: http.MethodPost, Path: CallbackPath,
		Body: body, Plaintext: plain, CorrelationIDs: []string{note.ConsumerRef, note.TokenRefID, note.NotificationID},
		Header: http.Header{mac.HeaderAPIKey: {apiKey}, mac.HeaderRequestID: {note.NotificationID}},
	}
	if glitch {
		cb.Meta = map[string]string{metaGlitch: "first-attempt"}
	}
	return cb, nil
}

// SignCallback implements simulator.CallbackSigner: the MAC header with the
// issuer's MAC key, fresh ts and nonce on every attempt.
func (n *Network) SignCallback(r *http.Request, cb *simulator.Callback, attempt int) error {
	n.credMu.RLock()
	macID, secret := n.macKeyID, n.macSecret
	n.credMu.RUnlock()
	if cb.Meta[metaGlitch] == "first-attempt" && attempt == 1 {
		secret += "-garbled-in-transit"
	}
	signer := &mac.Signer{ID: macID, Secret: secret, Now: n.env.Clock.Now, NewNonce: n.env.IDs.UUID}
	h, err := signer.Header(r.Method, r.URL, cb.Body)
	if err != nil {
		return err
	}
	r.Header.Set(mac.HeaderAuthorization, h)
	return nil
}

// Triggers implements simulator.Triggerer.
func (n *Network) Triggers() []string { return []string{"tokenStatusChange"} }

var networkReasons = map[string]string{statusSuspended: "NETWORK_FRAUD_SUSPECTED", statusActive: "NETWORK_REVIEW_CLEARED", statusDeleted: "OTHER"}

// notificationReasons are the reasons TokenNotificationPlaintext allows.
var notificationReasons = map[string]bool{
	"LOST": true, "STOLEN": true, "FRAUDULENT": true, "TEMPORARY_BLOCK": true, "FOUND": true, "CARD_CLOSED": true,
	"CARDHOLDER_REQUEST": true, "ISSUER_REQUEST": true, "NETWORK_FRAUD_SUSPECTED": true, "NETWORK_REVIEW_CLEARED": true, "OTHER": true,
}

var notificationTypes = map[string]string{statusSuspended: "suspend", statusActive: "resume", statusDeleted: "delete"}

// Trigger implements simulator.Triggerer: "tokenStatusChange" makes the
// network change a token's status on its own (suspected fraud, review
// cleared, Card Member removal) with the same transition rules as the
// issuer's requests, and notifies the issuer. Parameters: token_ref_id,
// status (SUSPENDED | ACTIVE | DELETED), optional reason and initiator
// (NETWORK by default, or CARD_MEMBER), notification_id (reuse one to deliver
// a duplicate; the status change is then not applied again) and glitch
// (true: the first delivery's mac is spoilt).
func (n *Network) Trigger(ctx context.Context, name string, p map[string]any) (map[string]any, error) {
	if name != "tokenStatusChange" {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "amex has no trigger %q (known: tokenStatusChange)", name)
	}
	str := func(k string) string { s, _ := p[k].(string); return s }
	id, status := str("token_ref_id"), str("status")
	reason, initiator, noteID := str("reason"), str("initiator"), str("notification_id")
	glitch, _ := p["glitch"].(bool)
	typ, ok := notificationTypes[status]
	if !ok {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "status must be SUSPENDED, ACTIVE or DELETED")
	}
	if reason == "" {
		reason = networkReasons[status]
	}
	if !notificationReasons[reason] {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "reason %q is not one of TokenNotificationPlaintext's reasons", reason)
	}
	if initiator == "" {
		initiator = "NETWORK"
	}
	if initiator != "NETWORK" && initiator != "CARD_MEMBER" {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "initiator must be NETWORK or CARD_MEMBER")
	}
	var (
		t    token
		prev string
		err  error
	)
	if noteID != "" {
		// A duplicate delivery of a notification already sent: the token is
		// where the first delivery left it (a change is one atomic write).
		t, err = n.tokens.Get(ctx, id)
		if err != nil {
			return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", id)
		}
		if t.Status != status {
			return nil, simulator.Errorf(http.StatusConflict, simulator.KindState, "token %s is %s, not %s: a duplicate must repeat the delivered change", id, t.Status, status)
		}
		prev = str("previous_status")
		if _, ok := notificationTypes[prev]; !ok {
			return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "a duplicate needs previous_status (SUSPENDED, ACTIVE or DELETED) as first delivered")
		}
	} else if t, prev, err = n.changeStatus(ctx, id, typ, reason); err != nil {
		return nil, err
	}
	note := n.notification(t, prev, reason, initiator, noteID)
	res, err := n.send(ctx, note, glitch)
	if err != nil {
		return nil, fmt.Errorf("token %s is now %s; notification %s: %w", id, t.Status, note.NotificationID, err)
	}
	return map[string]any{"notification_id": note.NotificationID, "token_ref_id": id, "token_status": t.Status, "previous_status": prev,
		"status": res.Status, "attempts": res.Attempts, "findings": res.Findings}, nil
}
