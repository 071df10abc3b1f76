package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator/schemacheck"
)

// This file holds every check against the documents: inbound requests and
// the simulator's answers, outbound callbacks and the issuer's answers to
// them, and decrypted payloads against their plaintext schemas. They share
// one JSON decode path (decodeJSON), one way of flattening kin-openapi's
// errors (toFieldErrors) and one way of turning them into journal issues
// with card numbers masked (issuesOf).

// decodeJSON parses a JSON document for schema validation: the only place a
// body or plaintext is decoded for a check. A number beyond float64 is read
// as a json.Number (as kin-openapi reads every number), so it is a schema
// matter, not malformed JSON; the common case takes encoding/json's fast
// path. Trailing data after the value is an error.
func decodeJSON(b []byte, v *any) error {
	err := json.Unmarshal(b, v)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// jsonSyntaxError describes why b is not JSON, with the byte offset.
func jsonSyntaxError(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "trailing data after the JSON value"
}

// schemaOptions are the options kin-openapi would validate a body with:
// every error, the direction (none for plaintexts), and JSON Schema 2020-12
// for OpenAPI 3.1 documents.
func schemaOptions(doc *openapi3.T, direction ...openapi3.SchemaValidationOption) []openapi3.SchemaValidationOption {
	opts := make([]openapi3.SchemaValidationOption, 0, 3)
	opts = append(opts, openapi3.MultiErrors())
	opts = append(opts, direction...)
	if doc != nil && doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	return opts
}

// findingIssues turns the compiled checker's findings into journal
// issues, as issuesOf does kin-openapi's errors.
func findingIssues(fs []schemacheck.Finding) []string {
	if len(fs) == 0 {
		return nil
	}
	out := make([]string, len(fs))
	for i, f := range findingFieldErrors(fs) {
		out[i] = pan.RedactText(f.Message)
	}
	return out
}

// issuesOf turns a validation error into journal issues, card numbers
// masked.
func issuesOf(err error) []string {
	var out []string
	for _, f := range toFieldErrors(err) {
		out = append(out, pan.RedactText(f.Message))
	}
	if len(out) == 0 {
		out = []string{pan.RedactText(err.Error())}
	}
	return out
}

// validateRequest checks media type, JSON syntax and the document's schema.
func (x *exchange) validateRequest() *Error {
	op := x.route.Operation
	r := x.req.HTTP
	body := x.req.Body
	// A JSON body is read once here and checked against its schema
	// directly (as kin-openapi would, as a request, without setting
	// defaults): by its compiled checker when it has one and the body is
	// clean JSON, else decoded and checked by kin-openapi. kin-openapi
	// then checks the parameters only.
	var jsonSchema *openapi3.Schema
	var decoded *any // decoded only when the compiled checker did not read it
	var findings []schemacheck.Finding
	compiled := false
	if op.RequestBody != nil && op.RequestBody.Value != nil && len(body) > 0 {
		content := op.RequestBody.Value.Content
		mt, err := mediaType(r.Header.Get("Content-Type"))
		if err != nil || content.Get(mt) == nil {
			return &Error{Status: http.StatusUnsupportedMediaType, Kind: KindMediaType,
				Message: fmt.Sprintf("Content-Type %q is not supported here; send one of: %s", r.Header.Get("Content-Type"), strings.Join(mediaTypes(content), ", "))}
		}
		if strings.HasSuffix(mt, "json") {
			if c := content.Get(mt); mt == "application/json" && c.Schema != nil && c.Schema.Value != nil {
				jsonSchema = c.Schema.Value
				if ch := x.m.sim.checks.get(x.route.Spec, jsonSchema, schemacheck.Request); ch != nil {
					// Clean means valid JSON, valid UTF-8 and no duplicate
					// key: the checks below would all pass.
					findings, compiled = ch.Check(body)
				}
			}
			if !compiled {
				decoded = new(any)
				if err := decodeJSON(body, decoded); err != nil {
					return &Error{Status: http.StatusBadRequest, Kind: KindMalformed, Message: "request body is not valid JSON: " + jsonSyntaxError(body)}
				}
				if uerr := invalidUTF8Error(body, "body"); uerr != nil {
					return uerr
				}
				if derr := duplicateKeyError(body, "body"); derr != nil {
					return derr
				}
			}
		}
	}
	if op.RequestBody == nil && len(bytes.TrimSpace(body)) > 0 {
		return &Error{Status: http.StatusBadRequest, Kind: KindValidation, Message: "this operation takes no request body",
			Fields: []FieldError{{Field: "body", In: "body", Rule: "absent", Message: "this operation takes no request body"}}}
	}

	// kin-openapi consumes the body (and so may a handler): give it a
	// reader over our copy, which stays exactly as received for the journal
	// and the handler (SkipSettingDefaults keeps kin-openapi from writing
	// defaults into the request).
	r.Body = io.NopCloser(bytes.NewReader(body))
	if jsonSchema != nil && compiled && !hasRequestChecks(x.route, r.Header) {
		// No parameter sent, no security requirement, the body checked:
		// there is nothing left for kin-openapi to look at.
		if len(findings) == 0 {
			return nil
		}
		e := &Error{Status: http.StatusBadRequest, Kind: KindValidation, Fields: findingFieldErrors(findings)}
		e.Message = e.Summary()
		return e
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: x.req.PathParams,
		Route:      x.route,
		Options: &openapi3filter.Options{
			MultiError:          true,
			SkipSettingDefaults: true,
			ExcludeRequestBody:  jsonSchema != nil,
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		},
	}
	if jsonSchema != nil {
		// The body is checked above and excluded here; kin-openapi would
		// still copy it for each security requirement, for an
		// authentication function that is a no-op.
		r.Body = http.NoBody
	}
	err := openapi3filter.ValidateRequest(r.Context(), in)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var fields []FieldError
	if err != nil {
		fields = toFieldErrors(err)
	}
	failed := err != nil
	switch {
	case compiled:
		if len(findings) > 0 {
			fields = append(fields, findingFieldErrors(findings)...)
			failed = true
		}
	case jsonSchema != nil:
		if berr := jsonSchema.VisitJSON(*decoded, schemaOptions(x.route.Spec, openapi3.VisitAsRequest())...); berr != nil {
			fields = append(fields, toFieldErrors(berr)...)
			if err == nil {
				err = berr
			}
			failed = true
		}
	}
	if !failed {
		return nil
	}
	e := &Error{Status: http.StatusBadRequest, Kind: KindValidation, Fields: fields}
	e.Message = e.Summary()
	if e.Message == "" && err != nil {
		e.Message = err.Error()
	}
	return e
}

// hasRequestChecks reports whether kin-openapi has something to check in a
// request of route with headers h besides its body: a parameter (but an
// optional header parameter the request does not carry, which kin-openapi
// passes without looking further), or a security requirement naming a
// scheme the document does not declare (kin-openapi refuses it). A declared
// scheme is checked by the network's Authenticate: kin-openapi runs with
// NoopAuthenticationFunc and has nothing to check in the request for it,
// only a copy of the body to make.
func hasRequestChecks(route *routers.Route, h http.Header) bool {
	op := route.Operation
	var params []openapi3.Parameters
	params = append(params, op.Parameters)
	if route.PathItem != nil {
		params = append(params, route.PathItem.Parameters)
	}
	for _, ps := range params {
		for _, p := range ps {
			if !absentOptionalHeader(p, h) {
				return true
			}
		}
	}
	var security openapi3.SecurityRequirements
	var schemes openapi3.SecuritySchemes
	if route.Spec != nil {
		security = route.Spec.Security
		if route.Spec.Components != nil {
			schemes = route.Spec.Components.SecuritySchemes
		}
	}
	if op.Security != nil {
		security = *op.Security
	}
	for _, req := range security {
		for name := range req {
			if ref := schemes[name]; ref == nil || ref.Value == nil {
				return true
			}
		}
	}
	return false
}

// absentOptionalHeader reports whether ref is an optional header parameter
// of one primitive type, serialised in the simple style, that h does not
// carry: kin-openapi's ValidateParameter decodes nothing for it and, not
// setting defaults, returns without a finding.
func absentOptionalHeader(ref *openapi3.ParameterRef, h http.Header) bool {
	p := ref.Value
	if p == nil || p.In != openapi3.ParameterInHeader || p.Required || p.Content != nil || p.Schema == nil || p.Schema.Value == nil {
		return false
	}
	s := p.Schema.Value
	if len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Not != nil || s.Type == nil || len(*s.Type) != 1 ||
		!s.Type.Includes(openapi3.TypeString) && !s.Type.Includes(openapi3.TypeNumber) && !s.Type.Includes(openapi3.TypeInteger) && !s.Type.Includes(openapi3.TypeBoolean) {
		return false
	}
	if sm, err := p.SerializationMethod(); err != nil || sm.Style != openapi3.SerializationSimple {
		return false
	}
	_, sent := h[http.CanonicalHeaderKey(p.Name)]
	return !sent
}

// mediaType is mime.ParseMediaType's media type, without parsing the
// common "application/json".
func mediaType(v string) (string, error) {
	if v == "application/json" {
		return v, nil
	}
	mt, _, err := mime.ParseMediaType(v)
	return mt, err
}

func mediaTypes(c openapi3.Content) []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fieldMessages(e *Error) []string {
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Message
	}
	return out
}

// validateResponse checks an answer against the operation's declared
// response and returns the problems found.
func (s *Simulator) validateResponse(route *routers.Route, req *Request, status int, h http.Header, body []byte) []string {
	var declared *openapi3.ResponseRef
	if op := route.Operation; op != nil && op.Responses != nil {
		declared = op.Responses.Status(status)
	}
	if declared == nil {
		return []string{fmt.Sprintf("status %d is not declared by operation %s", status, route.Operation.OperationID)}
	}
	// The common case, a JSON body and no declared headers, is checked
	// against its schema directly (as kin-openapi would, as a response);
	// everything else goes through kin-openapi's whole response check.
	if issues, done := validateJSONResponse(&s.checks, route, req.HTTP.Method, status, declared.Value, h, body); done {
		return issues
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req.HTTP,
			PathParams: req.PathParams,
			Route:      route,
		},
		Status: status,
		Header: h,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return issuesOf(err)
	}
	return nil
}

// validateJSONResponse checks a JSON answer against the declared schema of
// its media type; done is false when the answer is not of that simple kind.
func validateJSONResponse(checks *schemaCheckers, route *routers.Route, method string, status int, resp *openapi3.Response, h http.Header, body []byte) (issues []string, done bool) {
	if resp == nil || len(resp.Headers) > 0 || len(body) == 0 || method == http.MethodHead || status/100 == 3 {
		return nil, false
	}
	mt, err := mediaType(h.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, false
	}
	c := resp.Content.Get(mt)
	if c == nil || c.Schema == nil || c.Schema.Value == nil {
		return nil, false
	}
	if ch := checks.get(route.Spec, c.Schema.Value, schemacheck.Response); ch != nil {
		if findings, clean := ch.Check(body); clean {
			return findingIssues(findings), true
		}
	}
	var v any
	if err := decodeJSON(body, &v); err != nil {
		return []string{"the body is not JSON: " + pan.RedactText(err.Error())}, true
	}
	if err := c.Schema.Value.VisitJSON(v, schemaOptions(route.Spec, openapi3.VisitAsResponse())...); err != nil {
		return issuesOf(err), true
	}
	return nil, true
}

// validateOutbound checks a callback the simulator is about to send against
// the issuer-side document.
func validateOutbound(route *routers.Route, req *http.Request, body []byte) []string {
	clone := req.Clone(req.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: pathParamsFor(route, req),
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:          true,
			SkipSettingDefaults: true,
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			// The path is the issuer's; parameters in it are matched by
			// position below, not by the issuer's server prefix.
		},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return issuesOf(err)
	}
	return nil
}

// validateInbound checks the issuer's answer to a callback against the
// issuer-side document.
func validateInbound(route *routers.Route, req *http.Request, resp *http.Response, body []byte) []string {
	if !operationDeclares(route.Operation, resp.StatusCode) {
		return []string{fmt.Sprintf("status %d is not declared for %s", resp.StatusCode, route.Operation.OperationID)}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParamsFor(route, req), Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return issuesOf(err)
	}
	return nil
}

// pathParamsFor matches the template's {params} against the tail of the
// request path (the issuer's base URL may add any prefix).
func pathParamsFor(route *routers.Route, req *http.Request) map[string]string {
	tmpl := strings.Split(strings.Trim(route.Path, "/"), "/")
	got := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	params := map[string]string{}
	if len(got) < len(tmpl) {
		return params
	}
	got = got[len(got)-len(tmpl):]
	for i, seg := range tmpl {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params[strings.Trim(seg, "{}")] = got[i]
		}
	}
	return params
}

// checkPlaintext validates a decrypted JSON payload against a schema of doc,
// the way clear bodies are checked: malformed JSON and every schema
// violation are a 400 *Error whose fields name the problems. ch is the
// schema compiled, or nil.
func checkPlaintext(doc *openapi3.T, s *openapi3.Schema, ch *schemacheck.Checker, payload []byte) *Error {
	if ch != nil {
		if findings, clean := ch.Check(payload); clean {
			if len(findings) == 0 {
				return nil
			}
			return plaintextError(findingFieldErrors(findings))
		}
	}
	var v any
	if err := decodeJSON(payload, &v); err != nil {
		return &Error{Status: http.StatusBadRequest, Kind: KindMalformed, Message: "decrypted payload is not valid JSON: " + jsonSyntaxError(payload)}
	}
	if uerr := invalidUTF8Error(payload, "encrypted payload"); uerr != nil {
		return uerr
	}
	if derr := duplicateKeyError(payload, "encrypted payload"); derr != nil {
		return derr
	}
	if err := s.VisitJSON(v, schemaOptions(doc)...); err != nil {
		return plaintextError(toFieldErrors(err))
	}
	return nil
}

// plaintextError is the 400 for a plaintext's schema violations.
func plaintextError(fields []FieldError) *Error {
	for i := range fields {
		fields[i].In = "body"
		fields[i].Message = "encrypted payload " + fields[i].Message
	}
	ve := &Error{Status: http.StatusBadRequest, Kind: KindValidation, Fields: fields}
	ve.Message = ve.Summary()
	return ve
}

// CheckPlaintext validates a decrypted payload of this request against the
// operation's plaintext schema (Operation.Plaintext, in the document the
// route came from). Decode calls it; an operation with no Plaintext is the
// plugin's bug, a 500.
func (r *Request) CheckPlaintext(payload []byte) *Error {
	if r.op == nil || r.op.plaintext == nil {
		return &Error{Status: http.StatusInternalServerError, Kind: KindInternal,
			Message: fmt.Sprintf("operation %s declares no plaintext schema", r.OperationID)}
	}
	return checkPlaintext(r.Document, r.op.plaintext, r.op.plaintextCheck, payload)
}

// ValidateSchema checks a JSON payload against a named schema in one of the
// network's documents (components/schemas/<name>), as CheckPlaintext does.
// Plugins use it for payloads that are not a request's (trigger parameters,
// a notification about to be built); a request's plaintext is checked with
// Request.CheckPlaintext.
func (e *Env) ValidateSchema(spec, schema string, payload []byte) *Error {
	doc, s, err := e.schema(spec, schema)
	if err != nil {
		return &Error{Status: http.StatusInternalServerError, Kind: KindInternal, Message: err.Error()}
	}
	var ch *schemacheck.Checker
	if e.sim != nil {
		ch = e.sim.checks.get(doc, s, schemacheck.None)
	}
	return checkPlaintext(doc, s, ch, payload)
}

// CheckSchema validates a payload the plugin is about to send (a plaintext
// answer or callback) and reports a mismatch as a simulator finding: the
// simulator must never say what the network would not.
func (e *Env) CheckSchema(spec, schema string, payload []byte) {
	if verr := e.ValidateSchema(spec, schema, payload); verr != nil {
		e.sim.addFinding(fmt.Sprintf("%s: plaintext does not match %s#/components/schemas/%s: %s", e.Network, spec, schema, verr.Summary()))
	}
}

func (e *Env) schema(spec, name string) (*openapi3.T, *openapi3.Schema, error) {
	doc, ok := e.Specs[spec]
	if !ok {
		doc, ok = e.CallbackSpecs[spec]
	}
	if !ok {
		return nil, nil, fmt.Errorf("%s: document %q is not one of the network's", e.Network, spec)
	}
	s, err := componentSchema(doc, name)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s %w", e.Network, spec, err)
	}
	return doc, s, nil
}

// componentSchema returns doc's components/schemas/<name>.
func componentSchema(doc *openapi3.T, name string) (*openapi3.Schema, error) {
	if doc.Components != nil {
		if ref, ok := doc.Components.Schemas[name]; ok && ref.Value != nil {
			return ref.Value, nil
		}
	}
	return nil, fmt.Errorf("has no schema %q", name)
}

// schemaFieldError is one schema problem (a kin-openapi SchemaError, or a
// compiled checker's finding) as a field error: ptr is the JSON pointer of
// the value, rule the schema field, in and param where the value was.
func schemaFieldError(ptr, rule, reason, in, param string) FieldError {
	field := ptr
	if in != "body" && param != "" {
		field = param
		if ptr != "/" {
			field = param + ptr
		}
	}
	if strings.Contains(reason, "is unsupported") {
		rule, reason = "additionalProperties", "unknown field: "+reason
	}
	if in == "" {
		in = "body"
	}
	return FieldError{Field: field, In: in, Rule: rule, Message: fmt.Sprintf("%s %s: %s (%s)", in, field, reason, rule)}
}

// toFieldErrors flattens kin-openapi's errors into one FieldError per problem,
// each naming the field and the rule.
func toFieldErrors(err error) []FieldError {
	var out []FieldError
	var walk func(err error, in, param string)
	walk = func(err error, in, param string) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, sub := range e {
				walk(sub, in, param)
			}
			return
		case *openapi3filter.RequestError:
			in, param = "body", ""
			if e.Parameter != nil {
				in, param = e.Parameter.In, e.Parameter.Name
			}
			if e.Err != nil {
				var schemaErr *openapi3.SchemaError
				var multi openapi3.MultiError
				if errors.As(e.Err, &multi) || errors.As(e.Err, &schemaErr) {
					walk(e.Err, in, param)
					return
				}
			}
			field := param
			if field == "" {
				field = "body"
			}
			msg := e.Reason
			if msg == "" && e.Err != nil {
				msg = e.Err.Error()
			} else if e.Err != nil {
				msg += ": " + e.Err.Error()
			}
			rule := "invalid"
			if strings.Contains(msg, "required") || strings.Contains(msg, "must be set") {
				rule = "required"
			}
			out = append(out, FieldError{Field: field, In: in, Rule: rule, Message: fmt.Sprintf("%s %s: %s", in, field, msg)})
			return
		case *openapi3.SchemaError:
			out = append(out, schemaFieldError("/"+strings.Join(e.JSONPointer(), "/"), e.SchemaField, e.Reason, in, param))
			return
		case *openapi3filter.SecurityRequirementsError:
			out = append(out, FieldError{Field: "security", In: "header", Rule: "security", Message: e.Error()})
			return
		}
		// Wrapped forms: unwrap once and retry.
		if u := errors.Unwrap(err); u != nil {
			walk(u, in, param)
			return
		}
		out = append(out, FieldError{Field: param, In: in, Rule: "invalid", Message: err.Error()})
	}
	walk(err, "body", "")
	return out
}
