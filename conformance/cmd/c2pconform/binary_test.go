package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/certpkg"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// built is c2pconform compiled once for these tests.
func built(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the c2pconform binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "c2pconform-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "c2pconform")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			buildErr = &buildError{out: string(out), err: err}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// bare runs the binary from an empty directory with an environment that
// has no Go toolchain and no source tree: what an issuer's CI has.
func bare(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	bin := built(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + filepath.Join(dir, "nothing-here")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), dir
}

func readReport(t *testing.T, dir string) *conformance.Report {
	t.Helper()
	for _, f := range []string{"junit.xml", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was not written: %v", f, err)
		}
	}
	r, err := conformance.ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The binary carries the suite: it runs from an empty directory on a
// machine without Go, in one process or several.
func TestBinaryRunsWithoutGoOrSources(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the test strips PATH the POSIX way")
	}
	code, out, dir := bare(t, "run", "--network", "discover", "--out", "r")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	if rep.Ran() < 10 || rep.Summary["discover"].Passed == 0 || rep.Run.SUT.Name == "" || rep.Run.GinkgoSeed == 0 {
		t.Fatalf("report: %d cases ran, summary %v, SUT %+v, seed %d", rep.Ran(), rep.Summary, rep.Run.SUT, rep.Run.GinkgoSeed)
	}
	code, out, dir = bare(t, "run", "--network", "discover", "--parallel", "2", "--out", "r")
	if code != 0 || !strings.Contains(out, "[2/2] ") {
		t.Fatalf("parallel run: exit %d:\n%s", code, out)
	}
	par := readReport(t, filepath.Join(dir, "r"))
	if par.Ran() != rep.Ran() || par.Run.Shard != "2 shards" {
		t.Fatalf("the parallel run ran %d cases in %q, the serial one %d", par.Ran(), par.Run.Shard, rep.Ran())
	}
}

// A driver that cannot be reached is a harness error: exit 2, reports that
// say why, no case failed.
func TestDriverDownIsAHarnessError(t *testing.T) {
	sim, err := simulator.New(simulator.Options{Networks: []string{"visa"}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String() + "/driver"
	ln.Close()
	code, out, dir := bare(t, "run", "--target", "external", "--network", "visa", "--out", "r",
		"--config", writeConfig(t, conformance.Config{SimulatorURL: srv.URL, DriverURL: closed}))
	if code != 2 || !strings.Contains(out, "driver") {
		t.Fatalf("exit %d, want 2 naming the driver:\n%s", code, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	if len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0], "does not answer") && !strings.Contains(rep.Errors[0], "GET /info") || rep.MustFailed != 0 {
		t.Fatalf("report errors %v, mustFailed %d", rep.Errors, rep.MustFailed)
	}
}

func TestNothingSelectedStillReports(t *testing.T) {
	code, out, dir := bare(t, "run", "--network", "visa", "--requirement", "MC-SEC-01", "--out", "r")
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	if len(rep.Errors) == 0 || !strings.Contains(strings.Join(rep.Errors, " "), "no case ran") {
		t.Fatalf("errors %v", rep.Errors)
	}
}

func TestForgedMergeIsRefused(t *testing.T) {
	dir := t.TempDir()
	key, err := certpkg.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, r *conformance.Report) string {
		p := filepath.Join(dir, name)
		if err := conformance.WritePackage(p, r, key, time.Now()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk := func(target string, nets ...string) *conformance.Report {
		r := &conformance.Report{Format: conformance.ReportFormat, Run: conformance.RunInfo{ID: target, Target: target, Version: "v", ConfigDigest: target,
			Selection: conformance.Selection{Networks: nets}}, Scenarios: []conformance.Scenario{{Case: "DS.x", Network: "discover", Verdict: conformance.Passed, Requirements: []string{"C2P-ENR-01"}}}}
		r.Recompute()
		return r
	}
	a, b := write("a", mk("bundled", "discover")), write("b", mk("external", "discover"))
	var stdout, stderr bytes.Buffer
	if code := run([]string{"report", "merge", "--out", filepath.Join(dir, "m"), a, b}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "refused") {
		t.Fatalf("a forged merge: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "m", "report.json")); err == nil {
		t.Fatal("a refused merge wrote a report")
	}
	stderr.Reset()
	if code := run([]string{"report", "merge", "--out", filepath.Join(dir, "m"), a, a}, &stdout, &stderr); code == 2 || !strings.Contains(stderr.String(), "counted once") {
		t.Fatalf("a shard given twice: exit %d: %s", code, stderr.String())
	}
	for _, f := range []string{"junit.xml", "report.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, "m", f)); err != nil {
			t.Errorf("merge did not write %s", f)
		}
	}
}

func writeConfig(t *testing.T, c conformance.Config) string {
	t.Helper()
	b, _ := json.Marshal(c)
	p := filepath.Join(t.TempDir(), "c2p.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
