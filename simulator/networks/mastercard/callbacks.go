package mastercard

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document.
const CallbackSpec = "mastercard/issuer-predigitization.yaml"

// Triggers (simulator.Triggerer).
const (
	// TriggerEnterActivationCode is the cardholder entering the activation
	// code of a token awaiting additional authentication (yellow path).
	TriggerEnterActivationCode = "enterActivationCode"
	// TriggerTokenStatusChange is a status change the network, the token
	// requestor or the cardholder makes on their own.
	TriggerTokenStatusChange = "tokenStatusChange"
)

var _ simulator.Triggerer = (*Network)(nil)

// authorize calls the issuer's Authorize Service for a card about to be
// tokenised, when the issuer registered a callback URL. It returns the token
// status to set, or a *simulator.Error failing the enrolment. The yellow
// test card is provisioned INACTIVE whatever the issuer approves, as when
// the network itself requires additional authentication; the slow test card
// holds the enrolment for slowDelay first.
func (n *Network) authorize(ctx context.Context, p pan.PAN, c cardPlaintext, tokenRef, correlationID string) (string, error) {
	outcome := outcomeOf(p.Reveal())
	if outcome == outcomeSlow {
		if err := n.slowDown(ctx); err != nil {
			return "", err
		}
	}
	mdesCorrelation := n.env.IDs.Digits(14)
	decide := func(approved bool) (string, error) {
		m := tokenMeta{CorrelationID: mdesCorrelation, Decision: "A", StatusAt: n.env.Clock.Now()}
		if approved && outcome != outcomeYellow {
			return statusActive, n.tokenMetas().Put(ctx, tokenRef, m)
		}
		m.Decision = "R"
		m.ActivationCode = n.env.IDs.Digits(6)
		m.ActivationExpiry = n.env.Clock.Now().Add(n.env.Settings.Duration("activationCodeTTL", 30*time.Minute))
		if err := n.tokenMetas().Put(ctx, tokenRef, m); err != nil {
			return "", err
		}
		n.scheduleActivationCode(tokenRef, 0)
		return statusInactive, nil
	}
	if !n.env.Callbacks.Configured() {
		return decide(true)
	}
	plain, _ := json.Marshal(map[string]any{"cardAccountData": map[string]any{
		"accountNumber": p.Reveal(), "expiryMonth": c.PanExpirationMonth, "expiryYear": c.PanExpirationYear[2:],
	}})
	n.env.CheckSchema(CallbackSpec, "AuthorizeServicePlaintext", plain)
	env, err := encryption.SealFLE(plain, n.issuerFLEKey(), "SHA256")
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]any{
		"requestId":              n.env.IDs.Digits(12),
		"services":               []string{"DIGITIZATION"},
		"correlationId":          mdesCorrelation,
		"tokenRequestorId":       TokenRequestorID,
		"tokenType":              "CLOUD",
		"accountPanSuffix":       p.Last4(),
		"serviceRequestDateTime": n.env.Clock.Now().UTC().Format(time.RFC3339),
		"fundingAccountInfo": map[string]any{
			"panUniqueReference":   "FPAN" + cardRef(p.Reveal())[:28],
			"tokenUniqueReference": tokenRef,
			"encryptedPayload":     env,
		},
	})
	res, err := n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: CallbackSpec, OperationID: "authorizeService", Method: http.MethodPost, Path: "/authorizeService",
		Header: http.Header{"Content-Type": []string{"application/json"}},
		Body:   body, Plaintext: plain, CorrelationIDs: []string{correlationID, tokenRef},
	})
	if err != nil {
		return "", svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "the issuer's Authorize Service did not answer; nothing was enrolled")
	}
	var answer struct {
		Decision string `json:"decision"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	switch answer.Decision {
	case "APPROVED":
		return decide(true)
	case "DECLINED":
		return "", svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: the issuer's Authorize Service declined tokenisation; nothing was enrolled", p.Masked())
	case "REQUIRE_ADDITIONAL_AUTHENTICATION":
		return decide(false)
	}
	return "", svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "the issuer's Authorize Service answered decision %q; nothing was enrolled", pan.RedactText(answer.Decision))
}

// scheduleActivationCode sends Deliver Activation Code once the enrolment
// that asked for additional authentication has stored its token (it is
// looked for every 100ms, for 2s at most: an enrolment that failed after
// the Authorize Service stored nothing, and nothing is delivered).
func (n *Network) scheduleActivationCode(tur string, tries int) {
	if !n.env.Callbacks.Configured() {
		return
	}
	delay := time.Duration(0)
	if tries > 0 {
		delay = 100 * time.Millisecond
	}
	n.env.After(delay, func(ctx context.Context) {
		c, err := n.cardByToken(ctx, tur)
		if err != nil {
			if tries < 20 {
				n.scheduleActivationCode(tur, tries+1)
			}
			return
		}
		if c.Status != statusInactive {
			return
		}
		if _, err := n.deliverActivationCode(ctx, c, n.meta(ctx, c)); err != nil {
			n.env.Logger.Warn("Deliver Activation Code not delivered", "token", tur, "error", err)
		}
	})
}

// deliverActivationCode sends Deliver Activation Code, the code encrypted to
// the issuer's field-level encryption key.
func (n *Network) deliverActivationCode(ctx context.Context, c digitalCard, m tokenMeta) (*simulator.CallbackResult, error) {
	plain, _ := json.Marshal(map[string]string{"activationCode": m.ActivationCode})
	n.env.CheckSchema(CallbackSpec, "DeliverActivationCodePlaintext", plain)
	env, err := encryption.SealFLE(plain, n.issuerFLEKey(), "SHA256")
	if err != nil {
		return nil, err
	}
	method := map[string]string{"type": "EMAIL_TO_CARDHOLDER_ADDRESS", "value": maskEmail(c.Consumer.EmailAddress)}
	if mob := c.Consumer.MobileNumber; mob != nil && len(mob.PhoneNumber) >= 4 {
		method = map[string]string{"type": "TEXT_TO_CARDHOLDER_NUMBER", "value": "***-***-" + mob.PhoneNumber[len(mob.PhoneNumber)-4:]}
	}
	requestID := n.env.IDs.Digits(12)
	body, _ := json.Marshal(map[string]any{
		"requestId":                    requestID,
		"correlationId":                m.CorrelationID,
		"tokenUniqueReference":         c.TokenUniqueRef,
		"tokenRequestorId":             c.TokenRequestorID,
		"accountPanSuffix":             c.PanLastFour,
		"activationMethod":             method,
		"activationCodeExpiryDateTime": stamp(m.ActivationExpiry),
		"serviceRequestDateTime":       stamp(n.env.Clock.Now()),
		"encryptedPayload":             env,
	})
	return n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: CallbackSpec, OperationID: "deliverActivationCode", Method: http.MethodPost, Path: "/deliverActivationCode",
		Header: http.Header{"Content-Type": []string{"application/json"}},
		Body:   body, Plaintext: plain, CorrelationIDs: []string{c.TokenUniqueRef, requestID},
	})
}

func maskEmail(e string) string {
	at := strings.LastIndex(e, "@")
	if at < 1 {
		return "***"
	}
	return e[:1] + "***" + e[at:]
}

// ntuToken is one token of Notify Token Updated (MDES TokenForNTU).
type ntuToken struct {
	TokenUniqueReference string   `json:"tokenUniqueReference"`
	TokenRequestorID     string   `json:"tokenRequestorId"`
	Status               string   `json:"status"`
	EventReasonCode      string   `json:"eventReasonCode,omitempty"`
	SuspendedBy          []string `json:"suspendedBy,omitempty"`
	StatusTimestamp      string   `json:"statusTimestamp"`
}

// notifyLater sends Notify Token Updated for a card's token after the
// current request has been answered, when the issuer registered a callback
// URL. Notifications go out one at a time, in the order of the changes, so
// an issuer applying them as they come ends with the token's status.
// Failures are journalled attempt by attempt and logged.
func (n *Network) notifyLater(c digitalCard, t ntuToken) {
	if !n.env.Callbacks.Configured() {
		return
	}
	n.ntuMu.Lock()
	n.ntuQueue = append(n.ntuQueue, n.ntuFor(c, t))
	n.ntuMu.Unlock()
	n.env.After(0, func(ctx context.Context) {
		n.ntuSend.Lock()
		defer n.ntuSend.Unlock()
		n.ntuMu.Lock()
		if len(n.ntuQueue) == 0 {
			n.ntuMu.Unlock()
			return
		}
		t := n.ntuQueue[0]
		n.ntuQueue = n.ntuQueue[1:]
		n.ntuMu.Unlock()
		if _, _, err := n.notifyTokenUpdated(ctx, t, ""); err != nil {
			n.env.Logger.Warn("Notify Token Updated not delivered", "token", t.TokenUniqueReference, "error", err)
		}
	})
}

func (n *Network) ntuFor(c digitalCard, t ntuToken) ntuToken {
	t.TokenUniqueReference, t.TokenRequestorID = c.TokenUniqueRef, c.TokenRequestorID
	if t.StatusTimestamp == "" {
		t.StatusTimestamp = stamp(n.env.Clock.Now())
	}
	return t
}

// notifyTokenUpdated sends Notify Token Updated, the token data encrypted to
// the issuer's field-level encryption key. requestID "" draws a new one; a
// repeated one is a duplicate delivery.
func (n *Network) notifyTokenUpdated(ctx context.Context, t ntuToken, requestID string) (*simulator.CallbackResult, string, error) {
	return n.notifyTokenUpdatedTo(ctx, t, requestID, n.issuerFLEKey())
}

// notifyTokenUpdatedTo is notifyTokenUpdated with the payload encrypted to
// key (the issuer's, or another to play a misrouted notification).
func (n *Network) notifyTokenUpdatedTo(ctx context.Context, t ntuToken, requestID string, key *rsa.PublicKey) (*simulator.CallbackResult, string, error) {
	plain, _ := json.Marshal(map[string]any{"tokens": []ntuToken{t}})
	n.env.CheckSchema(CallbackSpec, "NotifyTokenUpdatedPlaintext", plain)
	env, err := encryption.SealFLE(plain, key, "SHA256")
	if err != nil {
		return nil, "", err
	}
	if requestID == "" {
		requestID = n.env.IDs.Digits(12)
	}
	n.rememberNTU(requestID, t)
	body, _ := json.Marshal(map[string]any{
		"requestId":        requestID,
		"responseHost":     "site.mdes.mastercard.com",
		"reasonCode":       "STATUS_UPDATE",
		"encryptedPayload": env,
	})
	res, err := n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: CallbackSpec, OperationID: "notifyTokenUpdated", Method: http.MethodPost, Path: "/notifyTokenUpdated",
		Header: http.Header{"Content-Type": []string{"application/json"}},
		Body:   body, Plaintext: plain, CorrelationIDs: []string{t.TokenUniqueReference, requestID},
	})
	return res, requestID, err
}

// Triggers implements simulator.Triggerer.
func (n *Network) Triggers() []string {
	return []string{TriggerEnterActivationCode, TriggerTokenStatusChange}
}

// Trigger implements simulator.Triggerer.
//
// enterActivationCode: the cardholder enters the code Deliver Activation
// Code delivered. Params tokenUniqueReference (required) and activationCode
// (default: the code delivered). The right, unexpired code activates the
// token (INACTIVE → ACTIVE) and Notify Token Updated is sent; a wrong or
// expired code changes nothing.
//
// tokenStatusChange: the token requestor, the cardholder or the network
// changes a token on its own and the issuer is notified. Params
// tokenUniqueReference (required), status (ACTIVE | SUSPENDED |
// DEACTIVATED), optional suspendedBy (TOKEN_REQUESTOR | CARDHOLDER, default
// TOKEN_REQUESTOR), eventReasonCode and requestId (reuse one to deliver a
// duplicate). Asking for the status the token already has re-sends the
// notification without changing anything. With redeliver=true and a
// requestId the notification sent under it goes out again exactly as it was
// (an old status, perhaps) and nothing changes. With encryption=foreignKey the
// notification's payload is encrypted to another key and nothing changes:
// a misrouted notification the issuer must refuse.
//
// Both answer with the token's status and, when a notification was sent,
// the issuer's HTTP status, the delivery attempts and the requestId.
func (n *Network) Trigger(ctx context.Context, name string, p map[string]any) (map[string]any, error) {
	str := func(k string) string { s, _ := p[k].(string); return s }
	tur := str("tokenUniqueReference")
	if tur == "" && (name == TriggerEnterActivationCode || name == TriggerTokenStatusChange) {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "%s needs tokenUniqueReference", name)
	}
	switch name {
	case TriggerEnterActivationCode:
		return n.enterActivationCode(ctx, tur, str("activationCode"))
	case TriggerTokenStatusChange:
		if redeliver, _ := p["redeliver"].(bool); redeliver {
			return n.redeliver(ctx, str("requestId"))
		}
		if enc := str("encryption"); enc != "" {
			if enc != "foreignKey" {
				return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "encryption must be foreignKey, got %q", pan.RedactText(enc))
			}
			return n.misroutedNotification(ctx, tur, str("status"), str("requestId"))
		}
		return n.tokenStatusChange(ctx, tur, str("status"), str("suspendedBy"), str("eventReasonCode"), str("requestId"))
	}
	return nil, fmt.Errorf("mastercard has no trigger %q (known: %s)", name, strings.Join(n.Triggers(), ", "))
}

func (n *Network) enterActivationCode(ctx context.Context, tur, code string) (map[string]any, error) {
	c, err := n.changeStatus(ctx, tur, "activation", []string{statusInactive}, statusActive, func(m *tokenMeta) error {
		switch {
		case m.ActivationCode == "":
			return simulator.Errorf(http.StatusBadRequest, simulator.KindState, "token %s has no activation code pending", tur)
		case !n.env.Clock.Now().Before(m.ActivationExpiry):
			return simulator.Errorf(http.StatusBadRequest, simulator.KindState, "the activation code of token %s expired at %s; the token stays INACTIVE", tur, stamp(m.ActivationExpiry))
		case code != "" && code != m.ActivationCode:
			return simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "wrong activation code for token %s; the token stays INACTIVE", tur)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return n.notifyNow(ctx, c, ntuToken{Status: statusActive}, "")
}

// suspenderCodes maps a TokenForNTU suspendedBy value to Customer Service's
// suspender code.
var suspenderCodes = map[string]string{"ISSUER": "I", "TOKEN_REQUESTOR": "W", "CARDHOLDER": "C"}

func (n *Network) tokenStatusChange(ctx context.Context, tur, status, suspendedBy, reason, requestID string) (map[string]any, error) {
	from := map[string][]string{
		statusActive:      {statusInactive, statusSuspended},
		statusSuspended:   {statusActive},
		statusDeactivated: {statusInactive, statusActive, statusSuspended},
	}[status]
	if from == nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "status must be ACTIVE, SUSPENDED or DEACTIVATED, got %q", pan.RedactText(status))
	}
	if suspendedBy == "" {
		suspendedBy = "TOKEN_REQUESTOR"
	}
	if suspendedBy != "TOKEN_REQUESTOR" && suspendedBy != "CARDHOLDER" {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "suspendedBy must be TOKEN_REQUESTOR or CARDHOLDER, got %q", pan.RedactText(suspendedBy))
	}
	t := ntuToken{Status: status, EventReasonCode: reason}
	if status == statusSuspended {
		t.SuspendedBy = []string{suspendedBy}
	}
	// What will be notified must be what the issuer-side document allows.
	probe, _ := json.Marshal(map[string]any{"tokens": []ntuToken{n.ntuFor(digitalCard{TokenUniqueRef: tur, TokenRequestorID: TokenRequestorID}, t)}})
	if verr := n.env.ValidateSchema(CallbackSpec, "NotifyTokenUpdatedPlaintext", probe); verr != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "%s: %s", TriggerTokenStatusChange, pan.RedactText(verr.Summary()))
	}
	c, err := n.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	if c.Status != status { // otherwise only the notification is sent again
		c, err = n.changeStatus(ctx, tur, "a change to "+status, from, status, func(m *tokenMeta) error {
			if status == statusSuspended {
				m.Suspenders = []string{suspenderCodes[suspendedBy]}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else if status == statusSuspended {
		t.SuspendedBy = nil
		for _, s := range n.meta(ctx, c).Suspenders {
			for k, v := range suspenderCodes {
				if v == s {
					t.SuspendedBy = append(t.SuspendedBy, k)
				}
			}
		}
	}
	return n.notifyNow(ctx, c, t, requestID)
}

// rememberNTU keeps what a requestId carried, for redelivery.
func (n *Network) rememberNTU(requestID string, t ntuToken) {
	n.ntuMu.Lock()
	defer n.ntuMu.Unlock()
	if n.ntuSent == nil {
		n.ntuSent = map[string]ntuToken{}
	}
	if _, seen := n.ntuSent[requestID]; !seen {
		n.ntuOrder = append(n.ntuOrder, requestID)
		if len(n.ntuOrder) > maxRememberedNTU {
			delete(n.ntuSent, n.ntuOrder[0])
			n.ntuOrder = n.ntuOrder[1:]
		}
	}
	n.ntuSent[requestID] = t
}

// redeliver sends again, unchanged, the Notify Token Updated sent earlier
// under requestID (as Mastercard does when it did not get an answer in
// time), whatever the token's status is now; nothing changes.
func (n *Network) redeliver(ctx context.Context, requestID string) (map[string]any, error) {
	n.ntuMu.Lock()
	t, ok := n.ntuSent[requestID]
	n.ntuMu.Unlock()
	if !ok {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no Notify Token Updated was sent under requestId %s", pan.RedactText(requestID))
	}
	res, id, err := n.notifyTokenUpdated(ctx, t, requestID)
	out := map[string]any{"tokenUniqueReference": t.TokenUniqueReference, "status": t.Status, "requestId": id}
	if res != nil {
		out["notifyStatus"], out["attempts"] = res.Status, res.Attempts
	}
	if err != nil {
		return out, fmt.Errorf("the redelivered Notify Token Updated was not accepted: %w", err)
	}
	return out, nil
}

// misroutedNotification sends a Notify Token Updated for the token whose
// payload is encrypted to a key that is not the issuer's, and changes
// nothing: the issuer must refuse it (CRYPTOGRAPHY_ERROR) and apply nothing.
func (n *Network) misroutedNotification(ctx context.Context, tur, status, requestID string) (map[string]any, error) {
	c, err := n.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	if status == "" {
		status = statusSuspended
	}
	out := map[string]any{"tokenUniqueReference": c.TokenUniqueRef, "status": c.Status}
	if !n.env.Callbacks.Configured() {
		return out, nil
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	res, id, err := n.notifyTokenUpdatedTo(ctx, n.ntuFor(c, ntuToken{Status: status}), requestID, &other.PublicKey)
	out["requestId"] = id
	if res != nil {
		out["notifyStatus"], out["attempts"] = res.Status, res.Attempts
	}
	if err != nil {
		return out, fmt.Errorf("the issuer refused a Notify Token Updated encrypted to another key (as it should): %w", err)
	}
	return out, nil
}

// notifyNow sends Notify Token Updated at once (for triggers) and reports
// the delivery.
func (n *Network) notifyNow(ctx context.Context, c digitalCard, t ntuToken, requestID string) (map[string]any, error) {
	out := map[string]any{"tokenUniqueReference": c.TokenUniqueRef, "status": c.Status}
	if !n.env.Callbacks.Configured() {
		return out, nil
	}
	res, id, err := n.notifyTokenUpdated(ctx, n.ntuFor(c, t), requestID)
	if err != nil {
		return nil, fmt.Errorf("token %s is %s, but Notify Token Updated was not delivered: %w", c.TokenUniqueRef, c.Status, err)
	}
	out["requestId"], out["notifyStatus"], out["attempts"], out["findings"] = id, res.Status, res.Attempts, res.Findings
	return out, nil
}
