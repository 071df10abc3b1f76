package conformance

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance/certpkg"
	"github.com/c2psim/c2psim/conformance/internal/pdfcheck"
	"github.com/c2psim/c2psim/simulator/journal"
)

// fullCard is a card number a leaking issuer put everywhere it could.
const fullCard = "4111111145551140"

func evidenced() *Report {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	ok := &journal.Verdict{OK: true}
	rep := &Report{Format: ReportFormat, Run: RunInfo{ID: "p1", Version: "t", Target: "bundled", ConfigDigest: "d", Seed: 1, GinkgoSeed: 42,
		Selection: Selection{Networks: []string{"visa"}}, Started: t0, Finished: t0.Add(time.Minute), SUT: SystemUnderTest{Name: "acme issuer", Version: "4.2"},
		Record: RunRecord{ValidDays: 90, Host: "ci-7", Operator: "jane", Harness: BuildInfo{Version: "t"}}},
		Scenarios: []Scenario{
			{Case: "VI.enrol-complete", Name: "enrols a consumer", Network: "visa", Verdict: Passed, Requirements: []string{"C2P-ENR-01"},
				Exchanges: []Exchange{
					{N: 1, Flow: FlowHarnessIssuer, Time: t0, Operation: "enrol", Method: "POST", URL: "http://127.0.0.1:9/driver/enrolments", Status: 200,
						RequestBody: `{"card":{"pan":"` + fullCard + `"}}`, Cards: []string{"411111******1140"}},
					{N: 2, Flow: FlowIssuerSimulator, Time: t0.Add(time.Millisecond), Network: "visa", Operation: "enrollData", Method: "POST",
						URL: "/visa/visaIdCredential/v1/enrollData", Status: 202, Seq: 7, Auth: ok, RequestCheck: ok, ResponseCheck: ok,
						RequestPlain: `{"paymentInstruments":[{"accountNumber":"411111******1140"}]}`},
				}},
			{Case: "VI.terminal-refusal", Name: "never retries terminal refusals", Network: "visa", Verdict: Failed, Requirements: []string{"C2P-ERR-02"},
				Failure: &Failure{Message: "a terminal error was retried for " + fullCard},
				Exchanges: []Exchange{{N: 1, Flow: FlowIssuerSimulator, Time: t0, Network: "visa", Operation: "enrollData", Method: "POST",
					URL: "/visa/visaIdCredential/v1/enrollData?pan=" + fullCard, Status: 400, Seq: 9, Fault: "f1"}}},
			{Case: "VI.unknown-fields-tolerated", Name: "tolerates unknown fields", Network: "visa", Verdict: Skipped, Requirements: []string{"C2P-ERR-04"},
				Reason: "setting off: visa.unknownFields=false"},
		}}
	rep.Recompute()
	return rep
}

func sealedPackage(t *testing.T) (string, *certpkg.Key) {
	t.Helper()
	key, err := certpkg.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	if err := WritePackage(dir, evidenced(), key, time.Now()); err != nil {
		t.Fatal(err)
	}
	return dir, key
}

func TestPackageRoundTrip(t *testing.T) {
	dir, key := sealedPackage(t)
	rep, res, err := ReadPackage(dir, certpkg.VerifyOptions{PublicKey: key.Public()}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Signed || rep.Signature == nil || rep.Signature.KeyID != res.Manifest.KeyID {
		t.Fatalf("the report prints the key that signed it: %+v, %+v", rep.Signature, res.Manifest.KeyID)
	}
	enrol := rep.Scenarios[0]
	if len(enrol.Exchanges) != 2 || enrol.Exchanges[1].Seq != 7 {
		t.Fatalf("the evidence comes back from the case files: %+v", enrol.Exchanges)
	}
	want := []string{"cases/VI.enrol-complete/case.json", "cases/VI.enrol-complete/exchanges.json", "cases/VI.enrol-complete/timeline.txt"}
	if strings.Join(enrol.Evidence, " ") != strings.Join(want, " ") {
		t.Fatalf("evidence files %v", enrol.Evidence)
	}
	if enrol.Reproduce == nil || !strings.Contains(enrol.Reproduce.Command, "c2pconform run --case VI.enrol-complete") ||
		!strings.Contains(enrol.Reproduce.Command, "--seed 42") || !strings.HasPrefix(enrol.Reproduce.Curl, "curl -sS -X POST") {
		t.Fatalf("reproduce %+v", enrol.Reproduce)
	}
	if _, err := os.Stat(filepath.Join(dir, CaseDir("VI.unknown-fields-tolerated"))); err == nil {
		t.Error("a case that did not run has an evidence folder")
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if strings.Contains(string(raw), `"exchanges"`) {
		t.Error("report.json carries the exchanges; they belong in the case files")
	}
	// Writing again into the same folder leaves nothing of the first package.
	_ = os.MkdirAll(filepath.Join(dir, "cases", "XX.old"), 0o755)
	if err := WritePackage(dir, evidenced(), key, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cases", "XX.old")); err == nil {
		t.Error("an earlier package's case survived")
	}
}

// Changing one byte of any file of a package makes it fail verification,
// naming that file.
func TestEveryFileOfAPackageIsSealed(t *testing.T) {
	dir, _ := sealedPackage(t)
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(files) < 9 {
		t.Fatalf("the package holds %v", files)
	}
	for _, f := range files {
		full := filepath.Join(dir, filepath.FromSlash(f))
		orig, _ := os.ReadFile(full)
		changed := append([]byte(nil), orig...)
		changed[len(changed)/2] ^= 0x04
		_ = os.WriteFile(full, changed, 0o644)
		_, _, err := ReadPackage(dir, certpkg.VerifyOptions{}, true)
		var d *certpkg.DifferenceError
		var s *certpkg.SignatureError
		switch {
		case f == certpkg.ManifestFile || f == certpkg.SignatureFile:
			if !errors.As(err, &s) && !errors.As(err, &d) {
				t.Errorf("%s changed: %v", f, err)
			}
		case !errors.As(err, &d) || d.Path != f:
			t.Errorf("%s changed: %v", f, err)
		}
		_ = os.WriteFile(full, orig, 0o644)
	}
	if _, _, err := ReadPackage(dir, certpkg.VerifyOptions{}, true); err != nil {
		t.Fatalf("restored package: %v", err)
	}
}

func TestNoFullCardNumberInAnyFile(t *testing.T) {
	dir, _ := sealedPackage(t)
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), fullCard) || pan.RedactText(string(b)) != string(b) {
			t.Errorf("%s holds a full card number", p)
		}
		return nil
	})
}

// The certification document prints to PDF in headless Chromium; the
// PDF's text holds the cover, the matrix and a case's evidence and
// reproduce line, and no full card number. Under CI both tools must be
// there.
func TestReportPrintsToPDF(t *testing.T) {
	dir, _ := sealedPackage(t)
	pdfcheck.Check(t, filepath.Join(dir, "report.html"), true, []string{pan.Mask(fullCard)},
		"certification report", "acme issuer", "Run record", "Capability declaration", "Traceability matrix",
		"C2P-ENR-01", "C2P-ERR-02", "not covered", "VI.terminal-refusal", "issuer → simulator", "enrollData",
		"c2pconform run --case VI.enrol-complete", "411111******1140", "setting off: visa.unknownFields=false", "jane")
}
