package mastercard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/internal/uuid"
	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
)

const maxCallbackBody = 256 << 10

// DecodeCallback implements client.CallbackCodec for the issuer-hosted
// MDES Issuer Outbound API, Pre-Digitization 2.0.21
// (openapi/mastercard/issuer-predigitization.yaml):
//
//	.../authorizeService          → TOKENIZATION_AUTH_REQUEST
//	.../requestActivationMethods  → ACTIVATION_METHODS_REQUEST
//	.../deliverActivationCode     → ACTIVATION_CODE_DELIVERY (yellow path)
//	.../validateActivationCode    → ACTIVATION_CODE_VALIDATION
//	.../notifyServiceActivated    → SERVICE_ACTIVATED
//	.../notifyTokenUpdated        → TOKEN_STATUS_CHANGED
//	.../notifySuspiciousEvents    → SUSPICIOUS_ACTIVITY
//	.../getAccountInformation     → ACCOUNT_INFORMATION_REQUEST
//
// Card data arrives in the field level encryption envelope, encrypted to
// the issuer's key (Config.DecryptionKey), in any form the API allows (OAEP
// SHA-256 or SHA-512, PKCS#1 v1.5, a zero IV). An envelope for another key,
// or one that does not decrypt, is client.ErrAuth: nothing is applied.
// Notify Token Updated's tokens and Deliver Activation Code's code are in
// clear. Unknown fields and values are tolerated (new reason codes "should
// not result in a failure").
func (a *Adapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("mastercard calls are POST, got %s", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody))
	if err != nil {
		return nil, fmt.Errorf("reading the call: %w", err)
	}
	p := r.URL.Path
	for _, op := range []struct {
		name   string
		decode func([]byte) (*client.NetworkEvent, error)
	}{
		{"authorizeService", a.authorizeService},
		{"requestActivationMethods", a.requestActivationMethods},
		{"deliverActivationCode", a.deliverActivationCode},
		{"validateActivationCode", a.validateActivationCode},
		{"notifyServiceActivated", a.notifyServiceActivated},
		{"notifyTokenUpdated", a.notifyTokenUpdated},
		{"notifySuspiciousEvents", a.notifySuspiciousEvents},
		{"getAccountInformation", a.getAccountInformation},
	} {
		if strings.HasSuffix(p, "/"+op.name) {
			ev, err := op.decode(body)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op.name, err)
			}
			return ev, nil
		}
	}
	return nil, fmt.Errorf("no Mastercard call is served at %s", r.URL.Path)
}

// open decrypts a field level encryption envelope to the issuer's key.
func (a *Adapter) open(env encryption.FLE) ([]byte, error) {
	if len(a.keys) == 0 {
		return nil, fmt.Errorf("%w: no issuer decryption key is configured", client.ErrAuth)
	}
	plain, err := a.keys.OpenFLE(env)
	if err != nil {
		return nil, fmt.Errorf("%w: encryptedPayload: %v", client.ErrAuth, err)
	}
	return plain, nil
}

// fundingAccountData is the decrypted FundingAccountData.
type fundingAccountData struct {
	Source                  string `json:"source"`
	DataValidUntilTimestamp string `json:"dataValidUntilTimestamp"`
	CardAccountData         struct {
		AccountNumber string `json:"accountNumber"`
		ExpiryMonth   string `json:"expiryMonth"`
		ExpiryYear    string `json:"expiryYear"`
	} `json:"cardAccountData"`
	TokenData *struct {
		Token string `json:"token"`
	} `json:"tokenData"`
	AccountHolderData struct {
		AccountHolderEmailAddress      string `json:"accountHolderEmailAddress"`
		AccountHolderMobilePhoneNumber struct {
			PhoneNumber string `json:"phoneNumber"`
		} `json:"accountHolderMobilePhoneNumber"`
	} `json:"accountHolderData"`
}

type fundingAccountInfo struct {
	TokenUniqueReference string         `json:"tokenUniqueReference"`
	PanUniqueReference   string         `json:"panUniqueReference"`
	EncryptedPayload     encryption.FLE `json:"encryptedPayload"`
}

// callID is the requestId every call carries; the event's ID names it.
type callID struct {
	RequestID string `json:"requestId"`
}

func (c *callID) requestID() string { return c.RequestID }

// decodeCall reads a call's body into req (a struct embedding callID); a
// body that is not JSON or names no requestId is refused.
func decodeCall(body []byte, req interface{ requestID() string }) error {
	if err := json.Unmarshal(body, req); err != nil || req.requestID() == "" {
		return errors.New("the body names no requestId")
	}
	return nil
}

// decryptFunding decrypts and reads a FundingAccountData.
func (a *Adapter) decryptFunding(env encryption.FLE) (fundingAccountData, error) {
	var d fundingAccountData
	plain, err := a.open(env)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(plain, &d); err != nil {
		return d, errors.New("the decrypted payload is not FundingAccountData")
	}
	return d, nil
}

// openFunding decrypts and reads a FundingAccountData; an expired one
// (dataValidUntilTimestamp in the past) is refused, as the API requires.
func (a *Adapter) openFunding(env encryption.FLE) (fundingAccountData, pan.PAN, error) {
	d, err := a.decryptFunding(env)
	if err != nil {
		return d, pan.PAN{}, err
	}
	if d.DataValidUntilTimestamp != "" {
		if until, err := time.Parse(time.RFC3339Nano, d.DataValidUntilTimestamp); err == nil && a.now().After(until) {
			return d, pan.PAN{}, fmt.Errorf("%w: the encrypted data expired at %s", client.ErrAuth, d.DataValidUntilTimestamp)
		}
	}
	p, err := pan.Parse(d.CardAccountData.AccountNumber)
	if err != nil {
		return d, pan.PAN{}, fmt.Errorf("the decrypted card number: %w", err)
	}
	return d, p, nil
}

// openHolder opens a call's FundingAccountData (openFunding) and keeps its
// cardholder's contact points for the token (rememberHolder).
func (a *Adapter) openHolder(info fundingAccountInfo) (fundingAccountData, pan.PAN, error) {
	d, p, err := a.openFunding(info.EncryptedPayload)
	if err == nil {
		a.rememberHolder(info.TokenUniqueReference, d)
	}
	return d, p, err
}

func (a *Adapter) now() time.Time {
	if a.cfg.Now != nil {
		return a.cfg.Now()
	}
	return time.Now()
}

func (a *Adapter) authorizeService(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		CorrelationID      string             `json:"correlationId"`
		TokenRequestorID   string             `json:"tokenRequestorId"`
		Services           []string           `json:"services"`
		FundingAccountInfo fundingAccountInfo `json:"fundingAccountInfo"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	d, p, err := a.openHolder(req.FundingAccountInfo)
	if err != nil {
		return nil, err
	}
	return &client.NetworkEvent{ID: "mc-authorize-" + req.RequestID, Type: client.EventTokenizationAuth,
		Card: p, CardLast4: p.Last4(), CardBIN: p.BIN(), TokenRef: req.FundingAccountInfo.TokenUniqueReference,
		Payload: map[string]any{"correlationId": req.CorrelationID, "tokenRequestorId": req.TokenRequestorID, "services": req.Services,
			"source": d.Source, "card": p.Masked(), "expiryMonth": d.CardAccountData.ExpiryMonth, "expiryYear": d.CardAccountData.ExpiryYear}}, nil
}

func (a *Adapter) requestActivationMethods(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		CorrelationID      string             `json:"correlationId"`
		FundingAccountInfo fundingAccountInfo `json:"fundingAccountInfo"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	_, p, err := a.openHolder(req.FundingAccountInfo)
	if err != nil {
		return nil, err
	}
	return &client.NetworkEvent{ID: "mc-ram-" + req.RequestID, Type: client.EventActivationMethods,
		Card: p, CardLast4: p.Last4(), CardBIN: p.BIN(), TokenRef: req.FundingAccountInfo.TokenUniqueReference,
		Payload: map[string]any{"correlationId": req.CorrelationID, "card": p.Masked()}}, nil
}

func (a *Adapter) deliverActivationCode(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		CorrelationID        string `json:"correlationId"`
		TokenUniqueReference string `json:"tokenUniqueReference"`
		ActivationCode       string `json:"activationCode"`
		ExpirationDateTime   string `json:"expirationDateTime"`
		ActivationMethod     struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"activationMethod"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	if req.TokenUniqueReference == "" || req.ActivationMethod.Type == "" {
		return nil, errors.New("the body names no tokenUniqueReference or activationMethod")
	}
	issued := req.ActivationCode == ""
	if issued {
		// Mastercard left the code to the issuer: it issues its own and
		// validates it later (Validate Activation Code).
		req.ActivationCode = a.codes.issue(req.TokenUniqueReference, a.now())
	}
	// The code is for the cardholder: the issuer's delivery channel gets it,
	// the event log does not.
	return &client.NetworkEvent{ID: "mc-dac-" + req.RequestID, Type: client.EventActivationCode,
		TokenRef: req.TokenUniqueReference, TokenStatus: "INACTIVE",
		Payload: map[string]any{"correlationId": req.CorrelationID, "method": req.ActivationMethod.Type, "destination": req.ActivationMethod.Value,
			"expires": req.ExpirationDateTime, "codeLength": len(req.ActivationCode), "issuerGenerated": issued}}, nil
}

func (a *Adapter) validateActivationCode(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		TokenUniqueReference string `json:"tokenUniqueReference"`
		CorrelationID        string `json:"correlationId"`
		ActivationCode       string `json:"activationCode"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	result := a.codes.check(req.TokenUniqueReference, req.ActivationCode, a.now())
	return &client.NetworkEvent{ID: "mc-vac-" + req.RequestID, Type: client.EventActivationCodeCheck, TokenRef: req.TokenUniqueReference,
		Payload: map[string]any{"correlationId": req.CorrelationID, "result": result}}, nil
}

func (a *Adapter) notifyServiceActivated(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		CorrelationID      string             `json:"correlationId"`
		TokenRequestorID   string             `json:"tokenRequestorId"`
		AccountPanSuffix   string             `json:"accountPanSuffix"`
		Decision           string             `json:"decision"`
		FundingAccountInfo fundingAccountInfo `json:"fundingAccountInfo"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	_, p, err := a.openFunding(req.FundingAccountInfo.EncryptedPayload)
	if err != nil {
		return nil, err
	}
	// Informative: the token's status reaches the issuer through the
	// enrolment's answer and Notify Token Updated, which are ordered; this
	// call is not, so it moves no state.
	return &client.NetworkEvent{ID: "mc-nsa-" + req.RequestID, Type: client.EventServiceActivated,
		CardLast4: p.Last4(), CardBIN: p.BIN(), TokenRef: req.FundingAccountInfo.TokenUniqueReference,
		Payload: map[string]any{"correlationId": req.CorrelationID, "tokenRequestorId": req.TokenRequestorID, "decision": req.Decision,
			"accountPanSuffix": req.AccountPanSuffix, "serviceActivated": true}}, nil
}

func (a *Adapter) notifyTokenUpdated(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		ReasonCode string `json:"reasonCode"`
		Tokens     []struct {
			TokenUniqueReference string   `json:"tokenUniqueReference"`
			Status               string   `json:"status"`
			SuspendedBy          []string `json:"suspendedBy"`
			TokenExpiry          string   `json:"tokenExpiry"`
			FundingAccountInfo   *struct {
				EncryptedPayload encryption.FLE `json:"encryptedPayload"`
			} `json:"fundingAccountInfo"`
		} `json:"tokens"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	if len(req.Tokens) == 0 {
		return nil, errors.New("the body lists no tokens")
	}
	var (
		tokens []any
		more   []client.TokenUpdate
	)
	for i, t := range req.Tokens {
		entry := map[string]any{"tokenUniqueReference": t.TokenUniqueReference}
		if t.Status != "" {
			entry["status"] = t.Status
		}
		if len(t.SuspendedBy) > 0 {
			entry["suspendedBy"] = t.SuspendedBy
		}
		if t.TokenExpiry != "" {
			entry["tokenExpiry"] = t.TokenExpiry
		}
		if t.FundingAccountInfo != nil {
			plain, err := a.open(t.FundingAccountInfo.EncryptedPayload)
			if err != nil {
				return nil, err
			}
			var d struct {
				CardAccountData *struct {
					AccountNumber string `json:"accountNumber"`
					ExpiryMonth   string `json:"expiryMonth"`
					ExpiryYear    string `json:"expiryYear"`
				} `json:"cardAccountData"`
				TokenData *struct {
					Token       string `json:"token"`
					ExpiryMonth string `json:"expiryMonth"`
					ExpiryYear  string `json:"expiryYear"`
				} `json:"tokenData"`
			}
			if err := json.Unmarshal(plain, &d); err != nil {
				return nil, errors.New("the decrypted funding account data is not JSON")
			}
			if d.TokenData != nil {
				entry["tokenLast4"] = last4(d.TokenData.Token)
				entry["tokenExpiry"] = d.TokenData.ExpiryMonth + d.TokenData.ExpiryYear
			}
			if d.CardAccountData != nil {
				if p, err := pan.Parse(d.CardAccountData.AccountNumber); err == nil {
					entry["card"] = p.Masked()
				}
				entry["cardExpiry"] = d.CardAccountData.ExpiryMonth + d.CardAccountData.ExpiryYear
			}
		}
		tokens = append(tokens, entry)
		if i > 0 && t.Status != "" {
			more = append(more, client.TokenUpdate{TokenRef: t.TokenUniqueReference, Status: t.Status})
		}
	}
	t := req.Tokens[0]
	// A token's status is applied only when the notification carries one
	// (STATUS_UPDATE); other reasons change no status. Unknown statuses
	// and reason codes pass through as they are (ERR-04).
	return &client.NetworkEvent{ID: "mc-ntu-" + req.RequestID, Type: client.EventTokenStatusChanged,
		TokenRef: t.TokenUniqueReference, TokenStatus: t.Status, Tokens: more,
		Payload: map[string]any{"reasonCode": req.ReasonCode, "suspendedBy": t.SuspendedBy, "tokens": tokens}}, nil
}

func last4(s string) string {
	if len(s) < 4 {
		return s
	}
	return s[len(s)-4:]
}

func (a *Adapter) notifySuspiciousEvents(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		TokenUniqueReference string `json:"tokenUniqueReference"`
		Status               string `json:"status"`
		Events               struct {
			EventName string `json:"eventName"`
		} `json:"events"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	return &client.NetworkEvent{ID: "mc-nse-" + req.RequestID, Type: client.EventSuspiciousActivity, TokenRef: req.TokenUniqueReference,
		Payload: map[string]any{"status": req.Status, "eventName": req.Events.EventName}}, nil
}

func (a *Adapter) getAccountInformation(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		callID
		FundingAccountInfo fundingAccountInfo `json:"fundingAccountInfo"`
	}
	if err := decodeCall(body, &req); err != nil {
		return nil, err
	}
	d, err := a.decryptFunding(req.FundingAccountInfo.EncryptedPayload)
	if err != nil {
		return nil, err
	}
	return &client.NetworkEvent{ID: "mc-gai-" + req.RequestID, Type: client.EventAccountInformation, TokenRef: req.FundingAccountInfo.TokenUniqueReference,
		CardLast4: last4(d.CardAccountData.AccountNumber)}, nil
}

// rememberHolder keeps the masked contact points of a token's cardholder
// (from the encrypted account holder data), for the activation methods the
// issuer offers.
func (a *Adapter) rememberHolder(tur string, d fundingAccountData) {
	var methods []map[string]string
	if ph := d.AccountHolderData.AccountHolderMobilePhoneNumber.PhoneNumber; len(ph) >= 4 {
		methods = append(methods, map[string]string{"type": "TEXT_TO_CARDHOLDER_NUMBER", "value": "***-***-" + ph[len(ph)-4:]})
	}
	if e := d.AccountHolderData.AccountHolderEmailAddress; strings.Contains(e, "@") {
		at := strings.LastIndex(e, "@")
		methods = append(methods, map[string]string{"type": "EMAIL_TO_CARDHOLDER_ADDRESS", "value": e[:1] + "***" + e[at:]})
	}
	if len(methods) == 0 || tur == "" {
		return
	}
	a.codes.mu.Lock()
	defer a.codes.mu.Unlock()
	if a.codes.methods == nil {
		a.codes.methods = map[string][]map[string]string{}
	}
	a.codes.methods[tur] = methods
}

// activationCodes are the codes the issuer issued itself (Deliver
// Activation Code without a code), checked by Validate Activation Code:
// three wrong attempts or 30 minutes end a code.
type activationCodes struct {
	mu      sync.Mutex
	codes   map[string]*issuedCode
	methods map[string][]map[string]string
}

type issuedCode struct {
	code     string
	expires  time.Time
	attempts int
}

func (c *activationCodes) issue(tur string, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[string]*issuedCode{}
	}
	if old := c.codes[tur]; old != nil && now.Before(old.expires) && old.attempts < 3 {
		return old.code // a repeated request does not regenerate the code
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	code := fmt.Sprintf("%06d", n.Int64())
	c.codes[tur] = &issuedCode{code: code, expires: now.Add(30 * time.Minute)}
	return code
}

var _ client.ActivationCodeIssuer = (*Adapter)(nil)

// IssuedCode implements client.ActivationCodeIssuer: the activation code
// the issuer issued for a token (what its delivery channel sends the
// cardholder) while it can still be used.
func (a *Adapter) IssuedCode(tokenRef string) (string, time.Time, bool) {
	a.codes.mu.Lock()
	defer a.codes.mu.Unlock()
	if c := a.codes.codes[tokenRef]; c != nil && c.attempts < 3 && a.now().Before(c.expires) {
		return c.code, c.expires, true
	}
	return "", time.Time{}, false
}

func (c *activationCodes) check(tur, code string, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ic := c.codes[tur]
	switch {
	case ic == nil || !now.Before(ic.expires):
		return "EXPIRED_CODE"
	case ic.attempts >= 3:
		return "INCORRECT_CODE_RETRIES_EXCEEDED"
	case subtle.ConstantTimeCompare([]byte(code), []byte(ic.code)) == 1:
		delete(c.codes, tur)
		return "SUCCESS"
	}
	ic.attempts++
	if ic.attempts >= 3 {
		return "INCORRECT_CODE_RETRIES_EXCEEDED"
	}
	return "INCORRECT_CODE"
}

var _ client.CallbackErrorWriter = (*Adapter)(nil)

// WriteError implements client.CallbackErrorWriter: the API's error object
// {responseId, errorCode, errorDescription}, 400, with CRYPTOGRAPHY_ERROR
// when the envelope is not for the issuer's key or does not decrypt,
// INVALID_JSON otherwise.
func (a *Adapter) WriteError(w http.ResponseWriter, err error) error {
	code := "INVALID_JSON"
	if errors.Is(err, client.ErrAuth) {
		code = "CRYPTOGRAPHY_ERROR"
	}
	msg := pan.RedactText(err.Error())
	if len(msg) > 256 {
		msg = msg[:256]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	return json.NewEncoder(w).Encode(map[string]any{"responseId": uuid.New(), "errorCode": code, "errorDescription": msg})
}

// WriteReply implements client.CallbackCodec: every answer carries
// responseId (the only field the API requires); Authorize Service adds the
// issuer's decision and the services it applies to (and the activation
// methods when it requires additional authentication), Request Activation
// Methods the methods, Validate Activation Code its result. A redelivery
// gets the same kind of answer.
func (a *Adapter) WriteReply(w http.ResponseWriter, ev *client.NetworkEvent) error {
	out := map[string]any{"responseId": uuid.New()}
	switch ev.Type {
	case client.EventTokenizationAuth:
		out["decision"] = "DECLINED"
		switch ev.Decision {
		case client.Approve:
			out["decision"], out["services"] = "APPROVED", []string{"DIGITIZATION"}
		case client.RequireStepUp:
			out["decision"], out["services"] = "REQUIRE_ADDITIONAL_AUTHENTICATION", []string{"DIGITIZATION"}
			if m := a.methodsFor(ev.TokenRef); len(m) > 0 {
				out["activationMethods"] = m
			}
		}
	case client.EventActivationMethods:
		out["activationMethods"] = a.methodsFor(ev.TokenRef)
	case client.EventActivationCodeCheck:
		out["result"] = ev.Payload["result"]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(out)
}

func (a *Adapter) methodsFor(tur string) []map[string]string {
	a.codes.mu.Lock()
	defer a.codes.mu.Unlock()
	if m := a.codes.methods[tur]; m != nil {
		return m
	}
	return []map[string]string{}
}
