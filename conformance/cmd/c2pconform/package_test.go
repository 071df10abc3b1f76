package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/certpkg"
	"github.com/c2psim/c2psim/conformance/internal/pdfcheck"
	"github.com/c2psim/c2psim/simulator"
)

// runIn runs the binary in dir with the bare environment and env added.
func runIn(t *testing.T, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(built(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + dir, "PATH=" + filepath.Join(dir, "nothing-here")}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// verify runs c2pconform verify in this process.
func verify(args ...string) (int, string) {
	var out bytes.Buffer
	code := run(append([]string{"verify"}, args...), &out, &out)
	return code, out.String()
}

// mustVerify checks a package and every file of it: as written it
// verifies, and one changed byte in any file makes verify fail naming
// that file.
func mustVerify(t *testing.T, dir string) {
	t.Helper()
	if code, out := verify(dir); code != 0 {
		t.Fatalf("verify %s: exit %d\n%s", dir, code, out)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	cases := 0
	for _, f := range files {
		if strings.HasPrefix(f, "cases/") {
			cases++
		}
		full := filepath.Join(dir, filepath.FromSlash(f))
		orig, err := os.ReadFile(full)
		if err != nil {
			t.Fatal(err)
		}
		changed := append([]byte(nil), orig...)
		changed[len(changed)-2] ^= 0x01
		_ = os.WriteFile(full, changed, 0o644)
		code, out := verify(dir)
		_ = os.WriteFile(full, orig, 0o644)
		if code != 1 || !strings.Contains(out, f) && f != certpkg.SignatureFile {
			t.Errorf("one byte of %s changed: verify exit %d: %s", f, code, out)
		}
	}
	if cases < 3 {
		t.Fatalf("the package holds %d case files: %v", cases, files)
	}
	if code, out := verify(dir); code != 0 {
		t.Fatalf("the restored package: %s", out)
	}
}

func TestBundledRunIsAVerifiablePackage(t *testing.T) {
	dir := t.TempDir()
	code, out := runIn(t, dir, nil, "run", "--network", "discover", "--out", "r", "--package")
	if code != 0 || !strings.Contains(out, "package signed with a key generated for this run") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	pkg := filepath.Join(dir, "r")
	mustVerify(t, pkg)
	if code, out := verify(pkg + ".zip"); code != 0 {
		t.Fatalf("the zip: %s", out)
	}
	rep, _, err := conformance.ReadPackage(pkg, certpkg.VerifyOptions{}, true)
	if err != nil {
		t.Fatal(err)
	}
	// Every case that ran has its evidence and its reproduce line.
	for _, sc := range rep.Scenarios {
		if sc.Verdict == conformance.Skipped {
			continue
		}
		if len(sc.Exchanges) == 0 || len(sc.Evidence) < 2 || sc.Reproduce == nil || !strings.Contains(sc.Reproduce.Command, "--case "+sc.Case) {
			t.Errorf("%s: %d exchanges, evidence %v, reproduce %+v", sc.Case, len(sc.Exchanges), sc.Evidence, sc.Reproduce)
		}
	}
	r := rep.Run.Record
	if r.Harness.Version == "" || r.Host == "" || r.Expires == "" || len(r.Documents) == 0 || r.Documents[0].Digest == "" || len(r.Settings) == 0 {
		t.Fatalf("run record %+v", r)
	}
	// The certification document of a real run prints to PDF with its
	// matrix and its evidence, and no full card number.
	var masked []string
	for _, sc := range rep.Scenarios {
		for _, x := range sc.Exchanges {
			masked = append(masked, x.Cards...)
		}
	}
	if len(masked) == 0 {
		t.Fatal("no exchange of the run names a card")
	}
	pdfcheck.Check(t, filepath.Join(pkg, "report.html"), false, masked, "Traceability matrix", "DS.card-data", "issuer → simulator", "enrolConsumer", "harness → issuer", "c2pconform run --case DS.")
	// A passed case's reproduce line passes it again, alone.
	for _, sc := range rep.Scenarios {
		if sc.Verdict == conformance.Passed && sc.Reproduce != nil {
			rerun(t, dir, sc)
			break
		}
	}
	// Pinned to another key, the package is refused.
	other, _ := certpkg.GenerateKey()
	_, pub, _ := other.MarshalPEM()
	pubFile := filepath.Join(dir, "other.pub")
	_ = os.WriteFile(pubFile, pub, 0o644)
	if code, out := verify("--public-key", pubFile, pkg); code != 1 || !strings.Contains(out, "not with the expected key") {
		t.Fatalf("another key pinned: exit %d %s", code, out)
	}
	// The flag may follow the package, as the README writes it.
	if code, out := verify(pkg, "--public-key", pubFile); code != 1 || !strings.Contains(out, "not with the expected key") {
		t.Fatalf("another key pinned after the package: exit %d %s", code, out)
	}
}

// An external run (a running simulator, the issuer behind its own driver)
// is a package verify accepts too. The driver here answers 501 for
// automatic enrolment: the issuer does not implement it, which is a finding
// ("not declared by the issuer"), never a crash or a pass.
func TestExternalRunIsAVerifiablePackage(t *testing.T) {
	built(t)
	sim, err := simulator.New(simulator.Options{Networks: []string{"discover"}, Seed: 5, Settings: conformance.DefaultConfig().Settings})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	driverd := filepath.Join(dir, "driverd")
	if out, err := exec.Command("go", "build", "-o", driverd, "github.com/c2psim/c2psim/scenarios/internal/driverd").CombinedOutput(); err != nil {
		t.Fatalf("building driverd: %v\n%s", err, out)
	}
	driverURL, _ := serve(t, func(line string) (string, bool) { return strings.CutPrefix(line, "driverd ready ") },
		driverd, "--simulator", srv.URL, "--networks", "discover", "--own-ids")
	u, _ := url.Parse(driverURL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/enrolments") {
			body, _ := io.ReadAll(r.Body)
			var in struct{ Auto bool }
			if json.Unmarshal(body, &in) == nil && in.Auto {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotImplemented)
				_, _ = w.Write([]byte(`{"error":{"code":"unsupported","message":"automatic enrolment is not implemented"}}`))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	cfg := writeConfig(t, conformance.Config{Target: "external", SimulatorURL: srv.URL, DriverURL: front.URL + u.Path, Networks: []string{"discover"}, Operator: "jane"})
	code, out := runIn(t, dir, nil, "run", "--config", cfg, "--out", "ext")
	if code != 0 {
		t.Fatalf("external run: exit %d\n%s", code, out)
	}
	pkg := filepath.Join(dir, "ext")
	mustVerify(t, pkg)
	rep, _, err := conformance.ReadPackage(pkg, certpkg.VerifyOptions{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run.Target != "external" || rep.Run.Record.Operator != "jane" || rep.Run.Simulator.URL != srv.URL {
		t.Fatalf("run %+v", rep.Run)
	}
	var optOut conformance.Scenario
	for _, sc := range rep.Scenarios {
		if sc.Case == "DS.opt-out-remembered" {
			optOut = sc
		}
	}
	if optOut.Verdict != conformance.Skipped || !strings.HasPrefix(optOut.Reason, "not declared by the issuer") || len(optOut.Exchanges) == 0 {
		t.Fatalf("a 501 for an undeclared operation: %+v", optOut)
	}
	for _, rr := range rep.Requirements {
		if rr.ID == "C2P-LCM-08" && rr.Verdict != conformance.Incomplete {
			t.Fatalf("C2P-LCM-08 is never passed when its case could not run: %+v", rr)
		}
	}
	// An external case's reproduce line names the configuration (the
	// simulator and the driver are in it) and, run as written, gives the
	// same verdict.
	reran := false
	for _, sc := range rep.Scenarios {
		if sc.Case == "DS.consumer-data" {
			reran = true
			if !strings.Contains(sc.Reproduce.Command, "--config "+cfg) {
				t.Fatalf("reproduce line without the configuration: %q", sc.Reproduce.Command)
			}
			if code := rerun(t, dir, sc); code != 0 {
				t.Fatalf("the rerun of a passed external case exits %d", code)
			}
		}
	}
	if !reran {
		t.Fatal("DS.consumer-data is not in the report")
	}
}

// A declared-away optional feature shows its requirements as not
// applicable with the declaration line; a mandatory one cannot be declared
// away, and the run says so.
func TestCapabilityDeclarationScopesTheRun(t *testing.T) {
	dir := t.TempDir()
	caps := filepath.Join(dir, "caps.json")
	_ = os.WriteFile(caps, []byte(`{
  "mastercard": {
    "batch-enrolment": false,
    "token-lifecycle": false
  }
}
`), 0o644)
	code, out := runIn(t, dir, nil, "run", "--network", "mastercard", "--requirement", "MC-ENR-11,C2P-ENR-06,C2P-LCM-05", "--capabilities", "caps.json", "--out", "r")
	if code != 0 || !strings.Contains(out, "DECLARATION REFUSED: mastercard token-lifecycle is mandatory") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	rep, _, err := conformance.ReadPackage(filepath.Join(dir, "r"), certpkg.VerifyOptions{}, true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]conformance.RequirementResult{}
	for _, rr := range rep.Requirements {
		got[rr.ID] = rr
	}
	for _, id := range []string{"MC-ENR-11", "C2P-ENR-06"} {
		if rr := got[id]; rr.Verdict != conformance.NotApplicable || !strings.Contains(strings.Join(rr.Reasons, " "), `caps.json:3 ("batch-enrolment": false)`) {
			t.Errorf("%s: %+v", id, rr)
		}
	}
	if rr := got["C2P-LCM-05"]; rr.Verdict != conformance.Passed || !strings.Contains(strings.Join(rr.Reasons, " "), "mandatory") {
		t.Errorf("C2P-LCM-05 (mandatory) is judged: %+v", rr)
	}
	for _, sc := range rep.Scenarios {
		if sc.Case == "MC.batch-reconciled" && (sc.Verdict != conformance.Skipped || !strings.HasPrefix(sc.Reason, "not applicable")) {
			t.Errorf("the batch case ran: %+v", sc)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "r", "report.html"))
	if !strings.Contains(string(html), "not applicable") || !strings.Contains(string(html), "refused: the feature is mandatory") {
		t.Error("report.html does not show the declaration's effect")
	}
	// Cases named by ID (a reproduce line, a CI job) of which one is not
	// applicable: the run is decided, not incomplete.
	code, out = runIn(t, dir, nil, "run", "--case", "MC.batch-reconciled,MC.consumer-data", "--capabilities", "caps.json", "--out", "cases")
	if code != 0 || !strings.Contains(out, "outcome: passed") {
		t.Fatalf("a not applicable case among the cases asked for: exit %d\n%s", code, out)
	}
}

// A waived failure is waived, never passed, and does not fail the run; an
// expired or a stale waiver fails it. Rerunning a case by its reproduce
// line gives the same verdict.
func TestWaiversAndReproduce(t *testing.T) {
	dir := t.TempDir()
	defect := []string{conformance.EnvDefect + "=retry-terminal"}
	args := []string{"run", "--network", "visa", "--requirement", "C2P-ERR-02", "--seed", "7"}
	write := func(name, expires string, reqs ...string) string {
		var ws []map[string]string
		for _, r := range reqs {
			ws = append(ws, map[string]string{"requirement": r, "network": "visa", "reason": "retries fixed in 4.3", "owner": "jane", "expires": expires})
		}
		b, _ := json.Marshal(ws)
		_ = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		return name
	}
	code, out := runIn(t, dir, defect, append(args, "--out", "plain")...)
	if code != 1 {
		t.Fatalf("the defect did not fail the run: exit %d\n%s", code, out)
	}
	plain, _, err := conformance.ReadPackage(filepath.Join(dir, "plain"), certpkg.VerifyOptions{}, true)
	if err != nil {
		t.Fatal(err)
	}
	var failedReqs []string
	var failedCase conformance.Scenario
	for _, rr := range plain.Requirements {
		if rr.Verdict == conformance.Failed {
			failedReqs = append(failedReqs, rr.ID)
		}
	}
	for _, sc := range plain.Scenarios {
		if sc.Verdict == conformance.Failed && failedCase.Case == "" {
			failedCase = sc
		}
	}
	if len(failedReqs) == 0 || failedCase.Reproduce == nil {
		t.Fatalf("nothing failed: %+v", plain.Requirements)
	}

	code, out = runIn(t, dir, defect, append(args, "--out", "waived", "--waivers", write("w.json", "2099-12-31", failedReqs...))...)
	if code != 0 || !strings.Contains(out, "waived:") {
		t.Fatalf("waived failures failed the run: exit %d\n%s", code, out)
	}
	waived, _, _ := conformance.ReadPackage(filepath.Join(dir, "waived"), certpkg.VerifyOptions{}, true)
	for _, rr := range waived.Requirements {
		if contains(failedReqs, rr.ID) && rr.Verdict != conformance.Waived {
			t.Errorf("a waived failure is %s: %+v", rr.Verdict, rr)
		}
	}
	if waived.Summary["visa"].Waived != 1 || waived.Summary["visa"].Passed != 0 || waived.MustFailed != 0 {
		t.Errorf("summary %+v, MUST failed %d", waived.Summary["visa"], waived.MustFailed)
	}
	code, out = runIn(t, dir, defect, append(args, "--out", "expired", "--waivers", write("old.json", "2020-01-31", failedReqs...))...)
	if code != 1 || !strings.Contains(out, "WAIVER EXPIRED") {
		t.Fatalf("an expired waiver: exit %d\n%s", code, out)
	}
	code, out = runIn(t, dir, nil, append(args, "--out", "stale", "--waivers", write("stale.json", "2099-12-31", "C2P-ERR-02"))...)
	if code != 1 || !strings.Contains(out, "WAIVER STALE") {
		t.Fatalf("a stale waiver: exit %d\n%s", code, out)
	}

	// The failed case's reproduce line, run as written, fails it again.
	if code := rerun(t, dir, failedCase); code != 1 {
		t.Fatalf("the rerun of a failed case exits %d", code)
	}
}

// rerun runs a case's reproduce line as written in dir and checks that it
// ran that case alone, with the same verdict; it returns the exit code.
func rerun(t *testing.T, dir string, want conformance.Scenario) int {
	t.Helper()
	line := strings.Fields(want.Reproduce.Command)
	var env []string
	for len(line) > 0 && strings.Contains(line[0], "=") {
		env, line = append(env, line[0]), line[1:]
	}
	if len(line) < 2 || line[0] != "c2pconform" || line[1] != "run" {
		t.Fatalf("reproduce line %q", want.Reproduce.Command)
	}
	code, out := runIn(t, dir, env, line[1:]...)
	again, _, err := conformance.ReadPackage(filepath.Join(dir, "rerun-"+want.Case), certpkg.VerifyOptions{}, true)
	if err != nil {
		t.Fatalf("rerun (exit %d): %v\n%s", code, err, out)
	}
	ran := 0
	for _, sc := range again.Scenarios {
		if sc.Verdict != conformance.Skipped {
			ran++
			if sc.Case != want.Case || sc.Verdict != want.Verdict {
				t.Errorf("rerun: %s %s, want %s %s", sc.Case, sc.Verdict, want.Case, want.Verdict)
			}
		}
	}
	if ran != 1 {
		t.Fatalf("the rerun of %s ran %d cases", want.Case, ran)
	}
	return code
}

// report merge verifies every shard before it merges: one changed byte in
// a shard refuses the merge, naming the shard and the file; the merged
// package is signed and verifies.
func TestMergeVerifiesShards(t *testing.T) {
	dir := t.TempDir()
	key, _ := certpkg.GenerateKey()
	shard := func(name, network, cs string) string {
		r := &conformance.Report{Format: conformance.ReportFormat, Run: conformance.RunInfo{ID: "run", Target: "bundled", Version: "v", ConfigDigest: "d",
			Selection: conformance.Selection{Networks: []string{network}, Cases: []string{cs}}, Started: time.Now(), Finished: time.Now()},
			Scenarios: []conformance.Scenario{{Case: cs, Network: network, Verdict: conformance.Passed, Requirements: []string{"C2P-ENR-01"},
				Exchanges: []conformance.Exchange{{N: 1, Flow: conformance.FlowHarnessIssuer, Method: "POST", URL: "http://127.0.0.1:1/driver/enrolments", Status: 200}}}}}
		r.Recompute()
		p := filepath.Join(dir, name)
		if err := conformance.WritePackage(p, r, key, time.Now()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := shard("a", "visa", "VI.consumer-data"), shard("b", "discover", "DS.consumer-data")
	var out bytes.Buffer
	if code := run([]string{"report", "merge", "--out", filepath.Join(dir, "m"), a, b}, &out, &out); code == 2 {
		t.Fatalf("merge: exit %d\n%s", code, out.String())
	}
	mustVerify(t, filepath.Join(dir, "m"))
	merged, _, _ := conformance.ReadPackage(filepath.Join(dir, "m"), certpkg.VerifyOptions{}, true)
	if len(merged.Scenarios) != 2 || len(merged.Scenarios[1].Exchanges) != 1 {
		t.Fatalf("merged cases %+v", merged.Scenarios)
	}
	// Each shard's cases stay in the merged selection: the second shard's
	// requirement is judged as it was there.
	for _, rr := range merged.Requirements {
		if rr.ID == "C2P-ENR-01" && (rr.Network == "visa" || rr.Network == "discover") && (!rr.InScope || rr.Verdict != conformance.Passed) {
			t.Errorf("merged %s on %s: in scope %v, %s", rr.ID, rr.Network, rr.InScope, rr.Verdict)
		}
	}
	if merged.Summary["discover"].Passed != 1 || merged.Summary["visa"].Passed != 1 {
		t.Errorf("merged summary %+v", merged.Summary)
	}
	f := filepath.Join(b, "cases", "DS.consumer-data", "exchanges.json")
	raw, _ := os.ReadFile(f)
	_ = os.WriteFile(f, bytes.Replace(raw, []byte("200"), []byte("201"), 1), 0o644)
	out.Reset()
	code := run([]string{"report", "merge", "--out", filepath.Join(dir, "m2"), a, b}, &out, &out)
	if code != 2 || !strings.Contains(out.String(), "refused") || !strings.Contains(out.String(), "cases/DS.consumer-data/exchanges.json") {
		t.Fatalf("a changed shard: exit %d\n%s", code, out.String())
	}
}

// A report past its expiry fails verify, which says so; --allow-stale
// checks the files only.
func TestStaleReportFailsVerify(t *testing.T) {
	key, _ := certpkg.GenerateKey()
	r := &conformance.Report{Format: conformance.ReportFormat, Run: conformance.RunInfo{ID: "run", Target: "bundled", Version: "v",
		Record: conformance.RunRecord{ValidDays: 90, Expires: "2020-03-31"}, Started: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}
	r.Recompute()
	pkg := filepath.Join(t.TempDir(), "old")
	if err := conformance.WritePackage(pkg, r, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, out := verify(pkg); code != 1 || !strings.Contains(out, "STALE: the report held until 2020-03-31") {
		t.Fatalf("a stale report: exit %d\n%s", code, out)
	}
	if code, out := verify(pkg, "--allow-stale"); code != 0 || !strings.Contains(out, "stale: the report held until 2020-03-31") {
		t.Fatalf("a stale report with --allow-stale: exit %d\n%s", code, out)
	}
}
