package amex

import (
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Error codes of the Amex-flavoured envelope (openapi/amex/clicktopay.yaml).
const (
	codeValidation      = "VALIDATION_ERROR"
	codeEncryption      = "ENCRYPTION_ERROR"
	codeClearCard       = "CLEAR_CARD_DATA"
	codeAuth            = "AUTHENTICATION_FAILED"
	codeForbidden       = "FORBIDDEN"
	codeNotFound        = "NOT_FOUND"          // an operation's unknown token or consumer
	codeNoResource      = "RESOURCE_NOT_FOUND" // no operation at the path (a wrong base URL)
	codeDuplicateReq    = "DUPLICATE_REQUEST_ID"
	codeAlreadyEnrolled = "ALREADY_ENROLLED"
	codeStateTransition = "INVALID_STATE_TRANSITION"
	codeTooLarge        = "PAYLOAD_TOO_LARGE"
	codeMediaType       = "UNSUPPORTED_MEDIA_TYPE"
	codeIneligible      = "CARD_INELIGIBLE"
	codeDeclined        = "CARD_DECLINED"
	codeServiceError    = "SERVICE_ERROR"
	codeUnavailable     = "SERVICE_UNAVAILABLE"
	codeMethod          = "METHOD_NOT_ALLOWED"
)

func axError(status int, kind simulator.Kind, code, format string, args ...any) *simulator.Error {
	return &simulator.Error{Status: status, Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorType is the envelope's error_type for a status.
func errorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "authorization_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusConflict:
		return "conflict_error"
	case status == http.StatusUnprocessableEntity:
		return "card_error"
	case status >= 500:
		return "service_error"
	}
	return "validation_error"
}

// defaultCode picks a code for errors that carry none (engine errors, fault
// rules without a code).
func defaultCode(e *simulator.Error) string {
	switch e.Kind {
	case simulator.KindValidation, simulator.KindMalformed:
		return codeValidation
	case simulator.KindCrypto:
		return codeEncryption
	case simulator.KindAuth:
		return codeAuth
	case simulator.KindForbidden:
		return codeForbidden
	case simulator.KindNotFound:
		return codeNotFound
	case simulator.KindMethod:
		return codeMethod
	case simulator.KindConflict, simulator.KindState:
		return codeStateTransition
	case simulator.KindTooLarge:
		return codeTooLarge
	case simulator.KindMediaType:
		return codeMediaType
	case simulator.KindUnprocessable:
		return codeIneligible
	case simulator.KindUnavailable:
		return codeUnavailable
	case simulator.KindInternal:
		return codeServiceError
	}
	switch s := e.Status; {
	case s == http.StatusUnauthorized:
		return codeAuth
	case s == http.StatusForbidden:
		return codeForbidden
	case s == http.StatusNotFound:
		return codeNotFound
	case s == http.StatusConflict:
		return codeStateTransition
	case s == http.StatusRequestEntityTooLarge:
		return codeTooLarge
	case s == http.StatusUnsupportedMediaType:
		return codeMediaType
	case s == http.StatusUnprocessableEntity:
		return codeIneligible
	case s == http.StatusServiceUnavailable:
		return codeUnavailable
	case s >= 500:
		return codeServiceError
	}
	return codeValidation
}

// RenderError implements simulator.Network:
// {error_code, error_type, error_description, request_id, details[]}.
func (n *Network) RenderError(req *simulator.Request, e *simulator.Error) *simulator.Response {
	code := e.Code
	if code == "" {
		code = defaultCode(e)
		// No operation at the path: not a token or profile the operation
		// does not know, so a client does not read it as "not enrolled".
		if e.Kind == simulator.KindNotFound && (req == nil || req.OperationID == "") {
			code = codeNoResource
		}
	}
	details := []map[string]string{}
	for _, f := range e.Fields {
		details = append(details, map[string]string{"field": f.Field, "issue": f.Message})
	}
	msg := e.Message
	if msg == "" {
		msg = e.Summary()
	}
	body := map[string]any{"error_code": code, "error_type": errorType(e.Status), "error_description": pan.RedactText(msg), "details": details}
	if req != nil && req.HTTP != nil {
		if id := req.HTTP.Header.Get(mac.HeaderRequestID); id != "" {
			body["request_id"] = pan.RedactText(clip(id, 64))
		}
	}
	return simulator.JSON(e.Status, body)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
