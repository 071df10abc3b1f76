package mastercard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
)

const maxCallbackBody = 256 << 10

// DecodeCallback implements client.CallbackCodec for the issuer-hosted
// Pre-Digitization service (openapi/mastercard/issuer-predigitization.yaml):
//
//	.../authorizeService       → TOKENIZATION_AUTH_REQUEST
//	.../deliverActivationCode  → ACTIVATION_CODE_DELIVERY (yellow path)
//	.../notifyTokenUpdated     → TOKEN_STATUS_CHANGED
//
// Card data arrives in the field-level encryption envelope, encrypted to the
// issuer's key (Config.DecryptionKey). An envelope for another key, or one
// that does not decrypt, is client.ErrAuth: nothing is applied.
func (a *Adapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("mastercard calls are POST, got %s", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody))
	if err != nil {
		return nil, fmt.Errorf("reading the call: %w", err)
	}
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/authorizeService"):
		return a.authorizeService(body)
	case strings.HasSuffix(p, "/deliverActivationCode"):
		return a.deliverActivationCode(body)
	case strings.HasSuffix(p, "/notifyTokenUpdated"):
		return a.notifyTokenUpdated(body)
	}
	return nil, fmt.Errorf("no Mastercard call is served at %s", r.URL.Path)
}

// open decrypts a field-level encryption envelope to the issuer's key.
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

type cardAccountData struct {
	CardAccountData struct {
		AccountNumber string `json:"accountNumber"`
		ExpiryMonth   string `json:"expiryMonth"`
		ExpiryYear    string `json:"expiryYear"`
	} `json:"cardAccountData"`
}

func (a *Adapter) authorizeService(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		RequestID          string `json:"requestId"`
		CorrelationID      string `json:"correlationId"`
		TokenRequestorID   string `json:"tokenRequestorId"`
		AccountPanSuffix   string `json:"accountPanSuffix"`
		FundingAccountInfo struct {
			TokenUniqueReference string         `json:"tokenUniqueReference"`
			EncryptedPayload     encryption.FLE `json:"encryptedPayload"`
		} `json:"fundingAccountInfo"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.RequestID == "" {
		return nil, errors.New("authorizeService: the body names no requestId")
	}
	plain, err := a.open(req.FundingAccountInfo.EncryptedPayload)
	if err != nil {
		return nil, fmt.Errorf("authorizeService: %w", err)
	}
	var cad cardAccountData
	if err := json.Unmarshal(plain, &cad); err != nil {
		return nil, fmt.Errorf("authorizeService: the decrypted payload is not cardAccountData: %w", err)
	}
	p, err := pan.Parse(cad.CardAccountData.AccountNumber)
	if err != nil {
		return nil, fmt.Errorf("authorizeService: the decrypted card number: %w", err)
	}
	if p.Last4() != req.AccountPanSuffix {
		return nil, errors.New("authorizeService: accountPanSuffix does not match the encrypted card")
	}
	return &client.NetworkEvent{ID: "mc-authorize-" + req.RequestID, Type: client.EventTokenizationAuth,
		CardLast4: p.Last4(), CardBIN: p.BIN(), TokenRef: req.FundingAccountInfo.TokenUniqueReference,
		Payload: map[string]any{"correlationId": req.CorrelationID, "tokenRequestorId": req.TokenRequestorID,
			"card": p.Masked(), "expiryMonth": cad.CardAccountData.ExpiryMonth, "expiryYear": cad.CardAccountData.ExpiryYear}}, nil
}

func (a *Adapter) deliverActivationCode(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		RequestID            string `json:"requestId"`
		CorrelationID        string `json:"correlationId"`
		TokenUniqueReference string `json:"tokenUniqueReference"`
		AccountPanSuffix     string `json:"accountPanSuffix"`
		ActivationMethod     struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"activationMethod"`
		ActivationCodeExpiryDateTime string         `json:"activationCodeExpiryDateTime"`
		EncryptedPayload             encryption.FLE `json:"encryptedPayload"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.RequestID == "" {
		return nil, errors.New("deliverActivationCode: the body names no requestId")
	}
	plain, err := a.open(req.EncryptedPayload)
	if err != nil {
		return nil, fmt.Errorf("deliverActivationCode: %w", err)
	}
	var code struct {
		ActivationCode string `json:"activationCode"`
	}
	if err := json.Unmarshal(plain, &code); err != nil || code.ActivationCode == "" {
		return nil, errors.New("deliverActivationCode: the decrypted payload holds no activationCode")
	}
	// The code is for the cardholder: the issuer's delivery channel gets it,
	// the event log does not.
	return &client.NetworkEvent{ID: "mc-dac-" + req.RequestID, Type: client.EventActivationCode, CardLast4: req.AccountPanSuffix,
		TokenRef: req.TokenUniqueReference, TokenStatus: "INACTIVE",
		Payload: map[string]any{"correlationId": req.CorrelationID, "method": req.ActivationMethod.Type, "destination": req.ActivationMethod.Value,
			"expires": req.ActivationCodeExpiryDateTime, "codeLength": len(code.ActivationCode)}}, nil
}

func (a *Adapter) notifyTokenUpdated(body []byte) (*client.NetworkEvent, error) {
	var req struct {
		RequestID        string         `json:"requestId"`
		ReasonCode       string         `json:"reasonCode"`
		EncryptedPayload encryption.FLE `json:"encryptedPayload"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.RequestID == "" {
		return nil, errors.New("notifyTokenUpdated: the body names no requestId")
	}
	plain, err := a.open(req.EncryptedPayload)
	if err != nil {
		return nil, fmt.Errorf("notifyTokenUpdated: %w", err)
	}
	var p struct {
		Tokens []struct {
			TokenUniqueReference string   `json:"tokenUniqueReference"`
			TokenRequestorID     string   `json:"tokenRequestorId"`
			Status               string   `json:"status"`
			EventReasonCode      string   `json:"eventReasonCode"`
			SuspendedBy          []string `json:"suspendedBy"`
			StatusTimestamp      string   `json:"statusTimestamp"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal(plain, &p); err != nil || len(p.Tokens) == 0 {
		return nil, errors.New("notifyTokenUpdated: the decrypted payload lists no tokens")
	}
	t := p.Tokens[0]
	tokens := make([]any, len(p.Tokens))
	var more []client.TokenUpdate
	for i, t := range p.Tokens {
		tokens[i] = map[string]any{"tokenUniqueReference": t.TokenUniqueReference, "status": t.Status, "eventReasonCode": t.EventReasonCode}
		if i > 0 {
			more = append(more, client.TokenUpdate{TokenRef: t.TokenUniqueReference, Status: t.Status})
		}
	}
	// Unknown statuses and reason codes pass through as they are (ERR-04).
	return &client.NetworkEvent{ID: "mc-ntu-" + req.RequestID, Type: client.EventTokenStatusChanged,
		TokenRef: t.TokenUniqueReference, TokenStatus: t.Status, Tokens: more,
		Payload: map[string]any{"reasonCode": req.ReasonCode, "eventReasonCode": t.EventReasonCode, "suspendedBy": t.SuspendedBy, "tokens": tokens}}, nil
}

var _ client.CallbackErrorWriter = (*Adapter)(nil)

// WriteError implements client.CallbackErrorWriter: Pre-Digitization's
// application error envelope, 400, with CRYPTOGRAPHY_ERROR when the envelope
// is not for the issuer's key or does not decrypt, INVALID_JSON otherwise.
func (a *Adapter) WriteError(w http.ResponseWriter, err error) error {
	code := "INVALID_JSON"
	if errors.Is(err, client.ErrAuth) {
		code = "CRYPTOGRAPHY_ERROR"
	}
	msg := pan.RedactText(err.Error())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	return json.NewEncoder(w).Encode(map[string]any{
		"errorCode": code, "errorDescription": msg, "responseHost": responseHost, "responseId": uuid4(),
		"errors": []map[string]any{{"source": "INPUT", "errorCode": code, "description": msg, "reasonCode": code, "recoverable": false}},
	})
}

// responseHost names the issuer's side in Pre-Digitization answers.
const responseHost = "issuer.c2psim.local"

// WriteReply implements client.CallbackCodec: Authorize Service gets the
// issuer's decision, every other call the acknowledgement (responseHost,
// responseId), also for a redelivery.
func (a *Adapter) WriteReply(w http.ResponseWriter, ev *client.NetworkEvent) error {
	out := map[string]string{"responseHost": responseHost, "responseId": uuid4()}
	if ev.Type == client.EventTokenizationAuth {
		out["decision"] = "DECLINED"
		switch ev.Decision {
		case client.Approve:
			out["decision"] = "APPROVED"
		case client.RequireStepUp:
			out["decision"] = "REQUIRE_ADDITIONAL_AUTHENTICATION"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(out)
}
