package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// ValidateSchema checks a decrypted JSON payload against a named schema in
// one of the network's documents (components/schemas/<name>), the way the
// engine checks clear bodies: malformed JSON and every schema violation are
// a 400 *Error whose fields name the problems. Encrypted networks call it
// from Decode with the plaintext schema of the operation.
func (e *Env) ValidateSchema(spec, schema string, payload []byte) *Error {
	s, err := e.schema(spec, schema)
	if err != nil {
		return &Error{Status: http.StatusInternalServerError, Kind: KindInternal, Message: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return &Error{Status: http.StatusBadRequest, Kind: KindMalformed, Message: "decrypted payload is not valid JSON: " + jsonSyntaxError(payload)}
	}
	if derr := duplicateKeyError(payload, "encrypted payload"); derr != nil {
		return derr
	}
	v = numbersToFloat(v)
	if err := s.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		fields := toFieldErrors(err)
		for i := range fields {
			fields[i].In = "body"
			fields[i].Message = "encrypted payload " + fields[i].Message
		}
		ve := &Error{Status: http.StatusBadRequest, Kind: KindValidation, Fields: fields}
		ve.Message = ve.Summary()
		return ve
	}
	return nil
}

// CheckSchema validates a payload the plugin is about to send (a plaintext
// response or callback) and reports a mismatch as a simulator finding: the
// simulator must never say what the network would not.
func (e *Env) CheckSchema(spec, schema string, payload []byte) {
	if verr := e.ValidateSchema(spec, schema, payload); verr != nil {
		e.finding(fmt.Sprintf("%s: plaintext does not match %s#/components/schemas/%s: %s", e.Network, spec, schema, verr.Summary()))
	}
}

func (e *Env) schema(spec, name string) (*openapi3.Schema, error) {
	doc, ok := e.Specs[spec]
	if !ok {
		doc, ok = e.CallbackSpecs[spec]
	}
	if !ok {
		return nil, fmt.Errorf("%s: document %q is not one of the network's", e.Network, spec)
	}
	ref, ok := doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return nil, fmt.Errorf("%s: %s has no schema %q", e.Network, spec, name)
	}
	return ref.Value, nil
}

// numbersToFloat turns json.Number into float64, as kin-openapi expects.
func numbersToFloat(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = numbersToFloat(x)
		}
	case []any:
		for i, x := range t {
			t[i] = numbersToFloat(x)
		}
	case json.Number:
		f, _ := t.Float64()
		return f
	}
	return v
}
