package scenarios_test

import (
	"bufio"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/internal/nodeinterop"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// TestMastercardSuiteAgainstIndependentNodeIssuer runs the Mastercard suite
// in external mode against a second, independent Mastercard issuer: a Node
// program built on Mastercard's own npm libraries
// (client/mastercard/testdata/interop/driver.js: mastercard-oauth1-signer
// signs every call, mastercard-client-encryption encrypts the card and
// opens the field-level encryption of MDES's calls), sharing no code with
// the bundled Go client, with its own identifiers and its own encryption
// key. Its capability declaration
// (client/mastercard/testdata/interop/capabilities.json) claims every
// optional Mastercard feature, so a 501 from it fails the case instead of
// leaving it not run: every Mastercard case must pass and every Mastercard
// requirement be passed.
func TestMastercardSuiteAgainstIndependentNodeIssuer(t *testing.T) {
	if os.Getenv(conformance.EnvDefect) != "" || os.Getenv("C2P_CONFIG") != "" {
		t.Skip("inside a child run")
	}
	if testing.Short() {
		t.Skip("runs the Mastercard suite again in child processes")
	}
	dir, err := filepath.Abs("../client/mastercard/testdata/interop")
	if err != nil {
		t.Fatal(err)
	}
	node := nodeinterop.Require(t, dir, "mastercard-oauth1-signer", "mastercard-client-encryption", "node-forge")
	sim, err := simulator.New(simulator.Options{Networks: []string{"mastercard"}, Seed: 13, Settings: conformance.DefaultConfig().Settings})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	d := exec.Command(node, "driver.js", "--simulator", srv.URL)
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
			if url, ok := strings.CutPrefix(sc.Text(), "mc-driver ready "); ok {
				ready <- url
			}
		}
	}()
	var driverURL string
	select {
	case driverURL = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the Node Mastercard issuer did not start")
	}

	tmp := t.TempDir()
	out := filepath.Join(tmp, "reports")
	cfg, _ := json.Marshal(conformance.Config{Target: "external", SimulatorURL: srv.URL, DriverURL: driverURL,
		Networks: []string{"mastercard"}, Out: out, Seed: 13, Capabilities: filepath.Join(dir, "capabilities.json")})
	cfgPath := filepath.Join(tmp, "c2p.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	child := exec.Command("go", "test", "-count=1", "-run", "^TestConformance$", ".")
	child.Env = append(os.Environ(), "C2P_CONFIG="+cfgPath)
	log, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the Mastercard suite failed against the independent Node issuer:\n%s", log)
	}
	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep conformance.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	passed, requirements := 0, 0
	for _, s := range rep.Scenarios {
		switch {
		case s.Network != "mastercard":
		case s.Verdict == conformance.Passed:
			passed++
		default:
			t.Errorf("case %s: %s (%s)", s.Case, s.Verdict, s.Reason)
		}
	}
	for _, r := range rep.Requirements {
		if r.Network != "mastercard" {
			continue
		}
		requirements++
		if r.Verdict != conformance.Passed {
			t.Errorf("%s: %s (%s)", r.ID, r.Verdict, strings.Join(r.Reasons, "; "))
		}
	}
	if rep.Run.Target != "external" || rep.MustFailed != 0 || passed < 25 {
		t.Errorf("Node issuer run: target %s, %d cases passed, %d MUST failed", rep.Run.Target, passed, rep.MustFailed)
	}
	// It passed under identifiers of its own: Mastercard knows its
	// consumers by the externalConsumerIds it chose (driver.js: "cons-"),
	// which the harness learnt from networkIds.
	own := map[string]bool{}
	for _, e := range sim.Journal().Find(journal.Query{Network: "mastercard", OperationID: "putCard"}) {
		for _, id := range e.CorrelationIDs {
			if strings.HasPrefix(id, "cons-") {
				own[id] = true
			}
		}
	}
	if len(own) < 10 {
		t.Errorf("Mastercard knows %d consumers by the Node issuer's own identifiers: the run did not exercise an issuer choosing its own IDs", len(own))
	}
	if t.Failed() {
		t.Logf("child output:\n%s", log)
	}
	t.Logf("the independent Node issuer passed %d Mastercard cases (%d requirements) under %d consumer identifiers of its own",
		passed, requirements, len(own))
}
