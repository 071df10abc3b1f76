package scenarios_test

import (
	"bufio"
	"encoding/json"
	"io"
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

// independentIssuer is one network's independent issuer: a Node program
// under ../client/<network>/testdata/interop, written from the network's
// published rules and sharing no code with the bundled Go client.
type independentIssuer struct {
	network  string
	seed     int64
	script   string   // the driver program in the interop directory
	ready    string   // what it prints before its URL once it serves
	packages []string // the npm packages it needs installed
}

// start skips the test inside a child run and under -short, serves a fresh
// simulator of the issuer's network, and starts the issuer against it. It
// returns the simulator, its URL, the issuer's driver URL and the interop
// directory; all of them stop when the test ends.
func (ii independentIssuer) start(t *testing.T) (sim *simulator.Simulator, simURL, driverURL, dir string) {
	t.Helper()
	if os.Getenv(conformance.EnvDefect) != "" || os.Getenv("C2P_CONFIG") != "" {
		t.Skip("inside a child run")
	}
	if testing.Short() {
		t.Skipf("runs the %s suite again in child processes", ii.network)
	}
	dir, err := filepath.Abs(filepath.Join("../client", ii.network, "testdata/interop"))
	if err != nil {
		t.Fatal(err)
	}
	node := nodeinterop.Require(t, dir, ii.packages...)
	sim, err = simulator.New(simulator.Options{Networks: []string{ii.network}, Seed: ii.seed, Settings: conformance.DefaultConfig().Settings})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	d := exec.Command(node, ii.script, "--simulator", srv.URL)
	d.Dir = dir
	stdout, err := d.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.Stderr = os.Stderr
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Process.Kill(); _ = d.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), ii.ready); ok {
				ready <- url
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // a driver that goes on printing never blocks
	}()
	select {
	case driverURL = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the independent %s issuer (%s) did not start", ii.network, ii.script)
	}
	return sim, srv.URL, driverURL, dir
}

// runExternal runs the suite in external mode in a child `go test` with
// cfg (its Out set to a fresh directory) and returns the child's report and
// output; it fails the test when the child fails.
func runExternal(t *testing.T, cfg conformance.Config) (conformance.Report, []byte) {
	t.Helper()
	tmp := t.TempDir()
	cfg.Out = filepath.Join(tmp, "reports")
	raw, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(tmp, "c2p.json")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	child := exec.Command("go", "test", "-count=1", "-run", "^TestConformance$", ".")
	child.Env = append(os.Environ(), "C2P_CONFIG="+cfgPath)
	log, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the %v suite failed against the independent issuer:\n%s", cfg.Networks, log)
	}
	raw, err = os.ReadFile(filepath.Join(cfg.Out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep conformance.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	return rep, log
}

// ownIDs is the set of correlation identifiers beginning with prefix in
// the journal entries q finds: the identifiers the issuer chose itself.
func ownIDs(sim *simulator.Simulator, q journal.Query, prefix string) map[string]bool {
	own := map[string]bool{}
	for _, e := range sim.Journal().Find(q) {
		for _, id := range e.CorrelationIDs {
			if strings.HasPrefix(id, prefix) {
				own[id] = true
			}
		}
	}
	return own
}
