package all_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// counting wraps a network: handlers are replaced by counters, so a test can
// prove a rejected request never reached one; with trustAll, authentication
// is bypassed so validation can be exercised on its own (authentication is
// exercised by the unauthenticated case against the real scheme).
type counting struct {
	simulator.Network
	calls    *atomic.Int64
	trustAll bool
}

func (c *counting) Operations() []simulator.Operation {
	ops := c.Network.Operations()
	for i := range ops {
		id := ops[i].ID
		ops[i].Handle = func(context.Context, *simulator.Request) (*simulator.Response, error) {
			c.calls.Add(1)
			return nil, simulator.Errorf(http.StatusInternalServerError, simulator.KindInternal, "a rejected request reached the handler of %s", id)
		}
	}
	return ops
}

func (c *counting) Authenticate(r *simulator.Request) error {
	if c.trustAll {
		r.SetPrincipal("test")
		return nil
	}
	return c.Network.Authenticate(r)
}

type operation struct {
	method, path, id string
	op               *openapi3.Operation
	// security is the operation's effective security requirement (its own,
	// else the document's); nil when neither declares one.
	security *openapi3.SecurityRequirements
}

// anonymous reports whether the document declares the operation open to
// anyone (security: [], no requirement at all).
func (o operation) anonymous() bool { return o.security != nil && len(*o.security) == 0 }

func operations(t testing.TB, n simulator.Network) []operation {
	t.Helper()
	var out []operation
	desc := n.Describe()
	for _, p := range desc.Specs {
		doc, err := openapi.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		base := "/" + desc.ID + serverPath(doc)
		for _, path := range doc.Paths.InMatchingOrder() {
			for method, op := range doc.Paths.Value(path).Operations() {
				sec := op.Security
				if sec == nil && doc.Security != nil {
					sec = &doc.Security
				}
				out = append(out, operation{method: method, path: base + fillParams(path, doc.Paths.Value(path), op), id: op.OperationID, op: op, security: sec})
			}
		}
	}
	return out
}

func serverPath(doc *openapi3.T) string {
	if len(doc.Servers) == 0 {
		return ""
	}
	u := doc.Servers[0].URL
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.Index(u, "/"); j >= 0 {
			u = u[j:]
		} else {
			u = ""
		}
	}
	return strings.TrimSuffix(u, "/")
}

var paramRE = regexp.MustCompile(`\{([^}]+)\}`)

// fillParams puts each path parameter's example (or a plausible value) in.
func fillParams(path string, item *openapi3.PathItem, op *openapi3.Operation) string {
	params := append(openapi3.Parameters{}, item.Parameters...)
	params = append(params, op.Parameters...)
	return paramRE.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.Trim(m, "{}")
		for _, p := range params {
			if p.Value == nil || p.Value.Name != name || p.Value.In != "path" {
				continue
			}
			if p.Value.Example != nil {
				return fmt.Sprint(p.Value.Example)
			}
			if s := p.Value.Schema; s != nil && s.Value != nil {
				if s.Value.Example != nil {
					return fmt.Sprint(s.Value.Example)
				}
				if len(s.Value.Enum) > 0 {
					return fmt.Sprint(s.Value.Enum[0])
				}
			}
		}
		return "x1"
	})
}

func TestEveryOperationRejectsUnauthenticatedAndInvalidRequests(t *testing.T) {
	ids := simulator.Registered()
	if len(ids) == 0 {
		t.Skip("no network plugins are compiled in yet")
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			for _, mode := range []string{"unauthenticated", "invalid"} {
				t.Run(mode, func(t *testing.T) {
					real, err := simulator.NewNetwork(id)
					if err != nil {
						t.Fatal(err)
					}
					calls := &atomic.Int64{}
					wrapped := &counting{Network: real, calls: calls, trustAll: mode == "invalid"}
					srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{wrapped}})
					for _, o := range operations(t, real) {
						if o.security == nil {
							t.Errorf("%s %s (%s): the document declares no security for it: say what the server enforces, or security: [] when it is open", o.method, o.path, o.id)
						}
						status, body := send(t, srv, o, mode)
						if mode == "unauthenticated" && o.anonymous() {
							// Open by its document (a JWKS, say): it must not ask for credentials.
							if status == 401 || status == 403 {
								t.Errorf("%s %s (%s) is declared open (security: []) but answered %d: %.300s", o.method, o.path, o.id, status, body)
							}
							continue
						}
						want := map[string][]int{"unauthenticated": {401, 403}, "invalid": {400}}[mode]
						if !containsInt(want, status) {
							t.Errorf("%s %s (%s): status %d, want %v; body %.300s", o.method, o.path, o.id, status, want, body)
						}
						if !strings.HasPrefix(strings.TrimSpace(body), "{") && status != 401 {
							t.Errorf("%s: error answer is not a JSON envelope: %.200s", o.id, body)
						}
					}
					if n, open := calls.Load(), anonymousCount(operations(t, real)); mode == "unauthenticated" && n != open || mode == "invalid" && n != 0 {
						t.Errorf("%d requests reached a handler; only the %d open operations' may, and only unauthenticated", n, open)
					}
					// simtest fails the test if any error answer does not match the
					// operation's declared response: the envelope is the network's own.
				})
			}
		})
	}
}

// send issues a request that is unauthenticated (a valid-looking body, no
// credentials) or schema-invalid (an unknown field in a closed body, or a
// body where none is allowed).
func send(t *testing.T, srv *simtest.Server, o operation, mode string) (int, string) {
	t.Helper()
	var body io.Reader
	ctype := ""
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		for mt := range rb.Value.Content {
			ctype = mt
			break
		}
		if strings.Contains(ctype, "json") {
			ctype = "application/json"
			body = strings.NewReader(`{"c2psimUnknownField":true}`)
		} else if mode == "invalid" {
			body = strings.NewReader("")
		} else {
			body = strings.NewReader("c2psim=1")
		}
	} else if mode == "invalid" {
		ctype = "application/json"
		body = strings.NewReader(`{"c2psimUnexpectedBody":true}`)
	}
	req, err := http.NewRequest(o.method, srv.URL+o.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func anonymousCount(ops []operation) int64 {
	var n int64
	for _, o := range ops {
		if o.anonymous() {
			n++
		}
	}
	return n
}
