// Package specplugin mounts any OpenAPI 3 document as a network: requests are
// routed and validated against it exactly as for the built-in networks, and
// answers come from the document's examples, or from an example generated from
// the response schema when there is none. It lets a user plug in a network
// c2psim does not ship:
//
//	c2psim --spec acme=./acme-issuer-api.yaml
//
// It has no authentication and no state: it is a contract mock, not an
// emulation.
package specplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/simulator"
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Parse reads a --spec flag value "name=path/to/openapi.yaml".
func Parse(flag string) (simulator.Network, error) {
	name, path, ok := strings.Cut(flag, "=")
	if !ok || name == "" || path == "" {
		return nil, fmt.Errorf("--spec %q: want name=path/to/openapi.yaml", flag)
	}
	return FromFile(name, path)
}

// FromFile mounts the document at path (relative $refs resolve next to it)
// under /<id>.
func FromFile(id, path string) (simulator.Network, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("spec %s: %w", id, err)
	}
	return New(id, os.DirFS(filepath.Dir(abs)), filepath.Base(abs))
}

// New mounts the document name inside fsys under /<id>.
func New(id string, fsys fs.FS, name string) (simulator.Network, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("spec name %q: use lower-case letters, digits and '-' (at most 32)", id)
	}
	if id == "_admin" {
		return nil, fmt.Errorf("spec name %q is reserved", id)
	}
	return &Network{id: id, fsys: fsys, name: name}, nil
}

// Network is a spec-only network.
type Network struct {
	id   string
	fsys fs.FS
	name string
	env  *simulator.Env
	ops  map[string]*openapi3.Operation
}

var _ simulator.Network = (*Network)(nil)

// Describe implements simulator.Network.
func (n *Network) Describe() simulator.Description {
	return simulator.Description{
		ID:          n.id,
		Name:        n.id + " (spec only)",
		Specs:       []string{n.name},
		FS:          n.fsys,
		AuthSchemes: []string{"none (spec-only mock)"},
	}
}

// Setup implements simulator.Network.
func (n *Network) Setup(env *simulator.Env) error {
	n.env = env
	n.ops = map[string]*openapi3.Operation{}
	for _, doc := range env.Specs {
		for _, p := range doc.Paths.InMatchingOrder() {
			for _, op := range doc.Paths.Value(p).Operations() {
				if op.OperationID == "" {
					return fmt.Errorf("%s: every operation needs an operationId (%s has none)", n.name, p)
				}
				n.ops[op.OperationID] = op
			}
		}
	}
	return nil
}

// Authenticate accepts every caller: a spec-only network has no scheme.
func (n *Network) Authenticate(*simulator.Request) error { return nil }

// Operations answers every operation of the document with its first
// success example, encoded once here rather than at every request.
func (n *Network) Operations() []simulator.Operation {
	out := make([]simulator.Operation, 0, len(n.ops))
	for _, id := range sortedKeys(n.ops) {
		op := n.ops[id]
		status, body, ok := successExample(op)
		var raw []byte
		if ok && body != nil {
			raw, _ = json.Marshal(body) // nil on failure: the engine reports it
		}
		out = append(out, simulator.Operation{ID: id, Handle: func(context.Context, *simulator.Request) (*simulator.Response, error) {
			if !ok {
				return nil, simulator.Errorf(http.StatusNotImplemented, simulator.KindInternal, "operation %s declares no success response", id)
			}
			if raw == nil {
				return simulator.JSON(status, body), nil
			}
			return &simulator.Response{Status: status, Raw: raw}, nil
		}})
	}
	return out
}

// RenderError fills the operation's declared error schema for the status,
// putting the message in the first string field named like a message.
func (n *Network) RenderError(req *simulator.Request, e *simulator.Error) *simulator.Response {
	if req.Operation != nil {
		if ref := req.Operation.Responses.Status(e.Status); ref != nil && ref.Value != nil {
			if mt := ref.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				v := Example(mt.Schema.Value)
				fillMessage(v, string(e.Kind), e.Summary())
				return simulator.JSON(e.Status, v)
			}
		}
	}
	return simulator.JSON(e.Status, map[string]any{"error": map[string]any{"code": string(e.Kind), "message": e.Summary()}})
}

func fillMessage(v any, code, msg string) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	done := false
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch strings.ToLower(k) {
		case "message", "description", "detail", "error_description":
			if _, isStr := m[k].(string); isStr {
				m[k], done = msg, true
			}
		case "code", "reason", "reasoncode":
			if _, isStr := m[k].(string); isStr {
				m[k] = code
			}
		}
		if !done {
			done = fillMessage(m[k], code, msg)
		}
	}
	return done
}

// successExample picks the lowest 2xx response and its example.
func successExample(op *openapi3.Operation) (int, any, bool) {
	var codes []int
	for k := range op.Responses.Map() {
		if c, err := strconv.Atoi(k); err == nil && c >= 200 && c < 300 {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return 0, nil, false
	}
	sort.Ints(codes)
	ref := op.Responses.Status(codes[0])
	if ref == nil || ref.Value == nil {
		return codes[0], nil, true
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil {
		return codes[0], nil, true
	}
	if mt.Example != nil {
		return codes[0], mt.Example, true
	}
	for _, name := range sortedKeys(mt.Examples) {
		if ex := mt.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			return codes[0], ex.Value.Value, true
		}
	}
	if mt.Schema != nil {
		return codes[0], Example(mt.Schema.Value), true
	}
	return codes[0], nil, true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Example builds a value that satisfies simple schemas: it uses the schema's
// example, default or first enum value, fills required and declared
// properties, and respects minimums and lengths. Patterns are not
// synthesised; give such fields an example in the document.
func Example(s *openapi3.Schema) any {
	return example(s, 0)
}

func example(s *openapi3.Schema, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	switch {
	case s.Example != nil:
		return s.Example
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0:
		return s.Enum[0]
	}
	if len(s.AllOf) > 0 {
		out := map[string]any{}
		for _, sub := range s.AllOf {
			if m, ok := example(sub.Value, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	}
	if len(s.OneOf) > 0 {
		return example(s.OneOf[0].Value, depth+1)
	}
	if len(s.AnyOf) > 0 {
		return example(s.AnyOf[0].Value, depth+1)
	}
	switch {
	case s.Type.Is("object") || (s.Type == nil && len(s.Properties) > 0):
		out := map[string]any{}
		for _, name := range sortedKeys(s.Properties) {
			p := s.Properties[name]
			if p != nil && p.Value != nil && (!p.Value.ReadOnly || contains(s.Required, name)) {
				out[name] = example(s.Properties[name].Value, depth+1)
			}
		}
		return out
	case s.Type.Is("array"):
		n := int(s.MinItems)
		if n == 0 {
			n = 1
		}
		items := make([]any, n)
		for i := range items {
			if s.Items != nil {
				items[i] = example(s.Items.Value, depth+1)
			}
		}
		return items
	case s.Type.Is("integer"), s.Type.Is("number"):
		v := 0.0
		if s.Min != nil {
			v = *s.Min
			if s.ExclusiveMin.IsTrue() {
				v++
			}
		}
		if s.Type.Is("integer") {
			return int64(v)
		}
		return v
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return "2026-01-01T00:00:00Z"
		case "date":
			return "2026-01-01"
		case "uuid":
			return "00000000-0000-4000-8000-000000000000"
		case "uri", "url":
			return "https://example.invalid/"
		case "email":
			return "user@example.invalid"
		}
		n := int(s.MinLength)
		if n == 0 {
			n = 1
		}
		return strings.Repeat("x", n)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
