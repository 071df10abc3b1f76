package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/certpkg"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
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
	// Two parallel shards, and Discover's Serial case (DS.token-events-mutual-tls)
	// in a last shard of its own.
	code, out, dir = bare(t, "run", "--network", "discover", "--parallel", "2", "--out", "r")
	if code != 0 || !strings.Contains(out, "[2/3] ") || !strings.Contains(out, "[3/3] ") {
		t.Fatalf("parallel run: exit %d:\n%s", code, out)
	}
	par := readReport(t, filepath.Join(dir, "r"))
	if par.Ran() != rep.Ran() || par.Run.Shard != "3 shards" {
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
	want := "the issuer's driver at " + closed + " does not answer GET /info"
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], want) || rep.MustFailed != 0 || rep.Outcome != "error" {
		t.Fatalf("report errors %v, mustFailed %d, outcome %s; want %q", rep.Errors, rep.MustFailed, rep.Outcome, want)
	}
	if !strings.Contains(out, want) || !strings.Contains(out, "set driverUrl") {
		t.Fatalf("the console does not say %q and what to set:\n%s", want, out)
	}
	if j := junitErrors(t, filepath.Join(dir, "r")); !strings.Contains(j, want) {
		t.Fatalf("junit.xml does not say why: %s", j)
	}
}

func TestNothingSelectedStillReports(t *testing.T) {
	code, out, dir := bare(t, "run", "--network", "visa", "--requirement", "MC-SEC-01", "--out", "r")
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "no case ran") || rep.Run.Target != "bundled" || rep.Run.ConfigDigest == "" {
		t.Fatalf("want the one reason, no case ran, in a report of the run: errors %q, run %+v", rep.Errors, rep.Run)
	}
	if strings.Contains(out, "wrote no report") {
		t.Fatalf("the shard's report was lost:\n%s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the run wrote outside --out: %v", names)
	}
	if j := junitErrors(t, filepath.Join(dir, "r")); !strings.Contains(j, "no case ran") {
		t.Fatalf("junit.xml does not say why: %s", j)
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

// junitErrors are the messages and texts of junit.xml's errored test
// cases: what a CI dashboard shows of a run that could not be judged.
func junitErrors(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Errors int `xml:"errors,attr"`
		Suites []struct {
			Cases []struct {
				Error *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	var out []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Error != nil {
				out = append(out, c.Error.Message, c.Error.Text)
			}
		}
	}
	if doc.Errors == 0 || len(out) == 0 {
		t.Fatalf("junit.xml shows no error:\n%s", b)
	}
	return strings.Join(out, "\n")
}

// A simulator that cannot be reached (nor the driver) is a harness error:
// exit 2 with the preflight's reason on the console, in report.json and in
// junit.xml, and no case failed.
func TestSimulatorDownIsAHarnessError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	code, out, dir := bare(t, "run", "--target", "external", "--network", "visa", "--out", "r",
		"--config", writeConfig(t, conformance.Config{SimulatorURL: closed, DriverURL: closed + "/driver"}))
	want := "preflight: the simulator at " + closed + " does not answer"
	if code != 2 || !strings.Contains(out, want) || !strings.Contains(out, "simulatorUrl") {
		t.Fatalf("exit %d, want 2 saying %q:\n%s", code, want, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], want) || rep.MustFailed != 0 || rep.Outcome != "error" {
		t.Fatalf("report errors %v, mustFailed %d, outcome %s", rep.Errors, rep.MustFailed, rep.Outcome)
	}
	if j := junitErrors(t, filepath.Join(dir, "r")); !strings.Contains(j, want) {
		t.Fatalf("junit.xml does not say why: %s", j)
	}
}

// buildTool compiles one of the module's commands for these tests.
func buildTool(t *testing.T, pkg string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), pkg)...).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// served is a program serve started: what it printed so far, on either
// stream.
type served struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (s *served) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(b)
}

func (s *served) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// serve starts a program and returns what ready finds in a line it prints
// (the URL it serves) and its output; the program is stopped when the test
// ends.
func serve(t *testing.T, ready func(line string) (string, bool), bin string, args ...string) (string, *served) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &served{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
			if v, ok := ready(sc.Text()); ok {
				select {
				case found <- v:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case v := <-found:
		return v, logs
	case <-exited:
		t.Fatalf("%s ended before it was ready:\n%s", filepath.Base(bin), logs)
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s did not get ready", filepath.Base(bin))
	}
	return "", logs
}

// An issuer's CI: c2psim started on its own, the issuer's driver (driverd,
// the bundled client as a separate issuer; here it uses the harness's refs
// as its identifiers at the networks, the one issuer that does: the
// bundled target and the independent Visa issuer choose their own) and
// c2pconform copied alone into an empty directory, run with no Go
// toolchain on the PATH, in shards sharing the simulator (--parallel 2).
// The run starts by refusing the simulator an aborted run left unclean,
// resets it when told, registers the driver's callback URLs itself,
// records the simulator's own version and seed, ginkgo's seed and the
// label filter, passes every network, and leaves no fault rule behind.
func TestExternalRunFromAnEmptyDirectoryWithoutGo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the test strips PATH the POSIX way")
	}
	c2pconform := built(t)
	// The simulator's build names a revision of its own: the run record
	// must carry what the simulator says, not what c2pconform knows.
	const simRevision = "ext0sim0rev42"
	// Built without the profile-guided optimisation (-pgo=off): this checks
	// behaviour, not speed, and shares the build the command's own tests
	// make under make test instead of compiling every package again.
	c2psim := buildTool(t, "github.com/c2psim/c2psim/simulator/cmd/c2psim", "-pgo=off", "-ldflags", "-X github.com/c2psim/c2psim/simulator.Revision="+simRevision)
	driverd := buildTool(t, "github.com/c2psim/c2psim/scenarios/internal/driverd")

	simArgs := []string{"--addr", "127.0.0.1:0", "--seed", "4242", "--log-level", "debug"}
	for k, v := range conformance.DefaultConfig().Settings {
		simArgs = append(simArgs, "--set", k+"="+v)
	}
	simURL, simLog := serve(t, func(line string) (string, bool) {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "admin" && strings.HasSuffix(f[1], "/_admin/") {
			return strings.TrimSuffix(f[1], "/_admin/"), true
		}
		return "", false
	}, c2psim, simArgs...)
	driverURL, driverLog := serve(t, func(line string) (string, bool) { return strings.CutPrefix(line, "driverd ready ") }, driverd, "--simulator", simURL)

	ctl := &conformance.AdminControl{BaseURL: simURL, HTTP: http.DefaultClient}
	ctx := context.Background()
	health, err := ctl.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	left, err := ctl.AddFault(ctx, fault.Rule{Network: "visa", Status: 503, Card: "0000"})
	if err != nil {
		t.Fatal(err)
	}

	// The issuer's CI: one binary in an empty directory, no Go.
	dir := t.TempDir()
	bin := filepath.Join(dir, "c2pconform")
	b, err := os.ReadFile(c2pconform)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	// driverd reaches the simulator over plain HTTP, so its Visa adapter
	// authenticates with X-Pay-Token, and says so.
	if err := os.WriteFile(filepath.Join(dir, "caps.json"), []byte(`{"visa": {"x-pay-token": true, "two-way-ssl": false}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(conformance.Config{Target: "external", SimulatorURL: simURL, DriverURL: driverURL, Capabilities: "caps.json"})
	if err := os.WriteFile(filepath.Join(dir, "c2p.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	runIn := func(args ...string) (int, string) {
		cmd := exec.Command("./c2pconform", args...)
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + dir, "PATH=" + filepath.Join(dir, "nothing-here")}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Fatalf("the directory holds %d files, want the binary, its configuration and the capability declaration", len(entries))
	}

	code, out := runIn("run", "--config", "c2p.json", "--out", "unclean")
	if code != 2 || !strings.Contains(out, "not clean") || !strings.Contains(out, left.ID) || !strings.Contains(out, "--reset") {
		t.Fatalf("an unclean simulator: exit %d, want 2 naming rule %s and --reset:\n%s", code, left.ID, out)
	}
	if j := junitErrors(t, filepath.Join(dir, "unclean")); !strings.Contains(j, "not clean") {
		t.Fatalf("junit.xml does not say why: %s", j)
	}

	nets := conformance.RegisteredNetworks()
	code, out = runIn("run", "--config", "c2p.json", "--reset", "--seed", "777", "--network", strings.Join(nets, ","), "--parallel", "2", "--out", "r")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "reset the simulator (1 fault rules were armed)") {
		t.Errorf("the run did not say it reset the simulator:\n%s", out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	if !strings.HasSuffix(rep.Run.Shard, " shards") || !strings.Contains(out, "[2/") {
		t.Errorf("the run was not sharded: %q", rep.Run.Shard)
	}
	var ns []string
	for _, n := range nets {
		ns = append(ns, "net:"+n)
	}
	filter := "(" + strings.Join(ns, " || ") + ")"
	sim := rep.Run.Simulator
	if rep.Run.Target != "external" || sim.Seed != 4242 || sim.Version != health.Version || sim.URL != simURL || sim.StartedAt != health.StartedAt ||
		rep.Run.Record.SimulatorRevision != simRevision || health.Revision != simRevision ||
		rep.Run.GinkgoSeed != 777 || rep.Run.Selection.LabelFilter != filter || rep.Run.SUT.Name != "driverd (c2psim bundled issuer client)" {
		t.Errorf("run metadata: target %s, simulator %+v revision %q (health %+v), ginkgo seed %d, filter %q (want %q), SUT %+v",
			rep.Run.Target, sim, rep.Run.Record.SimulatorRevision, health, rep.Run.GinkgoSeed, rep.Run.Selection.LabelFilter, filter, rep.Run.SUT)
	}
	for _, n := range nets {
		if c := rep.Summary[n]; c.Passed == 0 || c.Failed+c.Error+c.Incomplete+c.NotCovered != 0 {
			t.Errorf("%s: %+v", n, c)
		}
	}
	// Only the selected networks' cases ran, nothing of the harness's own
	// self-test (a deliberate defect, a case of no network).
	if rep.Run.Defect != "" || strings.Contains(out, "mutation") {
		t.Errorf("a user's run carries the harness's self-test: defect %q", rep.Run.Defect)
	}
	for _, sc := range rep.Scenarios {
		if sc.Verdict != conformance.Passed && (sc.Verdict != conformance.Skipped || sc.Reason == "") {
			t.Errorf("case %s: %s %q", sc.Case, sc.Verdict, sc.Reason)
		}
		if !slices.Contains(nets, sc.Network) || sc.Case == "" {
			t.Errorf("case %q of network %q ran in a run of %v", sc.Case, sc.Network, nets)
		}
	}
	if rules, err := ctl.Faults(ctx); err != nil || len(rules) != 0 {
		t.Errorf("the run left fault rules armed: %v %v", rules, err)
	}
	infos, err := ctl.Networks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Each network calls back where the driver's GET /info says (Discover
	// on driverd's mutual TLS listener, the others on its own address).
	dinfo, err := (&conformance.Driver{BaseURL: driverURL, HTTP: http.DefaultClient}).Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	issuer := strings.TrimSuffix(driverURL, "/driver")
	for _, ni := range infos {
		want := dinfo.Callbacks[ni.ID]
		if ni.ID == "discover" && !strings.HasPrefix(want, "https://") || ni.ID != "discover" && want != issuer+"/callbacks/"+ni.ID {
			t.Errorf("the driver names %s's callbacks %s", ni.ID, want)
		}
		if ni.Callback != nil && ni.Callback.URL != want {
			t.Errorf("%s calls back to %s, not the driver's %s", ni.ID, ni.Callback.URL, want)
		}
	}
	scanForCardNumbers(t, "external run", out, filepath.Join(dir, "r"))
	scanForCardNumbers(t, "external run: c2psim's log (debug)", simLog.String(), t.TempDir())
	scanForCardNumbers(t, "external run: driverd's log", driverLog.String(), t.TempDir())
	if !strings.Contains(simLog.String(), "level=DEBUG") {
		t.Errorf("c2psim logged nothing at debug level: the scan of its log saw nothing")
	}
	t.Logf("%d cases ran, %v", rep.Ran(), rep.Summary)
}

// A driver that answers outside openapi/driver.yaml mid-run makes its
// cases errors, never failures: exit 2, each case's reason naming the
// contract problem in report.json and junit.xml.
func TestDriverOutsideTheContractIsAnError(t *testing.T) {
	sim, err := simulator.New(simulator.Options{Networks: []string{"discover"}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	var drv *httptest.Server
	drv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/driver/info":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(conformance.Info{Name: "broken issuer", Networks: []string{"discover"},
				Callbacks: map[string]string{"discover": drv.URL + "/callbacks/discover"}})
		case strings.HasPrefix(r.URL.Path, "/driver/"):
			w.WriteHeader(http.StatusTeapot) // no status the contract defines
			_, _ = w.Write([]byte("short and stout"))
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer drv.Close()
	code, out, dir := bare(t, "run", "--target", "external", "--network", "discover", "--case", "DS.consumer-data,DS.card-data", "--out", "r",
		"--config", writeConfig(t, conformance.Config{SimulatorURL: srv.URL, DriverURL: drv.URL + "/driver"}))
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	ran := 0
	for _, sc := range rep.Scenarios {
		if sc.Verdict == conformance.Skipped {
			continue
		}
		ran++
		if sc.Verdict != conformance.Error || !strings.Contains(sc.Reason, "418") || !strings.Contains(sc.Reason, "contract") {
			t.Errorf("case %s: %s %q, want error naming the 418 outside the contract", sc.Case, sc.Verdict, sc.Reason)
		}
	}
	if ran != 2 || rep.MustFailed != 0 || rep.Outcome != "error" {
		t.Fatalf("%d cases ran, mustFailed %d, outcome %s", ran, rep.MustFailed, rep.Outcome)
	}
	if j := junitErrors(t, filepath.Join(dir, "r")); !strings.Contains(j, "418") {
		t.Fatalf("junit.xml does not show the contract problem: %s", j)
	}
}

// A case asked for that the suite does not hold (a typing mistake) is a
// configuration error, not a run that passes without it.
func TestUnknownCaseIsRefused(t *testing.T) {
	code, out, dir := bare(t, "run", "--network", "discover", "--case", "DS.consumer-data,DS.consumer-dta", "--out", "r")
	if code != 2 || !strings.Contains(out, "unknown case DS.consumer-dta") || strings.Contains(out, "DS.consumer-data,") {
		t.Fatalf("exit %d, want 2 naming only the unknown case:\n%s", code, out)
	}
	if rep := readReport(t, filepath.Join(dir, "r")); rep.Ran() != 0 || len(rep.Errors) != 1 {
		t.Fatalf("%d cases ran, errors %v", rep.Ran(), rep.Errors)
	}
}

// A configuration error is a harness error too: exit 2, every mistake in
// report.json and junit.xml.
func TestConfigurationErrorStillReports(t *testing.T) {
	code, out, dir := bare(t, "run", "--network", "vsia", "--level", "sometimes", "--requirement", "XX-ENR-01", "--out", "r")
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	rep := readReport(t, filepath.Join(dir, "r"))
	j := junitErrors(t, filepath.Join(dir, "r"))
	for _, w := range []string{`unknown network "vsia"`, `--level "sometimes"`, `unknown requirement "XX-ENR-01"`} {
		if !strings.Contains(strings.Join(rep.Errors, "\n"), w) || !strings.Contains(j, w) || !strings.Contains(out, w) {
			t.Errorf("%q is not in report.json (%q), junit.xml and the console", w, rep.Errors)
		}
	}
}
