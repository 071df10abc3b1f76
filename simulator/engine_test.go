package simulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// artNet serves openapi/examples/card-art.yaml with API-key auth and the
// document's error envelope, counting handler calls so tests can prove a
// rejected request never reached one.
type artNet struct {
	calls   atomic.Int64
	invalid bool // answer with a response that breaks the document
	panics  bool
}

func (n *artNet) Describe() simulator.Description {
	return simulator.Description{ID: "art", Name: "Card art", Specs: []string{"examples/card-art.yaml"}, FS: openapi.FS, AuthSchemes: []string{"X-Test-Key"}}
}
func (n *artNet) Setup(*simulator.Env) error { return nil }
func (n *artNet) Authenticate(r *simulator.Request) error {
	if r.HTTP.Header.Get("X-Test-Key") != "k" {
		return simulator.Errorf(http.StatusUnauthorized, simulator.KindAuth, "X-Test-Key is missing or wrong")
	}
	r.SetPrincipal("tester")
	return nil
}
func (n *artNet) Operations() []simulator.Operation {
	return []simulator.Operation{{ID: "createArt", Handle: n.createArt}, {ID: "getArt", Handle: n.getArt}}
}

func (n *artNet) createArt(_ context.Context, r *simulator.Request) (*simulator.Response, error) {
	n.calls.Add(1)
	if n.panics {
		panic("boom")
	}
	var in map[string]any
	_ = json.Unmarshal(r.Body, &in)
	r.AddCorrelationID("corr-1")
	r.AddCard("5186001700008785")
	if n.invalid {
		return simulator.JSON(201, map[string]any{"artId": 7}), nil
	}
	return simulator.JSON(201, map[string]any{"artId": "art-0001", "binRange": in["binRange"], "artUri": in["artUri"], "status": "ACTIVE"}), nil
}

func (n *artNet) getArt(context.Context, *simulator.Request) (*simulator.Response, error) {
	n.calls.Add(1)
	return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no such art")
}
func (n *artNet) RenderError(_ *simulator.Request, e *simulator.Error) *simulator.Response {
	code := string(e.Kind)
	if e.Code != "" {
		code = e.Code
	}
	return simulator.JSON(e.Status, map[string]any{"error": map[string]any{"code": code, "message": e.Summary()}})
}

const goodBody = `{"binRange":"518600","artUri":"https://cdn.example/a.png"}`

func start(t *testing.T, n *artNet) *simtest.Server {
	return simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, MaxBodyBytes: 4096})
}

type result struct {
	status int
	body   map[string]any
	raw    string
}

func do(t *testing.T, srv *simtest.Server, method, path, ctype, body string, hdr ...string) result {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func errMessage(r result) string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func TestPipelineRejectsBadRequestsBeforeHandlers(t *testing.T) {
	n := &artNet{}
	srv := start(t, n)
	key := []string{"X-Test-Key", "k"}
	cases := []struct {
		name, method, path, ctype, body string
		hdr                             []string
		status                          int
		mentions                        []string
	}{
		{"unknown path", "GET", "/art/nothing/here", "", "", key, 404, []string{"no operation"}},
		{"wrong method", "DELETE", "/art/api/v1/art", "", "", key, 405, []string{"DELETE"}},
		{"no credentials", "POST", "/art/api/v1/art", "application/json", goodBody, nil, 401, []string{"X-Test-Key"}},
		{"auth before validation", "POST", "/art/api/v1/art", "application/json", `{"nope":1}`, nil, 401, []string{"X-Test-Key"}},
		{"media type", "POST", "/art/api/v1/art", "text/plain", goodBody, key, 415, []string{"text/plain", "application/json"}},
		{"malformed json", "POST", "/art/api/v1/art", "application/json", `{"binRange":`, key, 400, []string{"not valid JSON"}},
		{"every problem named", "POST", "/art/api/v1/art", "application/json", `{"binRange":"12","colour":"red"}`, key,
			400, []string{"/binRange", "pattern", "artUri", "colour", "unknown field"}},
		{"oversize body", "POST", "/art/api/v1/art", "application/json", `{"binRange":"` + strings.Repeat("1", 5000) + `"}`, key, 413, []string{"4096"}},
		{"path parameter", "GET", "/art/api/v1/art/xyz", "", "", key, 400, []string{"artId"}},
		{"duplicate key", "POST", "/art/api/v1/art", "application/json", `{"binRange":518600,"artUri":"https://cdn.example/a.png","binRange":"518600"}`, key,
			400, []string{"/binRange", `"binRange"`, "more than once", "duplicateKey"}},
		{"invalid UTF-8", "POST", "/art/api/v1/art", "application/json", "{\"binRange\":\"518600\",\"artUri\":\"https://cdn.example/\xff.png\"}", key,
			400, []string{"/artUri", "not valid UTF-8", "RFC 8259"}},
		{"bad fault header", "POST", "/art/api/v1/art", "application/json", goodBody, append([]string{"X-C2PSim-Fault", "colour=red"}, key...), 400, []string{"colour"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.ctype, tc.body, tc.hdr...)
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d (%s)", r.status, tc.status, r.raw)
			}
			msg := errMessage(r)
			for _, m := range tc.mentions {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
		})
	}
	if c := n.calls.Load(); c != 0 {
		t.Fatalf("rejected requests reached a handler %d times", c)
	}
	// A good request does reach it, and the journal shows it masked.
	if r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, key...); r.status != 201 {
		t.Fatalf("good request: %d %s", r.status, r.raw)
	}
	e := srv.Sim.Journal().Find(journal.Query{CorrelationID: "corr-1"})
	if len(e) != 1 || e[0].OperationID != "createArt" || e[0].Principal != "tester" || !e[0].ResponseCheck.OK {
		t.Fatalf("journal entry = %+v", e)
	}
	if len(e[0].Cards) != 1 || e[0].Cards[0] != "518600******8785" {
		t.Fatalf("cards = %v", e[0].Cards)
	}
}

func TestInvalidResponsesAndPanicsAreFindings(t *testing.T) {
	n := &artNet{invalid: true}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, AllowFindings: true})
	do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k")
	f := srv.Sim.Findings()
	if len(f) != 1 || !strings.Contains(f[0], "does not match the document") {
		t.Fatalf("findings = %v", f)
	}
	n.invalid, n.panics = false, true
	r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k")
	if r.status != 500 || len(srv.Sim.Findings()) != 2 {
		t.Fatalf("panic: status %d, findings %v", r.status, srv.Sim.Findings())
	}
}

func TestFaultRulesAreSpecBound(t *testing.T) {
	n := &artNet{}
	srv := start(t, n)
	key := []string{"X-Test-Key", "k"}
	// createArt does not declare 503: the rule is refused.
	r := do(t, srv, "POST", "/_admin/faults", "application/json", `{"network":"art","operation":"createArt","status":503}`)
	if r.status != 400 || !strings.Contains(errMessage(r), "does not declare status 503") {
		t.Fatalf("undeclared status accepted: %d %s", r.status, r.raw)
	}
	r = do(t, srv, "POST", "/_admin/faults", "application/json", `{"network":"art","operation":"createArt","status":400,"code":"BAD_ART","times":1}`)
	if r.status != 201 {
		t.Fatalf("rule refused: %d %s", r.status, r.raw)
	}
	r = do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, key...)
	if r.status != 400 || !strings.Contains(r.raw, "BAD_ART") {
		t.Fatalf("fault not applied: %d %s", r.status, r.raw)
	}
	if r = do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, key...); r.status != 201 {
		t.Fatalf("fault outlived times=1: %d", r.status)
	}
	// By header, scoped to this request only.
	if r = do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, append([]string{"X-C2PSim-Fault", "status=413;code=BIG"}, key...)...); r.status != 413 {
		t.Fatalf("header fault: %d %s", r.status, r.raw)
	}
	// Card-scoped by last four: the handler reports the card after decoding,
	// so the rule matches on the next request.
	do(t, srv, "POST", "/_admin/faults", "application/json", `{"network":"art","card":"9999","status":400}`)
	if r = do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, key...); r.status != 201 {
		t.Fatalf("rule for another card applied: %d", r.status)
	}
}

func TestDropClosesTheConnection(t *testing.T) {
	srv := start(t, &artNet{})
	req, _ := http.NewRequest("POST", srv.URL+"/art/api/v1/art", strings.NewReader(goodBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-Key", "k")
	req.Header.Set("X-C2PSim-Fault", "drop")
	if resp, err := srv.Client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("expected a transport error, got %d", resp.StatusCode)
	}
	e := srv.Sim.Journal().Find(journal.Query{Limit: 1})
	if len(e) != 1 || e[0].Error != "connection dropped by fault" {
		t.Fatalf("journal = %+v", e)
	}
}

func TestLatencyFault(t *testing.T) {
	srv := start(t, &artNet{})
	began := time.Now()
	r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k", "X-C2PSim-Fault", "latency=60ms")
	if r.status != 201 || time.Since(began) < 60*time.Millisecond {
		t.Fatalf("latency fault: status %d after %s", r.status, time.Since(began))
	}
}

func TestAdminAPI(t *testing.T) {
	srv := start(t, &artNet{})
	if r := do(t, srv, "GET", "/_admin/health", "", ""); r.status != 200 || r.body["status"] != "ok" {
		t.Fatalf("health: %d %s", r.status, r.raw)
	}
	r := do(t, srv, "GET", "/_admin/networks", "", "")
	if r.status != 200 || !strings.Contains(r.raw, `"basePath":"/art/api/v1"`) || !strings.Contains(r.raw, `"fidelity":"inferred"`) {
		t.Fatalf("networks: %s", r.raw)
	}
	r = do(t, srv, "GET", "/_admin/networks/art/openapi.yaml", "", "")
	if r.status != 200 || !strings.Contains(r.raw, srv.URL+"/art/api/v1") {
		t.Fatalf("spec as served: %d %.300s", r.status, r.raw)
	}
	if r = do(t, srv, "GET", "/_admin/networks/nope/credentials", "", ""); r.status != 404 || !strings.Contains(errMessage(r), "art") {
		t.Fatalf("unknown network: %d %s", r.status, r.raw)
	}
	if r = do(t, srv, "PUT", "/_admin/networks/art/callback", "application/json", `{"url":"http://127.0.0.1:1/cb","retrySchedule":["10ms"]}`); r.status != 200 {
		t.Fatalf("callback target: %d %s", r.status, r.raw)
	}
	if got := srv.Sim.CallbackTarget("art"); got.URL != "http://127.0.0.1:1/cb" || len(got.RetrySchedule) != 1 {
		t.Fatalf("target = %+v", got)
	}
	do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k")
	r = do(t, srv, "GET", "/_admin/journal?network=art&limit=5", "", "")
	if r.status != 200 || !strings.Contains(r.raw, "518600******8785") || strings.Contains(r.raw, "5186001700008785") {
		t.Fatalf("journal: %s", r.raw)
	}
	if r = do(t, srv, "GET", "/_admin/journal?limit=0", "", ""); r.status != 400 {
		t.Fatalf("invalid journal query accepted: %d", r.status)
	}
	if r = do(t, srv, "POST", "/_admin/reset", "", ""); r.status != 204 || srv.Sim.Journal().Len() != 0 {
		t.Fatalf("reset: %d, %d entries", r.status, srv.Sim.Journal().Len())
	}
	if r = do(t, srv, "GET", "/elsewhere", "", ""); r.status != 404 || !strings.Contains(r.raw, "/art/") {
		t.Fatalf("root 404: %s", r.raw)
	}
}

// tableNet is artNet with its operation table replaced.
type tableNet struct {
	artNet
	ops func(*artNet) []simulator.Operation
}

func (n *tableNet) Operations() []simulator.Operation { return n.ops(&n.artNet) }

func TestStartupChecksTheOperationTable(t *testing.T) {
	for name, tc := range map[string]struct {
		ops  func(*artNet) []simulator.Operation
		want []string
	}{
		"missing": {func(n *artNet) []simulator.Operation {
			return []simulator.Operation{{ID: "createArt", Handle: n.createArt}}
		},
			[]string{"operation getArt (GET /art/{artId} in examples/card-art.yaml) has no table entry"}},
		"stray, duplicate and nil, all at once": {func(n *artNet) []simulator.Operation {
			return []simulator.Operation{{ID: "createArt", Handle: n.createArt}, {ID: "createArt", Handle: n.createArt},
				{ID: "getArt"}, {ID: "retireArt", Handle: n.getArt}}
		}, []string{"createArt has more than one table entry", "names retireArt, which no served document has", "getArt (GET /art/{artId}) has no Handle"}},
		"plaintext schema": {func(n *artNet) []simulator.Operation {
			return []simulator.Operation{{ID: "createArt", Handle: n.createArt, Plaintext: "NoSuchSchema"}, {ID: "getArt", Handle: n.getArt}}
		}, []string{`Plaintext NoSuchSchema: examples/card-art.yaml has no schema "NoSuchSchema"`}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&tableNet{ops: tc.ops}}})
			if err == nil {
				t.Fatal("the simulator started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

type tunedNet struct{ artNet }

var (
	tunedDelay = simulator.Key[time.Duration]{Name: "delay", Default: 2 * time.Second, Description: "how long", Check: simulator.NotNegative[time.Duration]}
	tunedMode  = simulator.Key[string]{Name: "mode", Default: "fast", Description: "how", Check: simulator.OneOf("fast", "slow")}
	tunedCount = simulator.Key[int]{Name: "count", Default: 3, Description: "how many", Check: simulator.Positive[int]}
)

func (n *tunedNet) Settings() []simulator.Setting {
	return []simulator.Setting{tunedDelay.Setting(), tunedMode.Setting(), tunedCount.Setting()}
}

func TestSettingsAreCheckedAtStartup(t *testing.T) {
	_, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&tunedNet{}},
		Settings: map[string]string{"art.dealy": "1s", "art.delay": "soon", "art.mode": "medium", "art.count": "0"}})
	for _, want := range []string{"art.dealy: unknown setting (known: count, delay, mode)", "art.delay=soon: not a duration",
		"art.mode=medium: must be one of fast, slow", "art.count=0: must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	if _, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&tunedNet{}},
		Settings: map[string]string{"art.delay": "-1s"}}); err == nil || !strings.Contains(err.Error(), "art.delay=-1s: must not be negative") {
		t.Errorf("a negative delay: %v", err)
	}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&tunedNet{}}, Settings: map[string]string{"art.delay": "5s"}})
	r := do(t, srv, "GET", "/_admin/networks", "", "")
	for _, want := range []string{`"key":"delay","kind":"duration","default":"2s","description":"how long","value":"5s"`, `"key":"count","kind":"int","default":"3"`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("settings not listed as %s: %s", want, r.raw)
		}
	}
}

func TestKeysReadTheValueInForce(t *testing.T) {
	s := mapSettings{"delay": "90s"}
	if got := tunedDelay.Get(s); got != 90*time.Second {
		t.Fatalf("delay = %s", got)
	}
	if got := tunedMode.Get(s); got != "fast" {
		t.Fatalf("mode = %s, want the default", got)
	}
	for _, c := range []struct {
		s    simulator.Setting
		want string
	}{
		{simulator.Key[time.Duration]{Name: "a", Default: 5 * time.Minute}.Setting(), "5m"},
		{simulator.Key[time.Duration]{Name: "a", Default: 24 * time.Hour}.Setting(), "24h"},
		{simulator.Key[time.Duration]{Name: "a", Default: 90 * time.Second}.Setting(), "1m30s"},
		{simulator.Key[time.Duration]{Name: "a"}.Setting(), "0s"},
		{simulator.Key[bool]{Name: "a", Default: true}.Setting(), "true"},
	} {
		if c.s.Default != c.want {
			t.Errorf("default written %q, want %q", c.s.Default, c.want)
		}
	}
}

type mapSettings map[string]string

func (m mapSettings) Lookup(k string) (string, bool) { v, ok := m[k]; return v, ok }

// openNet is artNet with the engine's unknown-field option.
type openNet struct{ artNet }

func (n *openNet) Describe() simulator.Description {
	d := n.artNet.Describe()
	d.UnknownFields = true
	return d
}

func TestUnknownFieldsIsAnEngineOption(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&openNet{}}})
	r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k")
	if r.status != 201 || r.body[simulator.UnknownField] == nil {
		t.Fatalf("a successful answer lacks %s: %d %s", simulator.UnknownField, r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/art/api/v1/art/art-0001", "", "", "X-Test-Key", "k"); r.status != 404 || strings.Contains(r.raw, simulator.UnknownField) {
		t.Fatalf("an error answer: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/_admin/networks", "", ""); !strings.Contains(r.raw, `"key":"unknownFields","kind":"bool","default":"true"`) {
		t.Fatalf("the engine does not declare unknownFields: %s", r.raw)
	}
	off := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&openNet{}}, Settings: map[string]string{"art.unknownFields": "false"}})
	if r := do(t, off, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k"); r.status != 201 || r.body[simulator.UnknownField] != nil {
		t.Fatalf("unknownFields=false: %d %s", r.status, r.raw)
	}
	// Without the option there is no setting and no field.
	if _, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}, Settings: map[string]string{"art.unknownFields": "false"}}); err == nil {
		t.Fatal("unknownFields accepted for a network without the option")
	}
	plain := start(t, &artNet{})
	if r := do(t, plain, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k"); r.body[simulator.UnknownField] != nil {
		t.Fatalf("a network without the option got the field: %s", r.raw)
	}
}
