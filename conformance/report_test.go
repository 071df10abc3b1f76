package conformance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func shard(id string, nets []string, scs ...Scenario) *Report {
	r := &Report{Format: ReportFormat, Run: RunInfo{ID: id, Version: "t", Target: "bundled", ConfigDigest: "d",
		Selection: Selection{Networks: nets}}, Scenarios: scs}
	r.Recompute()
	return r
}

func sc(cs, net string, v Verdict, reqs ...string) Scenario {
	return Scenario{Case: cs, Name: cs, Network: net, Verdict: v, Requirements: reqs}
}

func verdicts(r *Report) map[string]Verdict {
	out := map[string]Verdict{}
	for _, rr := range r.Requirements {
		out[rr.ID+"@"+rr.Network] = rr.Verdict
	}
	return out
}

func TestVerdictsPerNetwork(t *testing.T) {
	r := shard("r1", []string{"visa", "discover"},
		sc("VI.a", "visa", Passed, "C2P-ENR-01"),
		sc("VI.b", "visa", Passed, "C2P-ERR-03"),
		sc("VI.c", "visa", Skipped, "C2P-ERR-03"),
		sc("DS.a", "discover", Failed, "C2P-ENR-01"),
		sc("DS.e", "discover", Error, "DS-SEC-08"),
	)
	v := verdicts(r)
	for k, want := range map[string]Verdict{
		"C2P-ENR-01@visa": Passed, "C2P-ENR-01@discover": Failed, // one verdict per network, from its own cases
		"C2P-ERR-03@visa":    Incomplete, // a skipped case is no credit
		"DS-SEC-08@discover": Error, "C2P-ENR-02@visa": NotCovered,
	} {
		if v[k] != want {
			t.Errorf("%s = %q, want %q", k, v[k], want)
		}
	}
	if _, ok := v["MC-SEC-01@mastercard"]; ok {
		t.Error("a network not under test has verdicts")
	}
	if r.ExitCode != 2 || r.Outcome != "error" {
		t.Errorf("a harness error must make the run exit 2, got %d %s", r.ExitCode, r.Outcome)
	}
	ok := shard("r2", []string{"visa"}, sc("VI.a", "visa", Failed, "C2P-ENR-01"))
	if ok.ExitCode != 1 || ok.MustFailed != 1 {
		t.Errorf("a failed MUST exits 1: %d, %d", ok.ExitCode, ok.MustFailed)
	}
	empty := shard("r3", []string{"visa"}, sc("VI.a", "visa", Skipped, "C2P-ENR-01"))
	if empty.ExitCode != 2 || len(empty.Errors) == 0 {
		t.Errorf("a run where nothing ran exits 2 and says why: %d %v", empty.ExitCode, empty.Errors)
	}
}

func TestSelectionScopesTheExitCode(t *testing.T) {
	r := &Report{Format: ReportFormat, Run: RunInfo{Selection: Selection{Networks: []string{"visa"}, Requirements: []string{"C2P-ENR-09"}}},
		Scenarios: []Scenario{sc("VI.x", "visa", Passed, "C2P-ENR-09", "C2P-ERR-02"), sc("VI.y", "visa", Skipped, "C2P-ERR-02")}}
	r.Recompute()
	var err02 *RequirementResult
	for i, rr := range r.Requirements {
		if rr.ID == "C2P-ERR-02" {
			err02 = &r.Requirements[i]
		}
	}
	if err02 == nil || err02.Verdict != Incomplete || err02.InScope {
		t.Fatalf("a requirement touched outside the selection is incomplete and out of scope: %+v", err02)
	}
	if r.ExitCode != 0 {
		t.Fatalf("the selected requirement passed: exit %d", r.ExitCode)
	}
}

func TestMergeRollsUpAcrossShardsOfOneRun(t *testing.T) {
	a := shard("run", []string{"visa"}, sc("VI.enrol", "visa", Passed, "C2P-ENR-01"), sc("DS.enrol", "discover", Skipped, "C2P-ENR-01"))
	a.Run.Shard = "1/2"
	b := shard("run", []string{"discover"}, sc("VI.enrol", "visa", Skipped, "C2P-ENR-01"), sc("DS.enrol", "discover", Failed, "C2P-ENR-01"))
	b.Run.Shard = "2/2"
	m, warnings, err := Merge([]*Report{a, b, a})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "counted once") {
		t.Errorf("a shard given twice is counted once, with a warning: %v", warnings)
	}
	v := verdicts(m)
	if v["C2P-ENR-01@visa"] != Passed || v["C2P-ENR-01@discover"] != Failed || m.MustFailed != 1 || len(m.Scenarios) != 2 {
		t.Fatalf("merged: %v, mustFailed %d, %d cases", v, m.MustFailed, len(m.Scenarios))
	}
	if _, _, err := Merge(nil); err == nil {
		t.Fatal("merging nothing succeeded")
	}
}

func TestMergeRefusesShardsOfDifferentRuns(t *testing.T) {
	bundled := shard("a", []string{"visa"}, sc("VI.x", "visa", Passed, "C2P-ENR-01"))
	external := shard("b", []string{"discover"}, sc("DS.x", "discover", Passed, "C2P-ENR-01"))
	external.Run.Target = "external"
	external.Run.SUT = SystemUnderTest{Name: "acme issuer"}
	if _, _, err := Merge([]*Report{bundled, external}); err == nil || !strings.Contains(err.Error(), "target") || !strings.Contains(err.Error(), "system under test") {
		t.Fatalf("a forged merge was not refused with its reasons: %v", err)
	}
	again := shard("c", []string{"visa"}, sc("VI.x", "visa", Failed, "C2P-ENR-01"))
	if _, _, err := Merge([]*Report{bundled, again}); err == nil || !strings.Contains(err.Error(), "must not overlap") {
		t.Fatalf("overlapping shards were merged: %v", err)
	}
}

// Every artefact is written redacted, whatever a case's message held.
func TestWrittenReportsAreRedacted(t *testing.T) {
	r := shard("x", []string{"visa"}, Scenario{Case: "VI.leak", Network: "visa", Verdict: Failed, Requirements: []string{"C2P-SEC-10"},
		Failure: &Failure{Message: "saw 4111111145551140 in a header"}, Exchanges: []Exchange{{Seq: 1, URL: "/visa?pan=4111111145551140"}}})
	dir := t.TempDir()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"junit.xml", "report.json", "report.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "4111111145551140") {
			t.Errorf("%s holds the full card number", f)
		}
		if !strings.Contains(string(b), "411111******1140") {
			t.Errorf("%s lost the masked card number", f)
		}
	}
}

// The HTML report is opened in headless Chromium, as a certification team
// would open it, and must render the summary, the matrix and the evidence.
func TestHTMLReportRendersInChromium(t *testing.T) {
	bin := ""
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (.ci/run installs it)")
		}
		t.Skip("chromium is not installed")
	}
	rep := shard("h", []string{"visa"},
		sc("VI.enrol", "visa", Passed, "C2P-ENR-01"),
		Scenario{Case: "VI.terminal", Name: "never retries terminal refusals", Network: "visa", Requirements: []string{"C2P-ERR-02"}, Verdict: Failed,
			Failure: &Failure{Message: "a terminal error was retried"}, Exchanges: []Exchange{{N: 1, Seq: 7, Flow: FlowIssuerSimulator, Network: "visa", Operation: "enrollData", Status: 400, Cards: []string{"400000******0034"}}}},
		Scenario{Case: "VI.unknown", Name: "tolerates unknown fields", Network: "visa", Requirements: []string{"C2P-ERR-04"}, Verdict: Skipped, Reason: "setting off: visa.unknownFields=false"},
	)
	dir := t.TempDir()
	if err := Write(dir, rep); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+filepath.Join(dir, "report.html")).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{`id="matrix"`, "C2P-ENR-01", "C2P-ERR-02", "not covered", "incomplete", "never retries terminal refusals",
		"400000******0034", "MUST requirements failed: <b>1</b>", "setting off: visa.unknownFields=false", "VI.terminal"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered report lacks %q", want)
		}
	}
	if strings.Count(dom, "<tr") < 20 {
		t.Errorf("the traceability matrix rendered %d rows", strings.Count(dom, "<tr"))
	}
}

// Each thing that makes two shards parts of different runs is refused on
// its own, named in the refusal; the same shard given twice is counted
// once.
func TestMergeRefusesEachDifference(t *testing.T) {
	for what, change := range map[string]func(*RunInfo){
		"target":               func(r *RunInfo) { r.Target = "external" },
		"c2psim version":       func(r *RunInfo) { r.Version = "t2" },
		"c2pconform build":     func(r *RunInfo) { r.Record.Harness.Revision = "0123456789ab" },
		"configuration digest": func(r *RunInfo) { r.ConfigDigest = "other" },
		"system under test":    func(r *RunInfo) { r.SUT = SystemUnderTest{Name: "acme issuer", Version: "2"} },
		"simulator":            func(r *RunInfo) { r.Simulator.Seed = 99 },
		"deliberate defect":    func(r *RunInfo) { r.Defect = "retry-terminal" },
		"level":                func(r *RunInfo) { r.Selection.Level = "must" },
	} {
		a := shard("run", []string{"visa"}, sc("VI.x", "visa", Passed, "C2P-ENR-01"))
		a.Run.Shard = "1/2"
		b := shard("run", []string{"discover"}, sc("DS.x", "discover", Passed, "C2P-ENR-01"))
		b.Run.Shard = "2/2"
		if _, _, err := Merge([]*Report{a, b}); err != nil {
			t.Fatalf("two shards of one run: %v", err)
		}
		change(&b.Run)
		m, _, err := Merge([]*Report{a, b})
		if err == nil || !strings.Contains(err.Error(), what) {
			t.Errorf("shards differing in their %s: merged (%v), err %v", what, m != nil, err)
		}
	}
	a := shard("run", []string{"visa"}, sc("VI.x", "visa", Failed, "C2P-ENR-01"))
	m, warnings, err := Merge([]*Report{a, a, a})
	if err != nil || len(warnings) != 2 || m.MustFailed != 1 || len(m.Scenarios) != 1 {
		t.Fatalf("a shard given three times: err %v, warnings %v, %+v", err, warnings, m)
	}
}

// A failed case keeps the line that failed (inside a step, say), not only
// its It, in report.json and junit.xml.
func TestFailureKeepsTheFailingLine(t *testing.T) {
	it := types.CodeLocation{FileName: "/src/scenarios/discover/scenarios.go", LineNumber: 38}
	failing := types.CodeLocation{FileName: "/src/scenarios/steps/steps.go", LineNumber: 271}
	g := types.Report{SuiteSucceeded: false, SpecReports: types.SpecReports{{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: "carries the consumer's names", LeafNodeLocation: it,
		LeafNodeLabels: []string{"case:DS.consumer-data", "net:discover", "req:C2P-ENR-01"},
		State:          types.SpecStateFailed, Failure: types.Failure{Message: "firstName must be the consumer's first name", Location: failing},
	}}}
	r := Build(g, RunInfo{ID: "x", Target: "bundled", Selection: Selection{Networks: []string{"discover"}}})
	dir := t.TempDir()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Scenarios) != 1 || back.Scenarios[0].Failure == nil {
		t.Fatalf("report.json: %+v", back.Scenarios)
	}
	sc := back.Scenarios[0]
	if sc.Failure.Location != failing.String() || sc.Location != it.String() || sc.Verdict != Failed {
		t.Fatalf("report.json has failure at %q and the It at %q, want %q and %q", sc.Failure.Location, sc.Location, failing, it)
	}
	junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if !strings.Contains(string(junit), failing.String()) {
		t.Fatalf("junit.xml lost the failing line:\n%s", junit)
	}
}

// Shards that each ran some cases (CI jobs split by case) are judged
// together by all their cases: one shard's selection does not take the
// others' requirements out of scope.
func TestMergeJudgesEveryShardsCases(t *testing.T) {
	a := shard("a", []string{"discover"}, sc("DS.consumer-data", "discover", Passed, "C2P-ENR-01"))
	a.Run.Selection.Cases = []string{"DS.consumer-data"}
	b := shard("b", []string{"visa"}, sc("VI.consumer-data", "visa", Failed, "C2P-ENR-01"))
	b.Run.Selection.Cases = []string{"VI.consumer-data"}
	m, _, err := Merge([]*Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if v := verdicts(m); v["C2P-ENR-01@visa"] != Failed || m.MustFailed != 1 || m.ExitCode != 1 {
		t.Fatalf("merged: %v, mustFailed %d, exit %d, selection %+v", v, m.MustFailed, m.ExitCode, m.Run.Selection)
	}
	if got := strings.Join(m.Run.Selection.Cases, ","); got != "DS.consumer-data,VI.consumer-data" {
		t.Fatalf("merged selection of cases %q", got)
	}
	c := shard("c", []string{"visa"}, sc("VI.other", "visa", Passed, "C2P-ENR-02"))
	if m, _, err = Merge([]*Report{a, c}); err != nil || m.Run.Selection.Cases != nil {
		t.Fatalf("a shard selecting every case: merged selection %+v, %v", m.Run.Selection, err)
	}
}

// The system under test reads as its name and version, with its vendor
// when the name does not already say it.
func TestSystemUnderTestString(t *testing.T) {
	for _, tc := range []struct {
		sut  SystemUnderTest
		want string
	}{
		{SystemUnderTest{Name: "Issuer Hub", Version: "4.2", Vendor: "ACME"}, "Issuer Hub 4.2 (ACME)"},
		{SystemUnderTest{Name: "c2psim bundled issuer client", Version: "0.1.0", Vendor: "c2psim"}, "c2psim bundled issuer client 0.1.0"},
		{SystemUnderTest{Name: "acme issuer"}, "acme issuer"},
		{SystemUnderTest{}, ""},
	} {
		if got := tc.sut.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.sut, got, tc.want)
		}
	}
}
