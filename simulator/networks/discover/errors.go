package discover

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Error codes. Every one is Discover's published code (the developer
// guide's gateway table and the Stored Token Services API Specs) except
// those marked c2psim's, used where nothing is published.
const (
	codeSystem      = "6"     // 500 the system has difficulty processing the request
	codeAuth        = "1001"  // 401 user authentication failed
	codeForbidden   = "1003"  // 400 (or 403) not authorized to access the resource
	codeMaintenance = "1006"  // 503 maintenance mode
	codeProcessing  = "30001" // 500 unexpected error while processing
	codeDownstream  = "30002" // 500 downstream system unavailable
	codeUnparsable  = "90000" // 400 payload could not be parsed
	codeMissing     = "90001" // 400 mandatory field missing
	codeLength      = "90002" // 400 invalid field length
	codeType        = "90003" // 400 invalid field type
	codeValue       = "90004" // 400 invalid field value
	codeHeader      = "90005" // 400 invalid HTTP header
	codeContentType = "90006" // 400 no (or no supported) Content-Type
	codeTooLarge    = "10122" // 413 request too large
	codeIneligible  = "10002" // 400 PAN ineligible
	codeCrypto      = "10004" // 400 cryptographic error
	codeNotAdded    = "10007" // account/user can't be added at this time (an operation's failure)
	codeProvisioned = "10009" // 400 already provisioned
	codeExpired     = "10012" // 400 the card expired
	codeNoAccount   = "10014" // 400 account not found
	codeDuplicate   = "10023" // 400 duplicate request
	codeNoTask      = "10034" // 400 invalid task (operation) ID
	codeTokenStatus = "10103" // 400 the token's status does not allow it
	codeNoToken     = "10127" // 400 token not found
	codeLuhn        = "70004" // 400 Luhn check failed
	codeInProgress  = "2009"  // 409 c2psim's: an operation on the consumer is in progress
	codeNoRoute     = "404"   // 404 c2psim's (the gateway answers {"code": 404, ...})
	codeNoMethod    = "405"   // 405 c2psim's
)

func dsError(status int, kind simulator.Kind, code, format string, args ...any) *simulator.Error {
	return &simulator.Error{Status: status, Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// validationCode is the published 9000x code of a document check, by the
// first problem's rule and place.
func validationCode(e *simulator.Error) string {
	if len(e.Fields) == 0 {
		return codeValue
	}
	f := e.Fields[0]
	switch {
	case f.Rule == simulator.RuleDuplicateKey:
		return codeUnparsable
	case f.In == "header":
		return codeHeader
	case f.Rule == "required":
		return codeMissing
	case f.Rule == "minLength" || f.Rule == "maxLength" || f.Rule == "minItems" || f.Rule == "maxItems":
		return codeLength
	case f.Rule == "type":
		return codeType
	}
	return codeValue
}

// codeAndStatus picks the code of an error without one and the status the
// published table gives it.
func (n *Network) codeAndStatus(req *simulator.Request, e *simulator.Error) (string, int) {
	if e.Code != "" {
		return e.Code, e.Status
	}
	switch e.Kind {
	case simulator.KindAuth:
		return codeAuth, http.StatusUnauthorized
	case simulator.KindForbidden:
		return codeForbidden, forbiddenStatusSetting.Get(n.env.Settings)
	case simulator.KindMalformed:
		return codeUnparsable, http.StatusBadRequest
	case simulator.KindValidation:
		return validationCode(e), http.StatusBadRequest
	case simulator.KindMediaType:
		return codeContentType, http.StatusBadRequest // the table gives 90006 with 400
	case simulator.KindTooLarge:
		return codeTooLarge, http.StatusRequestEntityTooLarge
	case simulator.KindCrypto:
		return codeCrypto, http.StatusBadRequest
	case simulator.KindNotFound:
		if req == nil || req.OperationID == "" {
			return codeNoRoute, http.StatusNotFound
		}
		return codeNoAccount, e.Status
	case simulator.KindMethod:
		return codeNoMethod, http.StatusMethodNotAllowed
	case simulator.KindConflict:
		return codeInProgress, e.Status
	case simulator.KindState:
		return codeTokenStatus, e.Status
	case simulator.KindUnprocessable:
		return codeIneligible, e.Status
	case simulator.KindUnavailable:
		if e.Status == http.StatusServiceUnavailable {
			return codeMaintenance, e.Status
		}
		return codeDownstream, e.Status
	case simulator.KindInternal:
		return codeSystem, e.Status
	}
	// Fault rules without a code: the published code of their status.
	switch s := e.Status; {
	case s == http.StatusUnauthorized:
		return codeAuth, s
	case s == http.StatusForbidden:
		return codeForbidden, s
	case s == http.StatusConflict:
		return codeInProgress, s
	case s == http.StatusRequestEntityTooLarge:
		return codeTooLarge, s
	case s == http.StatusServiceUnavailable:
		return codeMaintenance, s
	case s >= 500:
		return codeSystem, s
	}
	return codeValue, e.Status
}

// RenderError implements simulator.Network: the published {code, message}
// envelope, with details[] naming fields (c2psim's addition).
func (n *Network) RenderError(req *simulator.Request, e *simulator.Error) *simulator.Response {
	code, status := n.codeAndStatus(req, e)
	details := []map[string]string{}
	for _, f := range e.Fields {
		details = append(details, map[string]string{"field": f.Field, "issue": f.Message})
	}
	msg := e.Message
	if msg == "" {
		msg = e.Summary()
	}
	return simulator.JSON(status, map[string]any{"code": code, "message": pan.RedactText(strings.TrimSpace(msg)), "details": details})
}
