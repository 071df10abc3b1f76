package mastercard

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
)

// wireError reads any of Mastercard's error envelopes: the API gateway's
// {"Errors":{"Error":[{ReasonCode, Description}]}}, the enrolment service's
// {code, status, message, details} (the Push Provisioning Enroll API; the
// older {status, reason, message} too), MDES's {errorCode,
// errorDescription}, Customer Service's "Errors" and Token Connect's
// "errors" lists.
type wireError struct {
	Reason  string          `json:"reason"`
	Status  json.RawMessage `json:"status"`
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Details []struct {
		Reason string `json:"reason"`
	} `json:"details"`

	ErrorCode        string `json:"errorCode"`
	ErrorDescription string `json:"errorDescription"`
	ReasonCode       string `json:"reasonCode"`
	Description      string `json:"description"`

	Errors json.RawMessage `json:"Errors"`
}

type gatewayEntry struct {
	Source      string   `json:"Source"`
	ReasonCode  string   `json:"ReasonCode"`
	Description string   `json:"Description"`
	Recoverable flexBool `json:"Recoverable"`
}

// flexBool reads Recoverable as Mastercard sends it: a JSON boolean from the
// API gateway, the string "true" or "false" from MDES Customer Service.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.ToLower(strings.TrimSpace(string(data))), `"`)
	*b = s == "true"
	return nil
}

// code and message of an error body, whichever envelope it is.
func decodeError(b []byte) (code, msg string, recoverable bool) {
	var w wireError
	if json.Unmarshal(b, &w) != nil {
		return "", strings.TrimSpace(string(b)), false
	}
	var status string
	_ = json.Unmarshal(w.Status, &status) // a string reason; the older form had the HTTP status here
	switch {
	case status != "":
		return status, w.Message, false
	case w.Reason != "":
		return w.Reason, w.Message, false
	case w.ErrorCode != "":
		return w.ErrorCode, w.ErrorDescription, false
	case w.ReasonCode != "":
		return w.ReasonCode, w.Description, false
	}
	if len(w.Errors) > 0 {
		var g struct {
			Error []gatewayEntry `json:"Error"`
		}
		if json.Unmarshal(w.Errors, &g) == nil && len(g.Error) > 0 {
			return g.Error[0].ReasonCode, g.Error[0].Description, bool(g.Error[0].Recoverable)
		}
		var list []struct {
			ErrorCode, ErrorDescription, ReasonCode, Description string
			Recoverable                                          flexBool
		}
		if json.Unmarshal(w.Errors, &list) == nil && len(list) > 0 {
			if list[0].ErrorCode != "" {
				return list[0].ErrorCode, list[0].ErrorDescription, bool(list[0].Recoverable)
			}
			return list[0].ReasonCode, list[0].Description, bool(list[0].Recoverable)
		}
	}
	return "", "", false
}

// parseError maps a refusal to the unified errors.
func parseError(status int, body []byte) error {
	code, msg, recoverable := decodeError(body)
	e := &client.NetworkError{Network: client.Mastercard, HTTPStatus: status, Code: code, Message: pan.RedactText(msg)}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = client.ErrAuth
	case status == http.StatusTooManyRequests || recoverable:
		e.Kind, e.Retryable = client.ErrUnavailable, true
	case code == "ALREADY_EXISTS":
		e.Kind = client.ErrAlreadyEnrolled
	case code == "CARD_INELIGIBLE" || code == "DECLINED":
		e.Kind = client.ErrIneligible
	case code == "INVALID_TOKEN_STATUS":
		e.Kind = client.ErrIllegalTransition
	case status == http.StatusNotFound || code == "NOT_FOUND" || code == "EMPTY_RESULT":
		e.Kind = client.ErrNotEnrolled
	case status == http.StatusConflict:
		e.Kind, e.Retryable = client.ErrConflict, true
	case strings.Contains(code, "INVALID_STATE") && status != http.StatusBadRequest:
		e.Kind = client.ErrIllegalTransition
	case status >= 500:
		e.Kind, e.Retryable = client.ErrUnavailable, true
	default:
		e.Kind = client.ErrValidation
	}
	return e
}
