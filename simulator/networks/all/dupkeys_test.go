package all_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/internal/jsonoracle"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// trusted is a real network whose caller is taken as authenticated, so a
// body reaches validation, decryption and the real handler without each
// network's signature scheme (those are tested with each network).
type trusted struct{ simulator.Network }

func (t trusted) Authenticate(r *simulator.Request) error {
	r.SetPrincipal("test")
	return nil
}

// Tasks and SignCallback pass the real network's capabilities through.
func (t trusted) Tasks() []simulator.Task {
	if tr, ok := t.Network.(simulator.TaskRunner); ok {
		return tr.Tasks()
	}
	return nil
}

func (t trusted) SignCallback(r *http.Request, cb *simulator.Callback, attempt int) error {
	if s, ok := t.Network.(simulator.CallbackSigner); ok {
		return s.SignCallback(r, cb, attempt)
	}
	return nil
}

// jsonOperations lists every operation of every network that takes a JSON
// body, with its document example (or an empty object).
func jsonOperations(t testing.TB, n simulator.Network) []jsonOp {
	var out []jsonOp
	for _, o := range operations(t, n) {
		rb := o.op.RequestBody
		if rb == nil || rb.Value == nil {
			continue
		}
		mt := rb.Value.Content.Get("application/json")
		if mt == nil {
			continue
		}
		out = append(out, jsonOp{operation: o, example: example(mt)})
	}
	return out
}

type jsonOp struct {
	operation
	example map[string]any
}

func example(mt *openapi3.MediaType) map[string]any {
	var v any = mt.Example
	if v == nil {
		names := make([]string, 0, len(mt.Examples))
		for k := range mt.Examples {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if ex := mt.Examples[k]; ex != nil && ex.Value != nil {
				v = ex.Value.Value
				break
			}
		}
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// withDuplicate returns the body with key sent twice: first with a value of
// the wrong type, then with the example's value, which is what a schema
// check that keeps the last value passes and a handler decoding into a typed
// struct then chokes on.
func withDuplicate(body map[string]any, key string) []byte {
	if _, ok := body[key]; !ok {
		body = map[string]any{key: "x"}
	}
	rest, _ := json.Marshal(body)
	var wrong any = 12345
	if _, isNum := body[key].(float64); isNum {
		wrong = "twelve"
	}
	first, _ := json.Marshal(map[string]any{key: wrong})
	return []byte(string(first[:len(first)-1]) + "," + string(rest[1:]))
}

func post(t testing.TB, srv *simtest.Server, o operation, body []byte) (int, string) {
	req, err := http.NewRequest(o.method, srv.URL+o.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	setHeaders(req, o)
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func startTrusted(t testing.TB, id string) (*simtest.Server, simulator.Network) {
	real, err := simulator.NewNetwork(id)
	if err != nil {
		t.Fatal(err)
	}
	return simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{trusted{real}}}), real
}

// Every network answers a body with a repeated key 400 in its own envelope
// (simtest checks the answer against the operation's document), naming the
// key, whichever key it is; never a 5xx.
func TestEveryNetworkRefusesDuplicateKeys(t *testing.T) {
	for _, id := range simulator.Registered() {
		t.Run(id, func(t *testing.T) {
			srv, real := startTrusted(t, id)
			ops := jsonOperations(t, real)
			if len(ops) == 0 {
				t.Fatalf("%s has no operation with a JSON body", id)
			}
			for _, o := range ops {
				keys := make([]string, 0, len(o.example))
				for k := range o.example {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				if len(keys) == 0 {
					keys = []string{"c2psimKey"}
				}
				for _, k := range keys {
					status, body := post(t, srv, o.operation, withDuplicate(o.example, k))
					if status != http.StatusBadRequest || !strings.Contains(body, k) || !strings.Contains(body, "more than once") {
						t.Errorf("%s with %q twice: %d %.300s", o.id, k, status, body)
					}
				}
			}
		})
	}
}

// FuzzDuplicateKeys sends arbitrary JSON bodies to every JSON operation of
// every network: a body with a repeated key is always a 400 naming it, and
// no body is ever answered by a handler error, a panic or an answer outside
// the document (findings).
func FuzzDuplicateKeys(f *testing.F) {
	type target struct {
		sim *simulator.Simulator
		op  jsonOp
	}
	var targets []target
	for _, id := range simulator.Registered() {
		real, err := simulator.NewNetwork(id)
		if err != nil {
			f.Fatal(err)
		}
		sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{trusted{real}}, Seed: 1})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(sim.Close)
		for _, o := range jsonOperations(f, real) {
			targets = append(targets, target{sim: sim, op: o})
		}
	}
	for i, tg := range targets {
		for k := range tg.op.example {
			f.Add(uint8(i), withDuplicate(tg.op.example, k))
		}
		clean, _ := json.Marshal(tg.op.example)
		f.Add(uint8(i), clean)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if !json.Valid(body) {
			return // malformed JSON is the pipeline fuzzer's
		}
		tg := targets[int(which)%len(targets)]
		req, err := http.NewRequest(tg.op.method, "http://sim"+tg.op.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		setHeaders(req, tg.op.operation)
		before := len(tg.sim.Findings())
		rec := httptest.NewRecorder()
		tg.sim.Handler().ServeHTTP(rec, req)
		if f := tg.sim.Findings(); len(f) > before {
			t.Fatalf("%s %s: finding for %q: %v", tg.op.method, tg.op.id, body, f[before:])
		}
		// A repeated key is always a 400; it is the named problem unless the
		// body was refused first for not being UTF-8 (checked before it).
		if key, dup := jsonoracle.RepeatedKey(body); dup && (rec.Code != http.StatusBadRequest ||
			utf8.Valid(body) && !strings.Contains(rec.Body.String(), "more than once")) {
			t.Fatalf("%s with key %q repeated: %d %.300s", tg.op.id, key, rec.Code, rec.Body.String())
		}
	})
}

var requestSeq atomic.Int64

// setHeaders sets the operation's required header parameters to their
// examples, and request IDs to a fresh value each time, so a body reaches
// the body checks.
func setHeaders(req *http.Request, o operation) {
	for _, p := range o.op.Parameters {
		v := p.Value
		if v == nil || v.In != "header" || !v.Required {
			continue
		}
		if strings.Contains(strings.ToLower(v.Name), "request-id") {
			req.Header.Set(v.Name, fmt.Sprintf("00000000-0000-4000-8000-%012d", requestSeq.Add(1)))
			continue
		}
		ex := v.Example
		if ex == nil && v.Schema != nil && v.Schema.Value != nil {
			ex = v.Schema.Value.Example
			if ex == nil && len(v.Schema.Value.Enum) > 0 {
				ex = v.Schema.Value.Enum[0]
			}
		}
		if ex == nil {
			ex = "x"
		}
		req.Header.Set(v.Name, fmt.Sprint(ex))
	}
}
