package simulator

import (
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/simulator/schemacheck"
)

// schemaCheckers holds the compiled checker (schemacheck) of every schema
// the engine validates JSON with, per direction: request bodies, answers
// and plaintexts are compiled when their network is mounted, other schemas
// (Env.ValidateSchema) the first time they are used. A schema the compiler
// does not support maps to nil and is validated by kin-openapi, as is a
// document the checker leaves to the slow path.
type schemaCheckers struct {
	mu sync.RWMutex
	m  map[checkerKey]*schemacheck.Checker
}

type checkerKey struct {
	s   *openapi3.Schema
	dir schemacheck.Direction
}

// get returns the checker of s in doc for dir, compiling it on first use;
// nil means kin-openapi validates s.
func (c *schemaCheckers) get(doc *openapi3.T, s *openapi3.Schema, dir schemacheck.Direction) *schemacheck.Checker {
	c.mu.RLock()
	ch, ok := c.m[checkerKey{s, dir}]
	c.mu.RUnlock()
	if ok {
		return ch
	}
	ch, _ = c.compile(doc, s, dir)
	return ch
}

// compile compiles s (once) and returns why it is not compiled, if so.
func (c *schemaCheckers) compile(doc *openapi3.T, s *openapi3.Schema, dir schemacheck.Direction) (*schemacheck.Checker, error) {
	ch, err := schemacheck.Compile(s, dir, doc != nil && doc.IsOpenAPI31OrLater())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[checkerKey]*schemacheck.Checker{}
	}
	if prev, ok := c.m[checkerKey{s, dir}]; ok {
		return prev, err
	}
	c.m[checkerKey{s, dir}] = ch
	return ch, err
}

// compileSchemas compiles, at mount, the JSON schemas of every operation's
// request body, answers and plaintext, and says at debug level which ones
// kin-openapi validates instead, and why.
func (m *mounted) compileSchemas() {
	m.staticRoutes() // the fixed paths' routes, found once (engine.go)
	checks := &m.sim.checks
	note := func(op, where string, err error) {
		if err != nil {
			m.env.Logger.Debug("schema validated by kin-openapi, not compiled", "operation", op, "schema", where, "reason", err.Error())
		}
	}
	for _, d := range m.docs {
		for _, r := range operationsOf(d.doc) {
			op := r.Operation
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
					_, err := checks.compile(d.doc, mt.Schema.Value, schemacheck.Request)
					note(op.OperationID, "request body", err)
				}
			}
			if op.Responses != nil {
				for code, resp := range op.Responses.Map() {
					if resp.Value == nil {
						continue
					}
					if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
						_, err := checks.compile(d.doc, mt.Schema.Value, schemacheck.Response)
						note(op.OperationID, "response "+code, err)
					}
				}
			}
		}
	}
	for id, op := range m.ops {
		if op.plaintext != nil {
			var err error
			op.plaintextCheck, err = checks.compile(op.doc, op.plaintext, schemacheck.None)
			note(id, "plaintext "+op.Plaintext, err)
		}
	}
}

// findingFieldErrors turns the checker's findings into field errors, as
// toFieldErrors does kin-openapi's schema errors of a body.
func findingFieldErrors(fs []schemacheck.Finding) []FieldError {
	out := make([]FieldError, len(fs))
	for i, f := range fs {
		out[i] = schemaFieldError(f.Pointer, f.Rule, f.Reason, "body", "")
	}
	return out
}
