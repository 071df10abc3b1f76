package conformance

import (
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// Verdict of a scenario or requirement.
type Verdict string

// Verdicts. A requirement with no scenario is never passed.
const (
	Passed     Verdict = "passed"
	Failed     Verdict = "failed"
	Skipped    Verdict = "skipped"
	NotCovered Verdict = "not covered"
)

// Scenario is one ginkgo spec's outcome.
type Scenario struct {
	Name         string          `json:"name"`
	Requirements []string        `json:"requirements"`
	Network      string          `json:"network"`
	Verdict      Verdict         `json:"verdict"`
	DurationMs   int64           `json:"durationMs"`
	Failure      string          `json:"failure,omitempty"`
	Location     string          `json:"location,omitempty"`
	Evidence     []journal.Entry `json:"evidence,omitempty"`
}

// RequirementResult is a requirement with its scenarios and verdict.
type RequirementResult struct {
	requirements.Requirement
	Verdict   Verdict  `json:"verdict"`
	Scenarios []string `json:"scenarios"`
}

// Report is the canonical result of a run; JUnit and HTML are views of it.
type Report struct {
	Version      string              `json:"version"`
	Target       string              `json:"target"`
	Networks     []string            `json:"networks"`
	Seed         int64               `json:"seed"`
	Started      time.Time           `json:"started"`
	Finished     time.Time           `json:"finished"`
	Summary      map[string]Counts   `json:"summary"` // by network ("all" for C2P), plus "total"
	Requirements []RequirementResult `json:"requirements"`
	Scenarios    []Scenario          `json:"scenarios"`
	// MustFailed counts MUST requirements that failed: the run's exit code.
	MustFailed int `json:"mustFailed"`
}

// Counts of requirement verdicts.
type Counts struct {
	Passed     int `json:"passed"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	NotCovered int `json:"notCovered"`
}

func (c *Counts) add(v Verdict) {
	switch v {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	case Skipped:
		c.Skipped++
	default:
		c.NotCovered++
	}
}

// evidenceEntry is the ginkgo report entry name carrying masked exchanges.
const evidenceEntry = "c2psim-evidence"

// Build turns a ginkgo report into the canonical one, for the requirements
// of the networks under test.
func Build(r types.Report, target string, networks []string, seed int64) *Report {
	out := &Report{Version: simulator.Version, Target: target, Networks: networks, Seed: seed,
		Started: r.StartTime, Finished: r.EndTime, Summary: map[string]Counts{}}
	byReq := map[string][]Scenario{}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		sc := Scenario{Name: s.FullText(), Requirements: RequirementsOf(s.Labels()), DurationMs: s.RunTime.Milliseconds(),
			Location: s.LeafNodeLocation.String()}
		for _, l := range s.Labels() {
			if n, ok := strings.CutPrefix(l, "net:"); ok {
				sc.Network = n
			}
		}
		switch {
		case s.State.Is(types.SpecStatePassed):
			sc.Verdict = Passed
		case s.State.Is(types.SpecStateSkipped | types.SpecStatePending):
			sc.Verdict = Skipped
		default:
			sc.Verdict = Failed
			sc.Failure = pan.RedactText(s.Failure.Message)
		}
		for _, e := range s.ReportEntries {
			if e.Name == evidenceEntry {
				var entries []journal.Entry
				if json.Unmarshal([]byte(e.StringRepresentation()), &entries) == nil {
					sc.Evidence = append(sc.Evidence, entries...)
				}
			}
		}
		out.Scenarios = append(out.Scenarios, sc)
		for _, id := range sc.Requirements {
			byReq[id] = append(byReq[id], sc)
		}
	}
	selected := map[string]bool{}
	for _, n := range networks {
		selected[n] = true
	}
	out.rollUpRequirements(byReq, selected)
	return out
}

// rollUpRequirements gives every catalog requirement of the selected
// networks (and every cross-network one) its verdict over the scenarios that
// prove it, and counts the summary.
func (out *Report) rollUpRequirements(byReq map[string][]Scenario, selected map[string]bool) {
	total := Counts{}
	for _, req := range requirements.All() {
		if req.Network != "" && !selected[req.Network] {
			continue
		}
		rr := RequirementResult{Requirement: req, Verdict: rollUp(byReq[req.ID]), Scenarios: []string{}}
		for _, sc := range byReq[req.ID] {
			rr.Scenarios = append(rr.Scenarios, sc.Name)
		}
		c := out.Summary[req.NetworkLabel()]
		c.add(rr.Verdict)
		out.Summary[req.NetworkLabel()] = c
		total.add(rr.Verdict)
		if rr.Verdict == Failed && req.Level == requirements.Must {
			out.MustFailed++
		}
		out.Requirements = append(out.Requirements, rr)
	}
	out.Summary["total"] = total
}

// rollUp: failure wins; all skipped is skipped; nothing is not covered.
func rollUp(scs []Scenario) Verdict {
	if len(scs) == 0 {
		return NotCovered
	}
	v := Skipped
	for _, s := range scs {
		switch s.Verdict {
		case Failed:
			return Failed
		case Passed:
			v = Passed
		}
	}
	return v
}

// Write saves report.json, report.html and junit.xml into dir.
func Write(dir string, ginkgoReport types.Report, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "report.json"), rep); err != nil {
		return err
	}
	if err := writeHTML(filepath.Join(dir, "report.html"), rep); err != nil {
		return err
	}
	return reporters.GenerateJUnitReportWithConfig(ginkgoReport, filepath.Join(dir, "junit.xml"),
		reporters.JunitReportConfig{OmitTimelinesForSpecState: types.SpecStatePassed, OmitLeafNodeType: true})
}

func writeJSON(path string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func writeHTML(path string, rep *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := htmlReport.Execute(f, rep); err != nil {
		return fmt.Errorf("rendering report.html: %w", err)
	}
	return nil
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"json": func(v any) string { b, _ := json.MarshalIndent(v, "", "  "); return string(b) },
	"failures": func(scs []Scenario) []Scenario {
		var out []Scenario
		for _, s := range scs {
			if s.Verdict == Failed {
				out = append(out, s)
			}
		}
		return out
	},
	"networks": func(m map[string]Counts) []string {
		var out []string
		for k := range m {
			if k != "total" {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return out
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>c2psim conformance report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#1d2433;margin:0;background:#f7f8fa}
header{background:#14213d;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d3e6}
main{padding:16px 24px;display:grid;gap:18px}section{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:12px 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #dde2ea;vertical-align:top}
th{font-size:12px;color:#5b6577;text-transform:uppercase}.passed{color:#11773d;font-weight:600}.failed{color:#b42318;font-weight:600}
.skipped,.not{color:#9a6700;font-weight:600}code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{white-space:pre-wrap;background:#f7f8fa;padding:8px;border-radius:6px;max-height:420px;overflow:auto}
</style></head><body>
<header><h1>Click to Pay issuer conformance</h1>
<p>c2psim {{.Version}} · target {{.Target}} · networks {{range .Networks}}{{.}} {{end}}· seed {{.Seed}} · {{.Started.Format "2006-01-02 15:04:05 MST"}}</p></header>
<main>
<section id="summary"><h2>Summary</h2><table><thead><tr><th>network</th><th>passed</th><th>failed</th><th>skipped</th><th>not covered</th></tr></thead><tbody>
{{range $n := networks .Summary}}{{with index $.Summary $n}}<tr><td>{{$n}}</td><td class="passed">{{.Passed}}</td><td class="failed">{{.Failed}}</td><td class="skipped">{{.Skipped}}</td><td class="not">{{.NotCovered}}</td></tr>{{end}}{{end}}
{{with index .Summary "total"}}<tr><th>total</th><th>{{.Passed}}</th><th>{{.Failed}}</th><th>{{.Skipped}}</th><th>{{.NotCovered}}</th></tr>{{end}}
</tbody></table><p>MUST requirements failed: <b>{{.MustFailed}}</b></p></section>
<section id="matrix"><h2>Traceability matrix</h2><table><thead><tr><th>requirement</th><th>level</th><th>title</th><th>scenarios</th><th>verdict</th></tr></thead><tbody>
{{range .Requirements}}<tr><td><code>{{.ID}}</code>{{if .Source}}<br><a href="{{.Source}}">source</a>{{end}}{{if not .Documented}}<br><small>inferred</small>{{end}}</td><td>{{.Level}}</td><td>{{.Title}}</td>
<td>{{range .Scenarios}}<div>{{.}}</div>{{end}}</td><td class="{{if eq .Verdict "not covered"}}not{{else}}{{.Verdict}}{{end}}">{{.Verdict}}</td></tr>
{{end}}</tbody></table></section>
<section id="failures"><h2>Failures and evidence</h2>
{{range failures .Scenarios}}<details open><summary class="failed">{{.Name}}</summary>
<p>{{range .Requirements}}<code>{{.}}</code> {{end}} · {{.Location}}</p><pre>{{.Failure}}</pre>
{{if .Evidence}}<p>Exchanges (card numbers masked):</p><pre>{{json .Evidence}}</pre>{{end}}</details>{{else}}<p>None.</p>{{end}}
</section></main></body></html>
`))
