package simulator_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// consoleNet is artNet with a trigger catalogue and a state view, as the
// console reads them.
type consoleNet struct {
	artNet
	badCatalogue bool
	mu           sync.Mutex
	got          []map[string]any
}

var (
	_ simulator.TriggerDescriber = (*consoleNet)(nil)
	_ simulator.StateViewer      = (*consoleNet)(nil)
)

func (n *consoleNet) Triggers() []string { return []string{"tokenStatusChange", "ping"} }
func (n *consoleNet) Trigger(_ context.Context, name string, p map[string]any) (map[string]any, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, p)
	return map[string]any{"trigger": name}, nil
}
func (n *consoleNet) DescribeTriggers() []simulator.TriggerInfo {
	out := []simulator.TriggerInfo{{Name: "tokenStatusChange", Summary: "The network changes a token.",
		Params: []simulator.TriggerParam{
			{Name: "tokenRef", Type: simulator.ParamString, Required: true, Card: true, Description: "the token"},
			{Name: "status", Type: simulator.ParamString, Enum: []string{"ACTIVE", "SUSPENDED"}, Description: "where it goes"},
			{Name: "glitch", Type: simulator.ParamBoolean, Description: "spoil the first delivery"},
			{Name: "count", Type: simulator.ParamInteger, Description: "how many"},
			{Name: "atcs", Type: simulator.ParamArray, Description: "ATCs"},
		},
		Examples: []simulator.TriggerExample{{Title: "Suspend", Params: map[string]any{"status": "SUSPENDED"}}}}}
	if !n.badCatalogue {
		out = append(out, simulator.TriggerInfo{Name: "ping", Summary: "A ping."})
	}
	return out
}
func (n *consoleNet) StateItems(context.Context) ([]simulator.StateItem, error) {
	return []simulator.StateItem{
		{Kind: simulator.ItemConsumer, ID: "cons-1", Refs: map[string]string{"consumerId": "cons-1"}, Collection: "consumers", Key: "cons-1"},
		{Kind: simulator.ItemCard, ID: "card-1", Status: "ACTIVE", Card: simulator.MaskedCard("518600", "8785", 16), Consumer: "cons-1",
			Refs: map[string]string{"tokenRef": "TOK-AAA"}, Collection: "cards", Key: "card-1"},
		// A plugin that forgot to mask still shows nothing in clear.
		{Kind: simulator.ItemCard, ID: "card-2", Status: "SUSPENDED", Card: "4111111145551140", Consumer: "cons-1",
			Refs: map[string]string{"tokenRef": "TOK-BBB", "note": "pan 4111111145551140"}, Collection: "cards", Key: "card-2"},
	}, nil
}

func startConsoleNet(t *testing.T, n *consoleNet, admin simulator.AdminOptions) *simtest.Server {
	return simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, MaxBodyBytes: 4096, Admin: admin})
}

// The trigger catalogue is served, and a trigger's parameters are held to
// it, through the admin API and in process alike, before the trigger runs.
func TestTriggerParametersAreHeldToTheCatalogue(t *testing.T) {
	n := &consoleNet{}
	srv := startConsoleNet(t, n, simulator.AdminOptions{})
	r := do(t, srv, "GET", "/_admin/networks/art/triggers", "", "")
	if r.status != 200 || !strings.Contains(r.raw, `"name":"tokenRef"`) || !strings.Contains(r.raw, `"card":true`) || !strings.Contains(r.raw, `"Suspend"`) {
		t.Fatalf("catalogue: %d %s", r.status, r.raw)
	}
	post := func(body string) result {
		return do(t, srv, "POST", "/_admin/networks/art/triggers/tokenStatusChange", "application/json", body)
	}
	for _, c := range []struct{ body, want string }{
		{`{"tokenRef":"T","colour":"red"}`, `takes no parameter \"colour\" (parameters: tokenRef, status, glitch, count, atcs)`},
		{`{"tokenRef":"T","status":"GONE"}`, "parameter status must be one of ACTIVE, SUSPENDED, got \\\"GONE\\\""},
		{`{"tokenRef":"T","glitch":"yes"}`, "parameter glitch must be true or false"},
		{`{"tokenRef":"T","count":1.5}`, "parameter count must be an integer"},
		{`{"tokenRef":"T","atcs":[1]}`, "parameter atcs must be an array of strings"},
		{`{"status":"ACTIVE"}`, "parameter tokenRef is required"},
		{`{"colour":"red","glitch":1}`, "colour"},
	} {
		r := post(c.body)
		if r.status != 400 || !strings.Contains(r.raw, c.want) {
			t.Errorf("%s: %d %s (want 400 mentioning %s)", c.body, r.status, r.raw, c.want)
		}
	}
	if r := post(`{"colour":"red","glitch":1}`); !strings.Contains(r.raw, "glitch must be true or false") || !strings.Contains(r.raw, "tokenRef is required") {
		t.Errorf("every problem is named at once: %s", r.raw)
	}
	if len(n.got) != 0 {
		t.Fatalf("a refused trigger ran: %v", n.got)
	}
	if r := post(`{"tokenRef":"T","status":"SUSPENDED","glitch":true,"count":2,"atcs":["1234"]}`); r.status != 200 {
		t.Fatalf("a declared call: %d %s", r.status, r.raw)
	}
	if r := post(`{"tokenRef":"T","status":""}`); r.status != 200 {
		t.Fatalf("an empty enum value is the default: %d %s", r.status, r.raw)
	}
	// In process, Go values are compared as their JSON form.
	if _, err := srv.Sim.Trigger(context.Background(), "art", "tokenStatusChange", map[string]any{"tokenRef": "T", "atcs": []string{"1"}, "count": 3}); err != nil {
		t.Fatalf("in process: %v", err)
	}
	if _, err := srv.Sim.Trigger(context.Background(), "art", "tokenStatusChange", map[string]any{"tokenRef": "T", "eventReasonCode": "X"}); err == nil || !strings.Contains(err.Error(), "eventReasonCode") {
		t.Fatalf("in process, an undeclared parameter: %v", err)
	}
	if len(n.got) != 3 {
		t.Fatalf("the trigger ran %d times, want 3", len(n.got))
	}
}

// A catalogue that does not describe exactly the network's triggers stops
// the simulator from starting, naming what is missing.
func TestTriggerCatalogueMustNameEveryTrigger(t *testing.T) {
	_, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&consoleNet{badCatalogue: true}}})
	if err == nil || !strings.Contains(err.Error(), `trigger "ping" is not described`) {
		t.Fatalf("New: %v", err)
	}
}

// The state search finds consumers, cards and tokens by masked card, part
// of it, a full card number (masked before it is compared) or a
// reference, and shows no card number in clear.
func TestStateSearch(t *testing.T) {
	srv := startConsoleNet(t, &consoleNet{}, simulator.AdminOptions{})
	search := func(q string) (ids []string, raw string) {
		t.Helper()
		r := do(t, srv, "GET", "/_admin/state/search?"+q, "", "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.raw)
		}
		var out struct {
			Items []simulator.StateItem `json:"items"`
		}
		_ = json.Unmarshal([]byte(r.raw), &out)
		for _, it := range out.Items {
			if it.Network != "art" {
				t.Errorf("%s: item without its network: %+v", q, it)
			}
			ids = append(ids, it.ID)
		}
		return ids, r.raw
	}
	for q, want := range map[string]string{
		"":                      "cons-1 card-1 card-2",
		"q=8785":                "card-1",
		"q=518600******8785":    "card-1",
		"q=5186001700008785":    "card-1",
		"q=4111111145551140":    "card-2",
		"q=tok-bbb":             "card-2",
		"q=suspended":           "card-2",
		"q=cons-1&kind=card":    "card-1 card-2",
		"kind=consumer":         "cons-1",
		"network=art&q=nothing": "",
		"limit=1":               "cons-1",
	} {
		ids, raw := search(q)
		if got := strings.Join(ids, " "); got != want {
			t.Errorf("%q: %q, want %q", q, got, want)
		}
		if strings.Contains(raw, "4111111145551140") || strings.Contains(raw, "5186001700008785") {
			t.Errorf("%q: a card number in clear: %s", q, raw)
		}
	}
	if _, raw := search("limit=1"); !strings.Contains(raw, `"more":true`) {
		t.Errorf("a cut list says so: %s", raw)
	}
	if r := do(t, srv, "GET", "/_admin/state/search?network=nope", "", ""); r.status != 404 {
		t.Errorf("an unknown network: %d %s", r.status, r.raw)
	}
}

// One exchange opens with its timeline; the journal filters by status.
func TestJournalEntryAndStatusFilter(t *testing.T) {
	srv := startConsoleNet(t, &consoleNet{}, simulator.AdminOptions{})
	key := []string{"X-Test-Key", "k"}
	for i := 0; i < 2; i++ {
		if r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, key...); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
	}
	if r := do(t, srv, "GET", "/art/api/v1/art/art-0009", "", "", key...); r.status != 404 {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody) // 401
	r := do(t, srv, "GET", "/_admin/journal/1", "", "")
	if r.status != 200 {
		t.Fatalf("entry: %d %s", r.status, r.raw)
	}
	var got struct {
		Entry   struct{ Seq uint64 }   `json:"entry"`
		Related []struct{ Seq uint64 } `json:"related"`
	}
	_ = json.Unmarshal([]byte(r.raw), &got)
	if got.Entry.Seq != 1 || len(got.Related) != 1 || got.Related[0].Seq != 2 {
		t.Fatalf("entry 1 and its timeline (entry 2 shares corr-1): %s", r.raw)
	}
	if r := do(t, srv, "GET", "/_admin/journal/99", "", ""); r.status != 404 {
		t.Errorf("an unknown entry: %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/_admin/journal/0", "", ""); r.status != 400 {
		t.Errorf("seq 0: %d %s", r.status, r.raw)
	}
	for q, want := range map[string]int{"status=201": 2, "status=2xx": 2, "status=4xx": 2, "status=404": 1, "status=none": 0, "status=5xx": 0} {
		r := do(t, srv, "GET", "/_admin/journal?"+q, "", "")
		var page struct{ Entries []any }
		_ = json.Unmarshal([]byte(r.raw), &page)
		if r.status != 200 || len(page.Entries) != want {
			t.Errorf("%s: %d, %d entries, want %d", q, r.status, len(page.Entries), want)
		}
	}
	if r := do(t, srv, "GET", "/_admin/journal?status=6xx", "", ""); r.status != 400 {
		t.Errorf("status=6xx: %d %s", r.status, r.raw)
	}
}

// The console page and its assets need no token (there is nothing in them
// to protect), carry a content security policy that allows only their own
// script and styles, and every call they make does need the token.
func TestConsoleIsServedWithItsPolicy(t *testing.T) {
	srv := startConsoleNet(t, &consoleNet{}, simulator.AdminOptions{Token: "tok"})
	for _, p := range []string{"/_admin/", "/_admin/assets/console.js", "/_admin/assets/console.css"} {
		resp, err := srv.Client.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: %d, policy %q", p, resp.StatusCode, csp)
		}
	}
	if r := do(t, srv, "GET", "/_admin/assets/nope.js", "", ""); r.status != 404 || !strings.Contains(r.raw, "console.css, console.js") {
		t.Errorf("an unknown asset: %d %s", r.status, r.raw)
	}
	for _, p := range []string{"/_admin/journal/1", "/_admin/state/search", "/_admin/networks/art/triggers"} {
		if r := do(t, srv, "GET", p, "", ""); r.status != 401 {
			t.Errorf("%s without the token: %d", p, r.status)
		}
		if r := do(t, srv, "GET", p, "", "", "Authorization", "Bearer tok"); r.status == 401 {
			t.Errorf("%s with the token: %d", p, r.status)
		}
	}
}
