package conformance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/simulator/journal"
)

func shard(net string, scs ...Scenario) Report {
	return Report{Version: "t", Target: "bundled", Networks: []string{net}, Scenarios: scs}
}

func TestMergeRollsUpAcrossShards(t *testing.T) {
	a := shard("visa",
		Scenario{Name: "enrols", Requirements: []string{"VI-ENR-01"}, Verdict: Passed},
		Scenario{Name: "pan safe on visa", Requirements: []string{"C2P-SEC-10"}, Verdict: Passed})
	b := shard("discover",
		Scenario{Name: "tokens", Requirements: []string{"DS-SEC-08"}, Verdict: Passed},
		Scenario{Name: "pan safe on discover", Requirements: []string{"C2P-SEC-10"}, Verdict: Failed, Failure: "PAN 644564******6445 leaked"})
	m, err := Merge([]Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	verdict := map[string]Verdict{}
	for _, r := range m.Requirements {
		verdict[r.ID] = r.Verdict
	}
	if verdict["VI-ENR-01"] != Passed || verdict["DS-SEC-08"] != Passed || verdict["C2P-SEC-10"] != Failed || verdict["VI-ENR-02"] != NotCovered {
		t.Fatalf("verdicts = %v", verdict)
	}
	if verdict["MC-SEC-01"] != "" {
		t.Fatal("a network no shard tested appears in the merged report")
	}
	if m.MustFailed != 1 || len(m.Networks) != 2 {
		t.Fatalf("mustFailed %d, networks %v", m.MustFailed, m.Networks)
	}
	if _, err := Merge(nil); err == nil {
		t.Fatal("merging nothing succeeded")
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
	rep, _ := Merge([]Report{shard("visa",
		Scenario{Name: "enrols a consumer", Requirements: []string{"VI-ENR-01"}, Verdict: Passed},
		Scenario{Name: "never retries terminal refusals", Requirements: []string{"VI-ERR-02"}, Verdict: Failed,
			Failure: "a terminal error was retried", Evidence: []journal.Entry{{Seq: 7, Network: "visa", OperationID: "enrollData", Status: 400, Cards: []string{"400000******0034"}}}},
	)})
	dir := t.TempDir()
	if err := WriteMerged(dir, rep); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+filepath.Join(dir, "report.html")).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{`id="matrix"`, "VI-ENR-01", "VI-ERR-02", "not covered", "never retries terminal refusals", "400000******0034", "MUST requirements failed: <b>1</b>"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered report lacks %q", want)
		}
	}
	if strings.Count(dom, "<tr>") < 20 {
		t.Errorf("the traceability matrix rendered %d rows", strings.Count(dom, "<tr>"))
	}
}
