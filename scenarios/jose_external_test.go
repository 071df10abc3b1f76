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
	cfg, _ := json.Marshal(conformance.Config{Target: "external", SimulatorURL: srv.URL, DriverURL: driverURL,
		Networks: []string{"visa"}, Out: out, Seed: 11})
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
	t.Logf("the independent jose issuer passed %d Visa scenarios", passed)
}
