package simulator_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// A mounted OpenAPI 3.1 document is validated with JSON Schema 2020-12
// (const, dependentRequired, type lists), requests and answers alike.
const doc31 = `openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: /api}]
paths:
  /x:
    post:
      operationId: postX
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [kind]
              properties:
                kind: {const: A}
                n: {type: [integer, 'null']}
                d: {type: object, dependentRequired: {a: [b]}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [kind]
                properties:
                  kind: {const: A}
        '400':
          description: bad
          content:
            application/json:
              schema: {type: object}
`

type net31 struct{ resp string }

func (n *net31) Describe() simulator.Description {
	return simulator.Description{ID: "n31", Name: "n31", Specs: []string{"d.yaml"}, FS: fstest.MapFS{"d.yaml": {Data: []byte(doc31)}}}
}
func (n *net31) Setup(*simulator.Env) error            { return nil }
func (n *net31) Authenticate(*simulator.Request) error { return nil }
func (n *net31) Operations() []simulator.Operation {
	return []simulator.Operation{{ID: "postX", Handle: func(context.Context, *simulator.Request) (*simulator.Response, error) {
		return &simulator.Response{Status: 200, Raw: []byte(n.resp)}, nil
	}}}
}
func (n *net31) RenderError(_ *simulator.Request, e *simulator.Error) *simulator.Response {
	return simulator.JSON(e.Status, map[string]any{"error": e.Summary()})
}

func TestOpenAPI31DocumentsUseJSONSchema2020(t *testing.T) {
	n := &net31{resp: `{"kind":"A"}`}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, AllowFindings: true})
	for body, want := range map[string]int{
		`{"kind":"A"}`:             200,
		`{"kind":"B"}`:             400, // const
		`{"kind":"A","n":"str"}`:   400, // type list
		`{"kind":"A","d":{"a":1}}`: 400, // dependentRequired
		`{"kind":"A","x":1e400}`:   200, // a huge number is JSON, not malformed
	} {
		for _, ct := range []string{"application/json", "application/json; charset=utf-8"} {
			if r := do(t, srv, "POST", "/n31/api/x", ct, body); r.status != want {
				t.Errorf("%s (%s): %d %s, want %d", body, ct, r.status, r.raw, want)
			}
		}
	}
	if f := srv.Sim.Findings(); len(f) != 0 {
		t.Fatalf("findings for valid answers: %v", f)
	}
	n.resp = `{"kind":"B"}`
	do(t, srv, "POST", "/n31/api/x", "application/json", `{"kind":"A"}`)
	if f := srv.Sim.Findings(); len(f) != 1 || !strings.Contains(f[0], "does not match the document") {
		t.Fatalf("an answer breaking const: findings %v", f)
	}
}

// badStatus answers a status HTTP cannot carry.
type badStatus struct{ *net31 }

func (b *badStatus) Operations() []simulator.Operation {
	ops := b.net31.Operations()
	for i, op := range ops {
		h := op.Handle
		ops[i].Handle = func(ctx context.Context, r *simulator.Request) (*simulator.Response, error) {
			resp, err := h(ctx, r)
			resp.Status = 1000
			return resp, err
		}
	}
	return ops
}

func TestImpossibleStatusIsOneJournalledFinding(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&badStatus{&net31{resp: `{"kind":"A"}`}}}, AllowFindings: true})
	if r := do(t, srv, "POST", "/n31/api/x", "application/json", `{"kind":"A"}`); r.status != 500 {
		t.Fatalf("status %d, want 500", r.status)
	}
	if es := srv.Sim.Journal().Find(journal.Query{Network: "n31"}); len(es) != 1 || es[0].Status != 500 {
		t.Fatalf("journal %+v, want one 500 entry", es)
	}
	if f := srv.Sim.Findings(); len(f) == 0 || !strings.Contains(f[0], "status 1000") {
		t.Fatalf("findings %v", f)
	}
}
