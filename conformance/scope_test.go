package conformance

import (
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/conformance/declaration"
)

func declared(t *testing.T, caps, waivers string) RunInfo {
	t.Helper()
	run := RunInfo{ID: "r", Version: "t", Target: "bundled", ConfigDigest: "d", Selection: Selection{Networks: []string{"mastercard", "visa"}},
		Started: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), Finished: time.Date(2026, 3, 10, 9, 5, 0, 0, time.UTC), Record: RunRecord{ValidDays: 30}}
	if caps != "" {
		c, err := declaration.ParseCapabilities("caps.json", []byte(caps))
		if err != nil {
			t.Fatal(err)
		}
		run.Capabilities = c
	}
	if waivers != "" {
		w, err := declaration.ParseWaivers("waivers.json", []byte(waivers))
		if err != nil {
			t.Fatal(err)
		}
		run.Waivers = w
	}
	return run
}

func result(r *Report, key string) RequirementResult {
	for _, rr := range r.Requirements {
		if rr.ID+"@"+rr.Network == key {
			return rr
		}
	}
	return RequirementResult{}
}

// A declared-away optional feature makes its requirements not applicable,
// with the declaration line as the reason; a mandatory one cannot be
// declared away.
func TestDeclarationMakesRequirementsNotApplicable(t *testing.T) {
	run := declared(t, `{
  "mastercard": {
    "batch-enrolment": false,
    "pre-digitization": false
  }
}`, "")
	r := &Report{Format: ReportFormat, Run: run, Scenarios: []Scenario{
		sc("MC.batch-reconciled", "mastercard", Skipped, "C2P-ENR-06", "MC-ENR-11"),
		sc("MC.declines-stranger", "mastercard", Failed, "MC-NTF-02"),
		sc("MC.enrol", "mastercard", Passed, "C2P-ENR-01"),
	}}
	r.Recompute()
	mc11 := result(r, "MC-ENR-11@mastercard")
	if mc11.Verdict != NotApplicable || len(mc11.Reasons) != 1 || !strings.Contains(mc11.Reasons[0], `caps.json:3 ("batch-enrolment": false)`) {
		t.Fatalf("MC-ENR-11: %+v", mc11)
	}
	ntf := result(r, "MC-NTF-02@mastercard")
	if ntf.Verdict != Failed || !strings.Contains(strings.Join(ntf.Reasons, " "), "mandatory") {
		t.Fatalf("a mandatory feature's requirement declared away is judged, and says so: %+v", ntf)
	}
	if len(r.Declaration.Refused) != 1 || !strings.Contains(r.Declaration.Refused[0], "caps.json:4") {
		t.Fatalf("the run says the mandatory feature cannot be declared away: %v", r.Declaration.Refused)
	}
	if r.Summary["mastercard"].NotApplicable < 2 || r.ExitCode != 1 {
		t.Fatalf("summary %+v, exit %d", r.Summary["mastercard"], r.ExitCode)
	}
	if r.Run.Record.Expires != "2026-04-09" {
		t.Errorf("expires %q, want 30 days after the run finished", r.Run.Record.Expires)
	}
}

const waiverFile = `[
  {"requirement": "C2P-ERR-03", "network": "visa", "reason": "constant delay until 4.3", "owner": "jane", "expires": "2026-06-30"},
  {"requirement": "C2P-ERR-02", "case": "VI.expired-card-terminal", "reason": "fixed in 4.3", "owner": "bob", "expires": "2026-06-30"}
]`

func TestWaivedFailuresAreNeverPassedAndDoNotFailTheRun(t *testing.T) {
	r := &Report{Format: ReportFormat, Run: declared(t, "", waiverFile), Scenarios: []Scenario{
		sc("VI.backoff-grows", "visa", Failed, "C2P-ERR-03"),
		sc("VI.expired-card-terminal", "visa", Failed, "C2P-ENR-09", "C2P-ERR-02"),
		sc("VI.terminal-refusal", "visa", Passed, "C2P-ERR-02"),
	}}
	r.Run.Selection.Networks = []string{"visa"}
	r.Recompute()
	if v := result(r, "C2P-ERR-03@visa"); v.Verdict != Waived || !strings.Contains(v.Reasons[0], "waived until 2026-06-30 by jane") {
		t.Fatalf("C2P-ERR-03: %+v", v)
	}
	if v := result(r, "C2P-ERR-02@visa"); v.Verdict != Waived {
		t.Fatalf("C2P-ERR-02 fails only in the waived case: %+v", v)
	}
	if v := result(r, "C2P-ENR-09@visa"); v.Verdict != Failed {
		t.Fatalf("a failure no waiver names stays failed: %+v", v)
	}
	if r.MustFailed != 1 || r.Summary["visa"].Waived != 2 || r.ExitCode != 1 {
		t.Fatalf("mustFailed %d, summary %+v, exit %d", r.MustFailed, r.Summary["visa"], r.ExitCode)
	}
	// Without the unwaived failure the run passes.
	r.Scenarios = r.Scenarios[:1]
	r.Scenarios = append(r.Scenarios, sc("VI.expired-card-terminal", "visa", Failed, "C2P-ERR-02"))
	r.Run.Selection.Requirements = []string{"C2P-ERR-02", "C2P-ERR-03"}
	r.Recompute()
	if r.ExitCode != 0 || r.Outcome != "passed" {
		t.Fatalf("waived failures fail the run: exit %d %s %+v", r.ExitCode, r.Outcome, r.WaiverUses)
	}
	for _, u := range r.WaiverUses {
		if u.Status != WaiverApplied {
			t.Errorf("%s: %s", u.Waiver, u.Status)
		}
	}
}

func TestExpiredAndStaleWaiversFailTheRun(t *testing.T) {
	run := declared(t, "", `[
  {"requirement": "C2P-ERR-03", "network": "visa", "reason": "r", "owner": "o", "expires": "2026-03-09"},
  {"requirement": "C2P-ERR-04", "network": "visa", "reason": "r", "owner": "o", "expires": "2026-12-31"},
  {"requirement": "MC-SEC-01", "reason": "r", "owner": "o", "expires": "2026-12-31"}
]`)
	run.Selection.Networks = []string{"visa"}
	r := &Report{Format: ReportFormat, Run: run, Scenarios: []Scenario{
		sc("VI.backoff-grows", "visa", Failed, "C2P-ERR-03"),
		sc("VI.unknown-fields-tolerated", "visa", Passed, "C2P-ERR-04"),
	}}
	r.Recompute()
	status := map[string]string{}
	for _, u := range r.WaiverUses {
		status[u.Requirement] = u.Status
	}
	if status["C2P-ERR-03"] != WaiverExpired || status["C2P-ERR-04"] != WaiverStale || status["MC-SEC-01"] != WaiverOutOfScope {
		t.Fatalf("statuses %v", status)
	}
	if v := result(r, "C2P-ERR-03@visa"); v.Verdict != Failed || !strings.Contains(strings.Join(v.Reasons, " "), "expired on 2026-03-09") {
		t.Fatalf("an expired waiver accepts nothing: %+v", v)
	}
	if r.ExitCode != 1 || r.Outcome != "failed" {
		t.Fatalf("exit %d %s", r.ExitCode, r.Outcome)
	}
	// The stale one alone fails the run too.
	r.Run.Waivers.List = r.Run.Waivers.List[1:2]
	r.Scenarios = r.Scenarios[1:]
	r.Recompute()
	if r.ExitCode != 1 {
		t.Fatalf("a stale waiver did not fail the run: %d %+v", r.ExitCode, r.WaiverUses)
	}
}

// A driver's 501 is a finding, not a crash: for an undeclared optional
// feature the case did not run (never passed); for a mandatory feature, or
// one the declaration claims, it fails, saying why.
func TestDriver501IsAFinding(t *testing.T) {
	caps, _ := declaration.ParseCapabilities("caps.json", []byte(`{"visa": {"enrol-existing": true}}`))
	unsupported := func(op string) Scenario {
		s := sc("VI.x", "visa", Failed, "VI-ENR-16")
		s.Failure = &Failure{Message: "Expected success"}
		s.Exchanges = []Exchange{{Flow: FlowHarnessIssuer, Method: "POST", URL: "http://127.0.0.1:1/driver/enrolments", Operation: op, Status: 501}}
		return s
	}
	s := unsupported("enrol.auto")
	judgeUnsupported(&s, nil)
	if s.Verdict != Skipped || !strings.HasPrefix(s.Reason, "not declared by the issuer") || !strings.Contains(s.Reason, "auto-enrolment") {
		t.Fatalf("an optional feature not declared: %+v", s)
	}
	s = unsupported("enrol.existing")
	judgeUnsupported(&s, caps)
	if s.Verdict != Failed || !strings.Contains(s.Reason, "caps.json:1") {
		t.Fatalf("a declared feature answered 501: %+v", s)
	}
	s = unsupported("enrol")
	judgeUnsupported(&s, nil)
	if s.Verdict != Failed || !strings.Contains(s.Reason, "mandatory") {
		t.Fatalf("a mandatory feature answered 501: %+v", s)
	}
}
