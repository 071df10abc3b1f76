package visa

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
)

// maxCallbackBody bounds what a network call may send.
const maxCallbackBody = 1 << 20

// CallbackConfig is what an issuer needs to receive Visa's calls, besides
// the adapter's Config (whose ClientKey and KeyID decrypt status
// notifications, and whose APIKey and SharedSecret Approve Provisioning,
// unless set here).
type CallbackConfig struct {
	// SigningKeys returns Visa's PS256 public key for a JWS kid; an
	// enrolment-attempt notification that does not verify is refused.
	SigningKeys func(kid string) (*rsa.PublicKey, bool)
	// NotificationKey decrypts enrolment-attempt notifications; nil means
	// Config.ClientKey.
	NotificationKey *rsa.PrivateKey
	// Window bounds the age of a shared-secret JWE's iat (default 5m).
	Window time.Duration
	// APIKey and SharedSecret open Approve Provisioning's shared-secret JWE
	// (its kid is the API key) when the adapter authenticates with two-way
	// SSL; empty means Config's X-Pay-Token pair.
	APIKey, SharedSecret string
}

// CallbackAdapter is the Visa adapter that also receives Visa's calls: it
// implements client.CallbackCodec. Register it with client.WithAdapter in
// place of the plain adapter and mount Issuer.CallbackHandler.
type CallbackAdapter struct {
	*Adapter
	cc CallbackConfig
}

var _ client.CallbackCodec = (*CallbackAdapter)(nil)

// WithCallbacks extends the adapter with Visa's callback formats.
func (a *Adapter) WithCallbacks(cc CallbackConfig) *CallbackAdapter {
	if cc.NotificationKey == nil {
		cc.NotificationKey = a.cfg.ClientKey
	}
	if cc.APIKey == "" && cc.SharedSecret == "" {
		cc.APIKey, cc.SharedSecret = a.cfg.APIKey, a.cfg.SharedSecret
	}
	return &CallbackAdapter{Adapter: a, cc: cc}
}

// DecodeCallback implements client.CallbackCodec for the calls Visa makes to
// the issuer (openapi/visa/issuer-callbacks.yaml), recognised by path:
//
//	.../cardEnrollment/notification?eventType=CTP_ENROLLMENT_ATTEMPT  → ENROLMENT_ATTEMPT
//	.../requestStatusNotification                                     → OPERATION_COMPLETED
//	.../approveProvisioning                                           → TOKENIZATION_AUTH_REQUEST
//
// A signature that does not verify, or a shared-secret JWE that is stale or
// not ours, is client.ErrAuth: the handler answers 401 and nothing is
// decrypted or applied (NTF-04, SEC-06).
func (a *CallbackAdapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("visa calls are POST, got %s", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody))
	if err != nil {
		return nil, fmt.Errorf("reading the call: %w", err)
	}
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/cardEnrollment/notification"):
		if et := r.URL.Query().Get("eventType"); et != "CTP_ENROLLMENT_ATTEMPT" {
			return nil, fmt.Errorf("eventType %q is not CTP_ENROLLMENT_ATTEMPT", et)
		}
		return a.enrolmentAttempt(body)
	case strings.HasSuffix(p, "/requestStatusNotification"):
		return a.statusNotification(body)
	case strings.HasSuffix(p, "/approveProvisioning"):
		return a.approveProvisioning(body)
	}
	return nil, fmt.Errorf("no Visa call is served at %s", r.URL.Path)
}

func (a *CallbackAdapter) enrolmentAttempt(body []byte) (*client.NetworkEvent, error) {
	if a.cc.SigningKeys == nil {
		return nil, fmt.Errorf("%w: no Visa notification signing key is configured", client.ErrAuth)
	}
	o, err := notification.Opener{VerifyKeys: a.cc.SigningKeys, DecryptKey: a.cc.NotificationKey}.Open(body)
	if errors.Is(err, notification.ErrSignature) || errors.Is(err, notification.ErrUnknownKey) || errors.Is(err, notification.ErrHeader) {
		return nil, fmt.Errorf("%w: enrolment-attempt notification: %v", client.ErrAuth, err)
	}
	if err != nil {
		return nil, fmt.Errorf("enrolment-attempt notification: %w", err)
	}
	var p struct {
		Enrollment struct {
			EnrollmentID     string `json:"enrollmentID"`
			TokenReferenceID string `json:"tokenReferenceID"`
			PanLast4         string `json:"panLast4"`
		} `json:"enrollment"`
	}
	if err := json.Unmarshal(o.Payload, &p); err != nil || p.Enrollment.EnrollmentID == "" {
		return nil, errors.New("enrolment-attempt notification: the decrypted payload names no enrollment.enrollmentID")
	}
	return &client.NetworkEvent{ID: "visa-enrol-" + p.Enrollment.EnrollmentID, Type: client.EventEnrolmentAttempt,
		CardLast4: p.Enrollment.PanLast4, TokenRef: p.Enrollment.TokenReferenceID, Payload: redacted(o.Payload)}, nil
}

func (a *CallbackAdapter) statusNotification(body []byte) (*client.NetworkEvent, error) {
	o, err := mle.Open(body, a.cfg.ClientKey, a.cfg.KeyID)
	if err != nil {
		return nil, fmt.Errorf("%w: request-status notification: %v", client.ErrAuth, err)
	}
	var rs struct {
		RequestTraceID string `json:"requestTraceId"`
		Status         string `json:"status"`
		Details        []struct {
			Status           string `json:"status"`
			TokenReferenceID string `json:"tokenReferenceId"`
		} `json:"details"`
	}
	if err := json.Unmarshal(o.Payload, &rs); err != nil || rs.RequestTraceID == "" {
		return nil, errors.New("request-status notification: no requestTraceId")
	}
	if rs.Status != "COMPLETED" {
		return nil, fmt.Errorf("request-status notification for %s says %q: only COMPLETED is notified", rs.RequestTraceID, rs.Status)
	}
	outcome, tokenRef := client.Succeeded, ""
	for _, d := range rs.Details {
		if d.Status != "SUCCESS" {
			outcome = client.Failed
		}
		if tokenRef == "" {
			tokenRef = d.TokenReferenceID
		}
	}
	payload := redacted(o.Payload)
	// The client core reads the outcome from payload.status; Visa's own
	// status stays under visaStatus.
	payload["visaStatus"], payload["status"] = rs.Status, string(outcome)
	return &client.NetworkEvent{ID: "visa-status-" + rs.RequestTraceID, Type: client.EventOperationCompleted,
		OperationID: rs.RequestTraceID, TokenRef: tokenRef, Payload: payload}, nil
}

func (a *CallbackAdapter) approveProvisioning(body []byte) (*client.NetworkEvent, error) {
	var call struct {
		RequestID string `json:"requestID"`
		TokenInfo struct {
			TokenReferenceID string `json:"tokenReferenceID"`
		} `json:"tokenInfo"`
		EncryptedData string `json:"encryptedData"`
	}
	if err := json.Unmarshal(body, &call); err != nil || call.RequestID == "" || call.EncryptedData == "" {
		return nil, errors.New("approve provisioning: body needs requestID, tokenInfo and encryptedData")
	}
	o, err := vtsjwe.Opener{Secret: a.sharedSecret, Window: a.cc.Window, Now: a.cfg.Now}.Open(call.EncryptedData)
	if err != nil {
		return nil, fmt.Errorf("%w: approve provisioning: %v", client.ErrAuth, err)
	}
	var p struct {
		CardholderInfo struct {
			PrimaryAccountNumber string `json:"primaryAccountNumber"`
		} `json:"cardholderInfo"`
	}
	_ = json.Unmarshal(o.Payload, &p)
	ev := &client.NetworkEvent{ID: "visa-approve-" + call.RequestID, Type: client.EventTokenizationAuth,
		TokenRef: call.TokenInfo.TokenReferenceID, Payload: redacted(o.Payload)}
	if n, err := pan.Parse(p.CardholderInfo.PrimaryAccountNumber); err == nil {
		ev.Card, ev.CardBIN, ev.CardLast4 = n, n.BIN(), n.Last4()
	} else {
		return nil, errors.New("approve provisioning: cardholderInfo.primaryAccountNumber is not a card number")
	}
	return ev, nil
}

func (a *CallbackAdapter) sharedSecret(apiKey string) (string, bool) {
	return a.cc.SharedSecret, a.cc.APIKey != "" && a.cc.SharedSecret != "" && apiKey == a.cc.APIKey
}

// redacted turns a decrypted payload into a map with card numbers masked.
func redacted(b []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(pan.RedactJSON(b), &m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// WriteReply implements client.CallbackCodec: notifications get 200 with no
// body; Approve Provisioning gets the VTS action code for the decision.
func (a *CallbackAdapter) WriteReply(w http.ResponseWriter, ev *client.NetworkEvent) error {
	if ev.Type != client.EventTokenizationAuth {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	code := "05"
	switch ev.Decision {
	case client.Approve:
		code = "00"
	case client.RequireStepUp:
		code = "85"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(map[string]string{"actionCode": code})
}
