package simulator_test

import (
	"strings"
	"testing"
)

// A request the operation would serve, with a fault header asking for a
// status the operation does not declare: refused as a rule asking for it
// is, naming the declared statuses, before any handler runs.
func TestFaultHeaderIsCheckedLikeARule(t *testing.T) {
	n := &artNet{}
	srv := start(t, n)
	for _, status := range []string{"409", "418", "451", "502", "599"} {
		r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k", "X-C2PSim-Fault", "status="+status)
		if r.status != 400 || !strings.Contains(errMessage(r), "X-C2PSim-Fault") || !strings.Contains(errMessage(r), "declared: 201, 400, 401, 413, 415, 500") {
			t.Errorf("header status=%s: %d %s, want 400 naming the declared statuses", status, r.status, r.raw)
		}
		rule := do(t, srv, "POST", "/_admin/faults", "application/json", `{"network":"art","operation":"createArt","status":`+status+`}`)
		if rule.status != 400 || !strings.Contains(errMessage(rule), "declared: 201, 400, 401, 413, 415, 500") {
			t.Errorf("rule status=%s: %d %s", status, rule.status, rule.raw)
		}
	}
	if n.calls.Load() != 0 {
		t.Fatalf("%d refused requests reached the handler", n.calls.Load())
	}
	// What the operation declares is served, from the header as from a rule.
	if r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k", "X-C2PSim-Fault", "status=500; code=DOWN"); r.status != 500 || !strings.Contains(r.raw, "DOWN") {
		t.Errorf("declared status: %d %s", r.status, r.raw)
	}
}

// A rule that could never match is refused when it is created.
func TestFaultRulesThatCanNeverMatchAreRefused(t *testing.T) {
	srv := start(t, &artNet{})
	for body, says := range map[string]string{
		`{"status":599}`:                                   "no operation of any mounted network (art) declares status 599",
		`{"network":"art","status":418}`:                   "no operation of art declares status 418",
		`{"network":"nope","status":500}`:                  `network "nope" is not mounted`,
		`{"operation":"createArt","drop":true}`:            "needs a network",
		`{"network":"art","operation":"x","latency":"1s"}`: `no operation "x"`,
	} {
		r := do(t, srv, "POST", "/_admin/faults", "application/json", body)
		if r.status != 400 || !strings.Contains(errMessage(r), says) {
			t.Errorf("POST /_admin/faults %s = %d %s, want 400 naming %q", body, r.status, r.raw, says)
		}
	}
	for _, body := range []string{`{"status":500}`, `{"network":"art","status":404}`, `{"latency":"1ms"}`} {
		if r := do(t, srv, "POST", "/_admin/faults", "application/json", body); r.status != 201 {
			t.Errorf("POST /_admin/faults %s = %d %s", body, r.status, r.raw)
		}
	}
}

// Durations come back in the admin document's own format (its patterns
// allow one unit: "90s", never "1m30s" or "5m0s"); strict mode fails the
// test on any answer that breaks the document.
func TestAdminDurationsKeepTheDocumentFormat(t *testing.T) {
	srv := start(t, &artNet{})
	r := do(t, srv, "POST", "/_admin/faults", "application/json", `{"network":"art","latency":"90s","ttl":"300s"}`)
	if r.status != 201 || r.body["ttl"] != "5m" || r.body["latency"] != "90s" {
		t.Fatalf("fault rule = %d %s", r.status, r.raw)
	}
	if r := do(t, srv, "GET", "/_admin/faults", "", ""); !strings.Contains(r.raw, `"ttl":"5m"`) {
		t.Fatalf("listed rule: %s", r.raw)
	}
	r = do(t, srv, "PUT", "/_admin/networks/art/callback", "application/json", `{"url":"http://127.0.0.1:9/","retrySchedule":["1.5s","2m"],"timeout":"90s"}`)
	if r.status != 200 || !strings.Contains(r.raw, `"retrySchedule":["1500ms","2m"]`) || r.body["timeout"] != "90s" {
		t.Fatalf("callback target = %d %s", r.status, r.raw)
	}
}
