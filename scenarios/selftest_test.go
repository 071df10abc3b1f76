package scenarios_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/conformance"
)

// TestHarnessCanFail runs this suite in a child process against an issuer
// with a deliberate defect and checks that exactly the requirements the
// defect breaks fail: a harness that cannot fail proves nothing.
func TestHarnessCanFail(t *testing.T) {
	if os.Getenv(conformance.EnvDefect) != "" {
		t.Skip("already the child run")
	}
	if testing.Short() {
		t.Skip("runs the suite again in a child process")
	}
	for _, c := range []struct {
		defect, network, want string
	}{
		// Every refusal marked retryable: terminal errors are sent again.
		{"retry-terminal", "visa", "C2P-ENR-09@visa C2P-ERR-01@visa C2P-ERR-02@visa"},
		// Every network call gets a new event ID: redeliveries are applied again.
		{"mc-duplicate-events", "mastercard", "C2P-LCM-12@mastercard C2P-NTF-05@mastercard MC-NTF-03@mastercard"},
	} {
		t.Run(c.defect, func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command("go", "test", "-count=1", "-run", "^TestConformance$", ".")
			cmd.Env = append(os.Environ(), conformance.EnvDefect+"="+c.defect, "C2P_OUT="+out, "C2P_NETWORKS="+c.network)
			log, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed against an issuer with defect %s:\n%s", c.defect, log)
			}
			raw, rerr := os.ReadFile(filepath.Join(out, "report.json"))
			if rerr != nil {
				t.Fatalf("no report from the child run (%v):\n%s", rerr, log)
			}
			var rep conformance.Report
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range rep.Requirements {
				if r.Verdict == conformance.Failed {
					failed = append(failed, r.ID+"@"+r.Network)
				}
			}
			sort.Strings(failed)
			if got := strings.Join(failed, " "); got != c.want {
				t.Fatalf("failed requirements = %s, want %s", got, c.want)
			}
			if rep.MustFailed == 0 {
				t.Fatal("the report does not count the failed MUST requirements")
			}
		})
	}
}
