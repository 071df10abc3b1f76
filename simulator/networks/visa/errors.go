package visa

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/simulator"
)

// errorBody is Visa's error envelope.
type errorBody struct {
	Status      int           `json:"status"`
	Reason      string        `json:"reason"`
	Message     string        `json:"message"`
	ErrorDetail []errorDetail `json:"errorDetail"`
}

type errorDetail struct {
	Reason     string `json:"reason"`
	Source     string `json:"source,omitempty"`
	SourceType string `json:"sourceType,omitempty"`
	Message    string `json:"message"`
}

// gatewayError is the Visa Developer gateway's envelope, used for 401.
type gatewayError struct {
	ResponseStatus gatewayStatus `json:"responseStatus"`
}

type gatewayStatus struct {
	Status   int    `json:"status"`
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Info     string `json:"info"`
}

// vidc builds a business error with a VIDC code.
func vidc(status int, code, msg string, args ...any) *simulator.Error {
	e := simulator.Errorf(status, simulator.KindState, msg, args...)
	e.Code = code
	return e
}

// RenderError implements simulator.Network: Visa's envelope with the VIDC code
// for the kind of problem, encrypted to the client once the Key ID is known.
func (n *Network) RenderError(req *simulator.Request, e *simulator.Error) *simulator.Response {
	if e.Status == http.StatusUnauthorized {
		// The gateway refuses the caller before VICA sees the request: its
		// own envelope, never encrypted (the caller is not known).
		code := e.Code
		if len(code) != 4 || strings.Trim(code, "0123456789") != "" {
			code = codeCredentialMissing
		}
		return simulator.JSON(e.Status, gatewayError{ResponseStatus: gatewayStatus{
			Status: e.Status, Code: code, Severity: "ERROR", Message: e.Message, Info: ""}})
	}
	body := errorBody{Status: e.Status, Reason: e.Code, Message: e.Message, ErrorDetail: []errorDetail{}}
	if body.Reason == "" {
		body.Reason = reasonFor(e)
	}
	for _, f := range e.Fields {
		body.ErrorDetail = append(body.ErrorDetail, errorDetail{Reason: fieldReason(f.Rule), Source: f.Field, SourceType: sourceType(f.In), Message: f.Message})
		if f.Field == "/encData" && f.Rule == "required" {
			body.Message = `VICA requires Message Level Encryption: send {"encData": "<JWE RSA-OAEP-256/A128GCM>"} with the keyId header; ` + body.Message
		}
	}
	if body.Message == "" {
		body.Message = e.Summary()
	}
	plain, _ := json.Marshal(body)
	// Visa encrypts error answers too, once it knows whose key to use: after
	// authentication, with this project's Key ID in the request.
	if encryptErrorsSetting.Get(n.env.Settings) && req.Principal() != "" && req.HTTP.Header.Get(mle.KeyIDHeader) == n.currentKeyID() {
		if sealed, err := mle.Seal(plain, n.clientPublicKey(), n.currentKeyID(), n.now()); err == nil {
			return &simulator.Response{Status: e.Status, Raw: sealed, Plaintext: plain}
		}
	}
	return &simulator.Response{Status: e.Status, Raw: plain}
}

func reasonFor(e *simulator.Error) string {
	if len(e.Fields) > 0 {
		return fieldReason(e.Fields[0].Rule)
	}
	switch e.Kind {
	case simulator.KindValidation, simulator.KindMalformed, simulator.KindCrypto:
		return "VIDC-1001"
	case simulator.KindAuth:
		return "UNAUTHORIZED"
	case simulator.KindForbidden:
		return "FORBIDDEN"
	case simulator.KindNotFound:
		return "NOT_FOUND"
	case simulator.KindMethod:
		return "METHOD_NOT_ALLOWED"
	case simulator.KindTooLarge:
		return "PAYLOAD_TOO_LARGE"
	case simulator.KindMediaType:
		return "UNSUPPORTED_MEDIA_TYPE"
	case simulator.KindConflict:
		return "VIDC-3000"
	case simulator.KindUnprocessable:
		return "UNSUPPORTED_PRODUCT"
	}
	if e.Status >= http.StatusInternalServerError {
		return "VIDC-5000"
	}
	return "VIDC-1001"
}

// fieldReason maps a schema rule to Visa's field-level VIDC code.
func fieldReason(rule string) string {
	switch {
	case rule == "required":
		return "VIDC-1000"
	case rule == "minItems" || rule == "maxItems":
		return "VIDC-1003"
	case strings.HasSuffix(rule, "Length"):
		return "VIDC-1002"
	}
	return "VIDC-1001"
}

func sourceType(in string) string {
	switch in {
	case "header":
		return "HEADER"
	case "query", "path":
		return "PARAMETER"
	case "body":
		return "FIELD"
	}
	return "BODY"
}
