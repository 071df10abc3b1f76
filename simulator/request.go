package simulator

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Handler answers one operation. It returns a Response, or an error: a *Error
// is rendered in the network's envelope with its status; any other error is a
// 500 and a simulator finding.
type Handler func(ctx context.Context, req *Request) (*Response, error)

// Request is one inbound call as the engine has checked it so far.
type Request struct {
	HTTP        *http.Request
	Network     string
	OperationID string              // empty when no operation matched
	Operation   *openapi3.Operation // nil when no operation matched
	// Spec is the document the route came from (a path in
	// Description.Specs) and Document that document as loaded; empty and
	// nil when no operation matched.
	Spec       string
	Document   *openapi3.T
	PathParams map[string]string
	// Body is the raw body exactly as received (never modified by validation).
	Body []byte

	op        *mountedOp
	prefix    string // the network's mount prefix: "/mastercard"
	principal string
	plaintext []byte
	cards     []string // PANs seen in decrypted payloads, for fault scoping (never journalled)
	correl    []string
	notes     map[string]string
	decoded   any
}

// SignedURLs returns the URLs a client may have signed for this request, for
// verifiers of request signatures (OAuth 1.0a, MAC): the URL as received
// (scheme, host and port as the client addressed them, path and query), and
// the same without the network's mount prefix ("/mastercard"), for a client
// configured with the network API's own base path. Verifiers accept a
// signature over either.
func (r *Request) SignedURLs() []*url.URL {
	h := r.HTTP
	u := &url.URL{Scheme: "http", Host: h.Host, Path: h.URL.Path, RawPath: h.URL.RawPath, RawQuery: h.URL.RawQuery}
	if h.TLS != nil {
		u.Scheme = "https"
	}
	out := []*url.URL{u}
	if r.prefix != "" && strings.HasPrefix(u.Path, r.prefix+"/") {
		alt := *u
		alt.Path = strings.TrimPrefix(u.Path, r.prefix)
		if u.RawPath != "" {
			alt.RawPath = strings.TrimPrefix(u.RawPath, r.prefix)
		}
		out = append(out, &alt)
	}
	return out
}

// SetPrincipal records who the authenticated caller is (a consumer key, an API
// key, a client ID). It is journalled.
func (r *Request) SetPrincipal(p string) { r.principal = p }

// Principal returns what SetPrincipal recorded.
func (r *Request) Principal() string { return r.principal }

// SetPlaintext records the decrypted payload (JSON). The journal keeps it
// masked; handlers read it back with Plaintext.
func (r *Request) SetPlaintext(b []byte) { r.plaintext = b }

// Plaintext returns the decrypted payload, or nil.
func (r *Request) Plaintext() []byte { return r.plaintext }

// SetDecoded keeps what the operation's Decode made of the request (the
// body, and the plaintext, as the handler's own types), so Handle reads
// them back with Decoded instead of decoding the same bytes again.
func (r *Request) SetDecoded(v any) { r.decoded = v }

// Decoded returns what SetDecoded kept, or nil.
func (r *Request) Decoded() any { return r.decoded }

// AddCard tells the engine which card (full PAN) this request concerns, so
// fault rules scoped to a card match. The PAN is never stored or journalled;
// only its last four digits and reference are.
func (r *Request) AddCard(pan string) { r.cards = append(r.cards, pan) }

// Cards returns the PANs recorded with AddCard.
func (r *Request) Cards() []string { return r.cards }

// AddCorrelationID records a correlation ID (srcCorrelationId, requestTraceId,
// x-amex-request-id ...) the journal can be searched by.
func (r *Request) AddCorrelationID(id string) {
	if id != "" {
		r.correl = append(r.correl, id)
	}
}

// CorrelationIDs returns the recorded correlation IDs.
func (r *Request) CorrelationIDs() []string { return r.correl }

// Note attaches a short finding or fact to the journal entry.
func (r *Request) Note(key, value string) {
	if r.notes == nil {
		r.notes = map[string]string{}
	}
	r.notes[key] = value
}

// Notes returns the notes attached with Note.
func (r *Request) Notes() map[string]string { return r.notes }

// Response is what a handler or RenderError returns. Exactly one of Body
// (marshalled as JSON) and Raw is used; Raw wins when non-nil.
type Response struct {
	Status      int
	Header      http.Header
	Body        any
	Raw         []byte
	ContentType string // default application/json when there is a body
	// Plaintext, when set, is the unencrypted form of an encrypted body; the
	// journal records it masked.
	Plaintext []byte
}

// JSON is a convenience for a JSON response.
func JSON(status int, body any) *Response { return &Response{Status: status, Body: body} }

// Kind classifies an Error so plugins can pick their network's code for it.
type Kind string

// Error kinds the engine produces or plugins use.
const (
	KindValidation    Kind = "validation"    // 400: request does not match the spec or the plaintext schema
	KindMalformed     Kind = "malformed"     // 400: body is not parseable JSON
	KindAuth          Kind = "auth"          // 401: missing or wrong credentials
	KindForbidden     Kind = "forbidden"     // 403: authenticated but not allowed
	KindNotFound      Kind = "not_found"     // 404: no such path, or no such resource
	KindMethod        Kind = "method"        // 405: path exists, method does not
	KindConflict      Kind = "conflict"      // 409: concurrent or duplicate request
	KindTooLarge      Kind = "too_large"     // 413: body over the limit
	KindMediaType     Kind = "media_type"    // 415: unsupported Content-Type
	KindUnprocessable Kind = "unprocessable" // 422: well-formed, not supported
	KindState         Kind = "state"         // 400/409: illegal state transition or business rule
	KindCrypto        Kind = "crypto"        // 400: payload encryption or signature problem
	KindFault         Kind = "fault"         // injected by a fault rule
	KindInternal      Kind = "internal"      // 500
	KindUnavailable   Kind = "unavailable"   // 503
)

// FieldError is one validation problem.
type FieldError struct {
	Field   string `json:"field"`   // JSON pointer into the body, or header/query/path parameter name
	In      string `json:"in"`      // body | header | query | path
	Rule    string `json:"rule"`    // required | type | pattern | maxLength | enum | additionalProperties | format | ...
	Message string `json:"message"` // names the field and the rule
}

// Error is a failure with an HTTP status, rendered by the network plugin.
type Error struct {
	Status  int
	Kind    Kind
	Code    string // network code chosen by the plugin or a fault rule (optional)
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// Errorf builds an *Error.
func Errorf(status int, kind Kind, format string, args ...any) *Error {
	return &Error{Status: status, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// WithCode returns e with a network code set.
func (e *Error) WithCode(code string) *Error { e.Code = code; return e }

// Summary joins the field messages, or returns Message when there are none.
func (e *Error) Summary() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Message
	}
	return strings.Join(parts, "; ")
}
