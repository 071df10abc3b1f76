package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance/declaration"
	"github.com/c2psim/c2psim/conformance/requirements"
)

// ReportFormat names the shape of report.json; merge refuses another.
const ReportFormat = "c2psim-conformance/2"

// Verdict of a case or of a requirement on one network.
type Verdict string

// Verdicts. A requirement on a network is passed only when every case
// selected for it ran and passed; a harness error is never a failure.
const (
	Passed     Verdict = "passed"
	Failed     Verdict = "failed"
	Error      Verdict = "error"       // the harness could not judge: driver or simulator unreachable, a contract violation, a harness bug
	Skipped    Verdict = "skipped"     // a case that did not run (its reason says why)
	Incomplete Verdict = "incomplete"  // a requirement some of whose cases did not run
	NotCovered Verdict = "not covered" // a requirement no case proves on that network
	// Waived is a failed requirement a waiver in force accepts: never
	// passed, and it does not fail the run.
	Waived Verdict = "waived"
	// NotApplicable is a requirement that applies only to a feature the
	// capability declaration says the issuer does not implement.
	NotApplicable Verdict = "not applicable"
)

// Scenario is one case's outcome.
type Scenario struct {
	Case           string   `json:"case"` // e.g. VI.enrol-complete
	Name           string   `json:"name"`
	Network        string   `json:"network"`
	Requirements   []string `json:"requirements"`
	SimulatorCheck bool     `json:"simulatorCheck,omitempty"`
	Verdict        Verdict  `json:"verdict"`
	// Reason says why a case was skipped or could not be judged.
	Reason     string   `json:"reason,omitempty"`
	Failure    *Failure `json:"failure,omitempty"`
	Location   string   `json:"location,omitempty"` // the It
	DurationMs int64    `json:"durationMs"`
	// Evidence lists the case's evidence files in the package
	// (cases/<case>/...), for every case that ran.
	Evidence []string `json:"evidence,omitempty"`
	// Exchanges are the case's timeline: the driver calls and the
	// simulator's journal entries it made, in time order, masked. In a
	// written package they live in the case's evidence files.
	Exchanges     []Exchange `json:"exchanges,omitempty"`
	EvidenceNotes []string   `json:"evidenceNotes,omitempty"`
	// Reproduce reruns this case alone.
	Reproduce *Reproduce `json:"reproduce,omitempty"`
}

// Failure is why a case failed (or errored), card numbers masked.
type Failure struct {
	Message  string `json:"message"`
	Location string `json:"location,omitempty"` // the failing line
}

// RequirementResult is one requirement on one network.
type RequirementResult struct {
	ID         string             `json:"id"`
	Network    string             `json:"network"`
	Level      requirements.Level `json:"level"`
	Area       requirements.Area  `json:"area"`
	Title      string             `json:"title"` // the network's statement
	Rule       string             `json:"rule"`  // the rule in network-neutral words
	Source     string             `json:"source,omitempty"`
	Documented bool               `json:"documented"`
	// InScope is false for a requirement the run's selection did not ask
	// for but one of whose cases ran; it does not decide the exit code.
	InScope bool     `json:"inScope"`
	Verdict Verdict  `json:"verdict"`
	Reasons []string `json:"reasons,omitempty"`
	Cases   []string `json:"cases"`
}

// Counts of requirement verdicts (in scope), each verdict on its own.
type Counts struct {
	Passed        int `json:"passed"`
	Failed        int `json:"failed"`
	Waived        int `json:"waived"`
	NotApplicable int `json:"notApplicable"`
	Error         int `json:"error"`
	Incomplete    int `json:"incomplete"`
	NotCovered    int `json:"notCovered"`
}

func (c *Counts) add(v Verdict) {
	switch v {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	case Waived:
		c.Waived++
	case NotApplicable:
		c.NotApplicable++
	case Error:
		c.Error++
	case Incomplete:
		c.Incomplete++
	default:
		c.NotCovered++
	}
}

// Selection is what a run asked for. Empty fields select everything.
type Selection struct {
	Networks     []string `json:"networks"`
	Level        string   `json:"level,omitempty"`        // must | should
	Requirements []string `json:"requirements,omitempty"` // IDs
	Cases        []string `json:"cases,omitempty"`        // case IDs
	LabelFilter  string   `json:"labelFilter,omitempty"`
}

// inScope reports whether the selection asks for requirement r on n,
// whose cases are cases.
func (s Selection) inScope(r *requirements.Requirement, n string, cases []Scenario) bool {
	if !slices.Contains(s.Networks, n) {
		return false
	}
	if s.Level != "" && !strings.EqualFold(s.Level, string(r.Level)) {
		return false
	}
	if len(s.Cases) > 0 && !slices.ContainsFunc(cases, func(sc Scenario) bool { return slices.Contains(s.Cases, sc.Case) }) {
		return false
	}
	return len(s.Requirements) == 0 || slices.Contains(s.Requirements, r.ID)
}

// RunInfo says what ran, against what, and how.
type RunInfo struct {
	ID         string    `json:"id"` // shards of one run share it
	Shard      string    `json:"shard,omitempty"`
	Version    string    `json:"version"` // c2psim
	Target     string    `json:"target"`
	Selection  Selection `json:"selection"`
	Seed       int64     `json:"seed"`       // the bundled simulator's
	GinkgoSeed int64     `json:"ginkgoSeed"` // spec order
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	// Defect names the deliberate issuer defect of a mutation test run;
	// empty for every real run.
	Defect string `json:"defect,omitempty"`
	// ConfigDigest identifies the configuration apart from the selection
	// (target, URLs, seed, settings): shards of one run share it.
	ConfigDigest string          `json:"configDigest"`
	SUT          SystemUnderTest `json:"systemUnderTest"`
	Simulator    SimulatorInfo   `json:"simulator"`
	// Record is the run record: the harness and simulator builds, the
	// documents and settings, host, operator and expiry.
	Record RunRecord `json:"record"`
	// Capabilities and Waivers are what the team declared for the run.
	Capabilities *declaration.Capabilities `json:"capabilities,omitempty"`
	Waivers      *declaration.Waivers      `json:"waivers,omitempty"`
}

// SystemUnderTest is the issuer system, as its driver describes itself.
type SystemUnderTest struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
}

func (s SystemUnderTest) String() string {
	out := strings.TrimSpace(s.Name + " " + s.Version)
	if s.Vendor != "" && !strings.Contains(s.Name, s.Vendor) {
		out = strings.TrimSpace(out + " (" + s.Vendor + ")")
	}
	return out
}

// SimulatorInfo is the simulator the run used, as it reports itself.
type SimulatorInfo struct {
	URL       string `json:"url,omitempty"` // external target
	Version   string `json:"version"`
	Seed      int64  `json:"seed"`
	StartedAt string `json:"startedAt,omitempty"`
}

func (s SimulatorInfo) String() string {
	return fmt.Sprintf("%s c2psim %s seed %d started %s", s.URL, s.Version, s.Seed, s.StartedAt)
}

// Report is the canonical result of a run; junit.xml and report.html are
// views of it.
type Report struct {
	Format       string              `json:"format"`
	Run          RunInfo             `json:"run"`
	Summary      map[string]Counts   `json:"summary"` // by network, plus "total"
	Requirements []RequirementResult `json:"requirements"`
	Scenarios    []Scenario          `json:"scenarios"`
	// Errors are harness errors of the run as a whole (configuration,
	// preflight, reports): they make it exit 2.
	Errors []string `json:"errors,omitempty"`
	// Notes are what the harness did to the target before the first case
	// (a reset, callback registrations).
	Notes []string `json:"notes,omitempty"`
	// Declaration is what the capability declaration did: the lines the
	// program does not allow to take effect.
	Declaration declaration.Scope `json:"declaration"`
	// WaiverUses says, for every waiver, what it did in this run.
	WaiverUses []WaiverUse `json:"waiverUses,omitempty"`
	// Signature describes the key that signed the package.
	Signature *Signature `json:"signature,omitempty"`
	// MustFailed counts MUST requirements that failed on some network
	// (a waived failure is not counted).
	MustFailed int `json:"mustFailed"`
	// Outcome is passed, failed, incomplete or error; ExitCode the CLI's.
	Outcome  string `json:"outcome"`
	ExitCode int    `json:"exitCode"`
}

// NothingRan is the run error of a run in which no case ran: never a pass.
const NothingRan = "no case ran: the selection chose none, or every selected case was skipped"

// evidenceEntry is the ginkgo report entry name carrying masked exchanges;
// harnessEntry marks a case the harness could not judge.
const (
	evidenceEntry = "c2psim-evidence"
	harnessEntry  = "c2psim-harness-error"
)

// Build turns a ginkgo report into the canonical one.
func Build(r types.Report, run RunInfo) *Report {
	out := &Report{Format: ReportFormat, Run: run}
	out.Run.Started, out.Run.Finished = r.StartTime, r.EndTime
	out.Run.GinkgoSeed = r.SuiteConfig.RandomSeed
	out.Run.Selection.LabelFilter = r.SuiteConfig.LabelFilter
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				// BeforeSuite, AfterSuite or a report node failed: the harness's problem.
				out.Errors = append(out.Errors, fmt.Sprintf("%s: %s", s.LeafNodeType, pan.RedactText(s.Failure.Message)))
			}
			continue
		}
		sc := scenarioOf(s, out.Run.Selection)
		judgeUnsupported(&sc, out.Run.Capabilities)
		out.Scenarios = append(out.Scenarios, sc)
	}
	if !r.SuiteSucceeded && len(r.SpecialSuiteFailureReasons) > 0 {
		for _, reason := range r.SpecialSuiteFailureReasons {
			if !strings.Contains(reason, "Detected Programmatic Focus") {
				out.Errors = append(out.Errors, pan.RedactText(reason))
			}
		}
	}
	out.Recompute()
	return out
}

func scenarioOf(s types.SpecReport, sel Selection) Scenario {
	l := readLabels(s.Labels())
	sc := Scenario{Case: l.Case, Name: s.FullText(), Network: l.Network, Requirements: l.Requirements, SimulatorCheck: l.SimulatorCheck,
		DurationMs: s.RunTime.Milliseconds(), Location: s.LeafNodeLocation.String()}
	if sc.Requirements == nil {
		sc.Requirements = []string{}
	}
	harness := ""
	for _, e := range s.ReportEntries {
		switch e.Name {
		case evidenceEntry:
			var ev caseEvidenceEntry
			if json.Unmarshal([]byte(e.StringRepresentation()), &ev) == nil {
				sc.Exchanges = append(sc.Exchanges, ev.Exchanges...)
				sc.EvidenceNotes = append(sc.EvidenceNotes, ev.Notes...)
			}
		case harnessEntry:
			harness = pan.RedactText(e.StringRepresentation())
		}
	}
	msg := pan.RedactText(s.Failure.Message)
	switch {
	case s.State.Is(types.SpecStatePassed):
		sc.Verdict = Passed
	case s.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		sc.Verdict, sc.Reason = Skipped, msg
		if sc.Reason == "" {
			sc.Reason = skipReason(sc, sel)
		}
	case harness != "":
		sc.Verdict, sc.Reason = Error, harness
		sc.Failure = &Failure{Message: msg, Location: s.Failure.Location.String()}
	case s.State.Is(types.SpecStatePanicked):
		sc.Verdict, sc.Reason = Error, "the harness panicked: "+msg
		sc.Failure = &Failure{Message: msg, Location: s.Failure.Location.String()}
	case s.State.Is(types.SpecStateInterrupted | types.SpecStateAborted):
		sc.Verdict, sc.Reason = Error, "the run was interrupted or aborted: "+msg
		sc.Failure = &Failure{Message: msg, Location: s.Failure.Location.String()}
	default:
		sc.Verdict = Failed
		sc.Failure = &Failure{Message: msg, Location: s.Failure.Location.String()}
	}
	return sc
}

// skipReason explains a case ginkgo did not run without a message: the
// run's selection left it out.
func skipReason(sc Scenario, sel Selection) string {
	if sc.Network != "" && !slices.Contains(sel.Networks, sc.Network) {
		return fmt.Sprintf("network %s is not under test", sc.Network)
	}
	if sel.LabelFilter != "" {
		return "not selected by the label filter " + sel.LabelFilter
	}
	return "not selected"
}

// Recompute derives every requirement's verdict on every network under test
// from the cases, the capability declaration and the waivers, then the
// summary, the outcome and the exit code.
func (out *Report) Recompute() {
	out.Summary = map[string]Counts{}
	out.Requirements = nil
	out.MustFailed = 0
	out.Declaration = out.Run.Capabilities.Scope()
	if r := &out.Run.Record; r.ValidDays > 0 && !out.Run.Finished.IsZero() {
		r.Expires = Today(out.Run.Finished.AddDate(0, 0, r.ValidDays))
	}
	sel := out.Run.Selection
	byPair := map[string][]Scenario{}
	byCase := map[string]Scenario{}
	for _, sc := range out.Scenarios {
		byCase[sc.Case] = sc
		for _, id := range sc.Requirements {
			byPair[id+"/"+sc.Network] = append(byPair[id+"/"+sc.Network], sc)
		}
	}
	networks := sel.Networks
	if len(out.Scenarios) == 0 && len(out.Errors) > 0 {
		networks = nil // the run never reached a case: no verdict to give
	}
	for _, n := range networks {
		for _, req := range requirements.ForNetwork(requirements.Network(n)) {
			cases := byPair[req.ID+"/"+n]
			scope := sel.inScope(req, n, cases)
			if !scope && !anyRan(cases) {
				continue // neither asked for nor touched
			}
			st, _ := req.On(requirements.Network(n))
			rr := RequirementResult{ID: req.ID, Network: n, Level: req.Level, Area: req.Area, Title: st.Title, Rule: req.Title,
				Source: st.Source, Documented: st.Documented, InScope: scope, Cases: []string{}}
			rr.Verdict, rr.Reasons = rollUp(cases, n)
			for _, sc := range cases {
				rr.Cases = append(rr.Cases, sc.Case)
			}
			applyDeclaration(&rr, out.Declaration)
			out.Requirements = append(out.Requirements, rr)
		}
	}
	out.applyWaivers(byCase)
	total := Counts{}
	for _, n := range networks {
		out.Summary[n] = Counts{}
	}
	for _, rr := range out.Requirements {
		if rr.Verdict == Failed && rr.Level == requirements.Must {
			out.MustFailed++
		}
		if rr.InScope {
			c := out.Summary[rr.Network]
			c.add(rr.Verdict)
			out.Summary[rr.Network] = c
			total.add(rr.Verdict)
		}
	}
	out.Summary["total"] = total
	if out.Ran() == 0 && len(out.Errors) == 0 {
		out.Errors = append(out.Errors, NothingRan)
	}
	sort.SliceStable(out.Requirements, func(i, j int) bool {
		a, b := out.Requirements[i], out.Requirements[j]
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Network < b.Network
	})
	out.Outcome, out.ExitCode = out.outcome()
}

func anyRan(cases []Scenario) bool {
	for _, sc := range cases {
		if sc.Verdict != Skipped {
			return true
		}
	}
	return false
}

// rollUp: a failure wins, then a harness error; any case that did not run
// makes the requirement incomplete; no case at all is not covered.
func rollUp(cases []Scenario, network string) (Verdict, []string) {
	if len(cases) == 0 {
		return NotCovered, []string{"no case proves it on " + network}
	}
	var failed, errored, skipped []string
	for _, sc := range cases {
		switch sc.Verdict {
		case Failed:
			failed = append(failed, sc.Case+" failed")
		case Error:
			errored = append(errored, sc.Case+": "+sc.Reason)
		case Skipped:
			skipped = append(skipped, sc.Case+" did not run: "+sc.Reason)
		}
	}
	switch {
	case len(failed) > 0:
		return Failed, failed
	case len(errored) > 0:
		return Error, errored
	case len(skipped) > 0:
		return Incomplete, skipped
	}
	var ran []string
	for _, sc := range cases {
		ran = append(ran, sc.Case)
	}
	return Passed, []string{"passed in " + strings.Join(ran, ", ")}
}

// outcome: 2 for a harness error or a run where nothing ran, 1 when a MUST
// failed or a MUST in scope is not proven (incomplete or not covered),
// else 0.
func (out *Report) outcome() (string, int) {
	for _, sc := range out.Scenarios {
		if sc.Verdict == Error {
			return "error", 2
		}
	}
	if len(out.Errors) > 0 || out.Ran() == 0 {
		return "error", 2
	}
	if out.MustFailed > 0 || out.waiverProblems() > 0 {
		return "failed", 1
	}
	if cs := out.Run.Selection.Cases; len(cs) > 0 {
		// A rerun of some cases is judged by those cases.
		outcome, code := "passed", 0
		for _, sc := range out.Scenarios {
			switch {
			case !slices.Contains(cs, sc.Case):
			case sc.Verdict == Failed && !out.accepted(sc):
				return "failed", 1
			case sc.Verdict == Skipped && !out.allNotApplicable(sc):
				// A case the declaration takes out of scope is decided;
				// any other that did not run leaves the rerun incomplete.
				outcome, code = "incomplete", 1
			}
		}
		return outcome, code
	}
	for _, r := range out.Requirements {
		if r.InScope && r.Level == requirements.Must && (r.Verdict == Incomplete || r.Verdict == NotCovered) {
			return "incomplete", 1
		}
	}
	return "passed", 0
}

// accepted reports whether every requirement a failed case proves on its
// network is waived or not applicable.
func (out *Report) accepted(sc Scenario) bool {
	for _, rr := range out.Requirements {
		if rr.Network == sc.Network && slices.Contains(sc.Requirements, rr.ID) && rr.Verdict != Waived && rr.Verdict != NotApplicable {
			return false
		}
	}
	return len(sc.Requirements) > 0
}

// allNotApplicable reports whether every requirement sc proves on its
// network is not applicable (the capability declaration took it out).
func (out *Report) allNotApplicable(sc Scenario) bool {
	for _, rr := range out.Requirements {
		if rr.Network == sc.Network && slices.Contains(sc.Requirements, rr.ID) && rr.Verdict != NotApplicable {
			return false
		}
	}
	return len(sc.Requirements) > 0
}

// Ran counts the cases that ran (whatever their verdict).
func (out *Report) Ran() int {
	n := 0
	for _, sc := range out.Scenarios {
		if sc.Verdict != Skipped {
			n++
		}
	}
	return n
}
