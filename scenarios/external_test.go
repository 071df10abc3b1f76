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
	"github.com/c2psim/c2psim/simulator"
)

// TestExternalTarget runs the whole suite in external mode: a running
// simulator, the bundled client as a separate issuer process (driverd,
// speaking openapi/driver.yaml, choosing its own identifiers at the
// networks), and the harness controlling the simulator only through its
// admin API — exactly as against a user's own issuer. The harness registers
// driverd's callback URLs from its GET /info.
func TestExternalTarget(t *testing.T) {
	if os.Getenv(conformance.EnvDefect) != "" || os.Getenv("C2P_CONFIG") != "" {
		t.Skip("inside a child run")
	}
	if testing.Short() {
		t.Skip("runs the suite again in child processes")
	}
	sim, err := simulator.New(simulator.Options{Networks: []string{"visa", "discover", "mastercard", "amex"}, Seed: 7,
		Settings: conformance.DefaultConfig().Settings})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	dir := t.TempDir()
	bin := filepath.Join(dir, "driverd")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/driverd").CombinedOutput(); err != nil {
		t.Fatalf("building driverd: %v\n%s", err, out)
	}
	d := exec.Command(bin, "--simulator", srv.URL, "--own-ids")
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
			if url, ok := strings.CutPrefix(sc.Text(), "driverd ready "); ok {
				ready <- url
			}
		}
	}()
	var driverURL string
	select {
	case driverURL = <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("driverd did not start")
	}

	out := filepath.Join(dir, "reports")
	// driverd reaches the simulator over plain HTTP, so its Visa adapter
	// authenticates with X-Pay-Token, and says so.
	caps := filepath.Join(dir, "capabilities.json")
	if err := os.WriteFile(caps, []byte(`{"visa": {"x-pay-token": true, "two-way-ssl": false}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(conformance.Config{Target: "external", SimulatorURL: srv.URL, DriverURL: driverURL,
		Networks: []string{"visa", "discover", "mastercard", "amex"}, Out: out, Seed: 7, Capabilities: caps})
	cfgPath := filepath.Join(dir, "c2p.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	child := exec.Command("go", "test", "-count=1", "-run", "^TestConformance$", ".")
	child.Env = append(os.Environ(), "C2P_CONFIG="+cfgPath)
	log, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the suite failed against the external target:\n%s", log)
	}
	raw, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep conformance.Report
	_ = json.Unmarshal(raw, &rep)
	ran := 0
	for _, s := range rep.Scenarios {
		if s.Verdict == conformance.Passed {
			ran++
		}
	}
	if rep.Run.Target != "external" || rep.MustFailed != 0 || ran < 30 {
		t.Fatalf("external run: target %s, %d cases passed, %d MUST failed", rep.Run.Target, ran, rep.MustFailed)
	}
}
