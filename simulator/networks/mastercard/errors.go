package mastercard

import (
	"net/http"

	"github.com/c2psim/c2psim/simulator"
)

// The error envelopes of the enrolment document: the API gateway's, and
// the enrolment service's. Customer Service and Token Connect render their
// own (mdes.go, tokenconnect.go).

// gatewayErrors is the API gateway envelope.
type gatewayErrors struct {
	Errors struct {
		Error []gatewayError `json:"Error"`
	} `json:"Errors"`
}

type gatewayError struct {
	Source      string  `json:"Source"`
	ReasonCode  string  `json:"ReasonCode"`
	Description string  `json:"Description"`
	Recoverable bool    `json:"Recoverable"`
	Details     *string `json:"Details"`
}

// serviceError is the Click to Pay enrolment service envelope, in the
// Push Provisioning Enroll API's form: code is the HTTP status, status the
// reason.
type serviceError struct {
	Code    int           `json:"code"`
	Status  string        `json:"status"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details"`
}

type errorDetail struct {
	Reason     string `json:"reason"`
	Source     string `json:"source,omitempty"`
	Message    string `json:"message"`
	SourceType string `json:"sourceType,omitempty"`
}

// gatewayStatus lists the statuses the gateway layer answers.
var gatewayStatus = map[int]bool{401: true, 403: true, 404: true, 405: true, 413: true, 415: true, 429: true}

// svcErr builds an enrolment-service error.
func svcErr(status int, kind simulator.Kind, reason, format string, args ...any) *simulator.Error {
	e := simulator.Errorf(status, kind, format, args...)
	e.Code = reason
	return e
}

// isGatewayError says whether the gateway layer answers e: authentication,
// routing, size, media type and rate limits. A resource the service does
// not know is the service's 404; a path no operation serves is the
// gateway's.
func isGatewayError(req *simulator.Request, e *simulator.Error) bool {
	return gatewayStatus[e.Status] && !(e.Status == http.StatusNotFound && req.OperationID != "")
}

// renderGatewayError renders e in the API gateway envelope.
func renderGatewayError(e *simulator.Error, msg string) *simulator.Response {
	var g gatewayErrors
	g.Errors.Error = []gatewayError{{Source: "Gateway", ReasonCode: gatewayReason(e), Description: msg, Recoverable: e.Status == http.StatusTooManyRequests}}
	return simulator.JSON(e.Status, g)
}

// renderServiceError renders e in the enrolment service envelope, the one
// of every operation of the enrolment document (putCard, the Credential
// Directory, batches).
func renderServiceError(_ *simulator.Request, e *simulator.Error, msg string) *simulator.Response {
	body := serviceError{Code: e.Status, Status: e.Code, Message: msg, Details: []errorDetail{}}
	if body.Status == "" {
		body.Status = serviceReason(e)
	}
	for _, f := range e.Fields {
		body.Details = append(body.Details, errorDetail{Reason: fieldReason(f.Rule), SourceType: sourceType(f.In), Source: f.Field, Message: f.Message})
	}
	return simulator.JSON(e.Status, body)
}

func gatewayReason(e *simulator.Error) string {
	if e.Code != "" {
		return e.Code
	}
	switch e.Kind {
	case simulator.KindAuth:
		return "AUTHENTICATION_FAILED"
	case simulator.KindForbidden:
		return "PERMISSION_DENIED"
	case simulator.KindNotFound:
		return "NOT_FOUND"
	case simulator.KindMethod:
		return "METHOD_NOT_ALLOWED"
	case simulator.KindTooLarge:
		return "REQUEST_TOO_LARGE"
	case simulator.KindMediaType:
		return "UNSUPPORTED_MEDIA_TYPE"
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return "AUTHENTICATION_FAILED"
	case http.StatusTooManyRequests:
		return "RATE_LIMIT_EXCEEDED"
	}
	return "SYSTEM_ERROR"
}

func serviceReason(e *simulator.Error) string {
	switch e.Kind {
	case simulator.KindValidation, simulator.KindMalformed, simulator.KindCrypto:
		return "INVALID_ARGUMENT"
	case simulator.KindState:
		return "INVALID_STATE"
	case simulator.KindConflict:
		return "ALREADY_EXISTS"
	case simulator.KindUnprocessable:
		return "FAILED_PRECONDITION"
	case simulator.KindUnavailable:
		return "UNAVAILABLE"
	case simulator.KindInternal:
		return "INTERNAL"
	}
	switch {
	case e.Status >= 500:
		return "INTERNAL"
	case e.Status == http.StatusConflict:
		return "ALREADY_EXISTS"
	}
	return "INVALID_ARGUMENT"
}

func fieldReason(rule string) string {
	switch rule {
	case "required":
		return "CANNOT_BE_NULL"
	case "additionalProperties":
		return "UNKNOWN_FIELD"
	}
	return "INVALID_VALUE"
}

func sourceType(in string) string {
	switch in {
	case "header":
		return "HEADER"
	case "query", "path":
		return "PARAMETER"
	}
	return "BODY"
}

// argErr is an INVALID_ARGUMENT naming a missing or conflicting field.
func argErr(field, format string, args ...any) *simulator.Error {
	e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", format, args...)
	e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: "required", Message: e.Message}}
	return e
}

// cryptoErrAt is an INVALID_ARGUMENT about encrypted field.
func cryptoErrAt(field, format string, args ...any) *simulator.Error {
	e := simulator.Errorf(http.StatusBadRequest, simulator.KindCrypto, format, args...)
	e.Code = "INVALID_ARGUMENT"
	e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: "encryption", Message: e.Message}}
	return e
}
