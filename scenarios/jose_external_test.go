package scenarios_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/internal/nodeinterop"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// TestVisaSuiteAgainstIndependentJoseIssuer runs the Visa suite in external
// mode against a second, independent Visa issuer: a Node program written
// from Visa's published wire rules with the jose npm package
// (client/visa/testdata/interop/driver.mjs), sharing no code with the
// bundled Go client. Both must pass, so no Visa verdict rests on one
// implementation of MLE, X-Pay-Token and the callbacks' JOSE.
func TestVisaSuiteAgainstIndependentJoseIssuer(t *testing.T) {
	if os.Getenv(conformance.EnvDefect) != "" || os.Getenv("C2P_CONFIG") != "" {
		t.Skip("inside a child run")
	}
	if testing.Short() {
		t.Skip("runs the Visa suite again in child processes")
	}
	dir, err := filepath.Abs("../client/visa/testdata/interop")
	if err != nil {
		t.Fatal(err)
	}
	node := nodeinterop.Require(t, dir, "jose")
	sim, err := simulator.New(simulator.Options{Networks: []string{"visa"}, Seed: 11, Settings: conformance.DefaultConfig().Settings})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	d := exec.Command(node, "driver.mjs", "--simulator", srv.URL)
	d.Dir = dir
	stdout, _ := d.StdoutPipe()
	d.Stderr = os.Stderr
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Process.Kill(); _ = d.Wait() }()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "jose-driver ready "); ok {
				ready <- url
			}
		}
	}()
	var driverURL string
	select {
	case driverURL = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the jose issuer did not start")
	}

	tmp := t.TempDir()
	out := filepath.Join(tmp, "reports")
	// The jose issuer authenticates with X-Pay-Token only, and says so.
	caps := filepath.Join(tmp, "capabilities.json")
	if err := os.WriteFile(caps, []byte(`{"visa": {"x-pay-token": true, "two-way-ssl": false}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(conformance.Config{Target: "external", SimulatorURL: srv.URL, DriverURL: driverURL,
		Networks: []string{"visa"}, Out: out, Seed: 11, Capabilities: caps})
	cfgPath := filepath.Join(tmp, "c2p.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	child := exec.Command("go", "test", "-count=1", "-run", "^TestConformance$", ".")
	child.Env = append(os.Environ(), "C2P_CONFIG="+cfgPath)
	log, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the Visa suite failed against the independent jose issuer:\n%s", log)
	}
	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep conformance.Report
	_ = json.Unmarshal(raw, &rep)
	passed, failed := 0, 0
	for _, s := range rep.Scenarios {
		switch s.Verdict {
		case conformance.Passed:
			passed++
		case conformance.Failed:
			failed++
		}
	}
	if rep.Run.Target != "external" || rep.MustFailed != 0 || failed != 0 || passed < 20 {
		t.Fatalf("jose issuer run: target %s, %d cases passed, %d failed, %d MUST failed\n%s", rep.Run.Target, passed, failed, rep.MustFailed, log)
	}
	// It passed under identifiers of its own: Visa knows its consumers by
	// the externalConsumerIDs it chose, which the harness learnt from
	// networkIds (only the consumers the harness registered in another
	// Visa product itself keep the harness's names).
	own := map[string]bool{}
	for _, e := range sim.Journal().Find(journal.Query{Network: "visa"}) {
		for _, id := range e.CorrelationIDs {
			if strings.HasPrefix(id, "10000001/jv") {
				own[id] = true
			}
		}
	}
	if len(own) < 10 {
		t.Fatalf("Visa knows %d consumers by the jose issuer's own identifiers: the run did not exercise an issuer choosing its own IDs", len(own))
	}
	t.Logf("the independent jose issuer passed %d Visa scenarios, under %d consumer identifiers of its own", passed, len(own))
	joseReplacement(t, driverURL)
}

// joseReplacement drives a card replacement through the jose issuer (no
// Visa case asks for one): VICA cannot relink, so the old card is deleted
// and the new one added to the same consumer; both enrolments then name
// the issuer's identifiers at Visa.
func joseReplacement(t *testing.T, driverURL string) {
	t.Helper()
	call := func(method, path string, body any, out any) int {
		t.Helper()
		b, _ := json.Marshal(body)
		r, err := http.NewRequest(method, driverURL+path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if out != nil && json.Unmarshal(raw, out) != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return resp.StatusCode
	}
	number := func(body string) string { return body + string(pan.LuhnCheckDigit(body)) }
	addr := map[string]string{"line1": "1 Analytical Way", "city": "London", "postalCode": "N19GU", "country": "GBR"}
	card := func(ref, num string) map[string]any {
		return map[string]any{"ref": ref, "pan": num, "expiry": "2031-07", "nameOnCard": "Ada Lovelace", "billingAddress": addr, "network": "visa"}
	}
	consumer := map[string]any{"ref": "jose-replace-1", "firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada@example.com"},
		"phones": []string{"447700900123"}, "locale": "en-GB", "country": "GBR"}
	type operation struct {
		ID, Kind, Status string
		NetworkIDs       map[string]string `json:"networkIds"`
	}
	wait := func(op operation) operation {
		t.Helper()
		var got operation
		if st := call("GET", "/networks/visa/operations/"+op.ID+"?wait=10s", nil, &got); st != 200 || got.Status != "SUCCEEDED" {
			t.Fatalf("operation %s (%s): %d %+v", op.ID, op.Kind, st, got)
		}
		return got
	}
	var enrolled, replaced operation
	if st := call("POST", "/enrolments", map[string]any{"consumer": consumer, "card": card("old", number("411111900000123"))}, &enrolled); st != 200 {
		t.Fatalf("enrolling: %d %+v", st, enrolled)
	}
	wait(enrolled)
	if st := call("POST", "/consumers/jose-replace-1/cards/old/replacement", card("new", number("411111900000456")), &replaced); st != 200 || replaced.Kind != "REPLACE_CARD" {
		t.Fatalf("replacing: %d %+v", st, replaced)
	}
	visaID := enrolled.NetworkIDs["consumer"]
	if !strings.HasPrefix(visaID, "jv") {
		t.Fatalf("the enrolment's networkIds = %v, want the issuer's own consumer identifier at Visa", enrolled.NetworkIDs)
	}
	if got := wait(replaced); got.NetworkIDs["consumer"] != visaID || got.NetworkIDs["owner"] == "" || got.NetworkIDs["token"] == "" {
		t.Fatalf("the replacement's networkIds = %v, want the consumer (%s), the owner BID and the new token", got.NetworkIDs, visaID)
	}
	var list struct {
		Enrolments []struct {
			CardRef, State string
			NetworkIDs     map[string]string `json:"networkIds"`
		}
	}
	call("GET", "/enrolments", nil, &list)
	states := map[string]string{}
	for _, e := range list.Enrolments {
		if e.CardRef == "old" || e.CardRef == "new" {
			states[e.CardRef] = e.State
			if e.NetworkIDs["consumer"] != visaID || e.NetworkIDs["owner"] == "" {
				t.Fatalf("enrolment %s: networkIds = %v", e.CardRef, e.NetworkIDs)
			}
		}
	}
	if states["old"] != "REPLACED" || states["new"] != "ACTIVE" {
		t.Fatalf("after the replacement: %v, want old REPLACED and new ACTIVE", states)
	}
}
