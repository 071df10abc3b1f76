package conformance

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/c2psim/c2psim/client/pan"
)

// Write saves report.json, report.html and junit.xml into dir. All three
// are views of rep and pass through pan.RedactText on the way out, so no
// full card number reaches a file whatever a case's message held.
func Write(dir string, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	files := map[string]func() ([]byte, error){
		"report.json": func() ([]byte, error) { return json.MarshalIndent(rep, "", "  ") },
		"report.html": func() ([]byte, error) { return renderHTML(rep) },
		"junit.xml":   func() ([]byte, error) { return renderJUnit(rep) },
	}
	for name, render := range files {
		b, err := render()
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), []byte(pan.RedactText(string(b))), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// ReadReport reads a report.json (or the one in a folder).
func ReadReport(path string) (*Report, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "report.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Format != ReportFormat {
		return nil, fmt.Errorf("%s: format %q is not %s (written by another c2pconform version)", path, r.Format, ReportFormat)
	}
	return &r, nil
}

// JUnit, one testsuite per network, one testcase per case.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func renderJUnit(rep *Report) ([]byte, error) {
	byNet := map[string]*junitSuite{}
	root := junitSuites{Name: "c2psim conformance (" + rep.Run.Target + ")"}
	suite := func(n string) *junitSuite {
		if n == "" {
			n = "run"
		}
		if s, ok := byNet[n]; ok {
			return s
		}
		s := &junitSuite{Name: n}
		byNet[n] = s
		return s
	}
	// A run error still shows in a CI dashboard: as an errored testcase.
	for i, e := range rep.Errors {
		s := suite("run")
		s.Tests++
		s.Errors++
		s.Cases = append(s.Cases, junitCase{Name: fmt.Sprintf("run error %d", i+1), Classname: "c2pconform",
			Error: &junitMessage{Message: firstLine(e), Type: "harness", Text: e}})
	}
	for _, sc := range rep.Scenarios {
		s := suite(sc.Network)
		s.Tests++
		secs := float64(sc.DurationMs) / 1000
		s.Time += secs
		c := junitCase{Name: "[" + sc.Case + "] " + sc.Name, Classname: sc.Network, Time: secs}
		switch sc.Verdict {
		case Failed:
			s.Failures++
			c.Failure = &junitMessage{Message: firstLine(failureText(sc)), Type: "failed", Text: failureText(sc) + "\nrequirements: " + strings.Join(sc.Requirements, ", ")}
		case Error:
			s.Errors++
			c.Error = &junitMessage{Message: firstLine(sc.Reason), Type: "harness", Text: sc.Reason + "\n" + failureText(sc)}
		case Skipped:
			s.Skipped++
			c.Skipped = &junitMessage{Message: sc.Reason}
		}
		s.Cases = append(s.Cases, c)
	}
	names := make([]string, 0, len(byNet))
	for n := range byNet {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := byNet[n]
		if c, ok := rep.Summary[n]; ok {
			s.Properties = append(s.Properties,
				junitProperty{"requirements.passed", fmt.Sprint(c.Passed)}, junitProperty{"requirements.failed", fmt.Sprint(c.Failed)},
				junitProperty{"requirements.error", fmt.Sprint(c.Error)}, junitProperty{"requirements.incomplete", fmt.Sprint(c.Incomplete)},
				junitProperty{"requirements.notCovered", fmt.Sprint(c.NotCovered)})
		}
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
		root.Time += s.Time
		root.Suites = append(root.Suites, *s)
	}
	b, err := xml.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func failureText(sc Scenario) string {
	if sc.Failure == nil {
		return ""
	}
	if sc.Failure.Location != "" {
		return sc.Failure.Message + "\nat " + sc.Failure.Location
	}
	return sc.Failure.Message
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func renderHTML(rep *Report) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlReport.Execute(&b, rep); err != nil {
		return nil, fmt.Errorf("rendering report.html: %w", err)
	}
	return b.Bytes(), nil
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"json": func(v any) string { b, _ := json.MarshalIndent(v, "", "  "); return string(b) },
	"unjudged": func(scs []Scenario) []Scenario {
		var out []Scenario
		for _, s := range scs {
			if s.Verdict == Failed || s.Verdict == Error {
				out = append(out, s)
			}
		}
		return out
	},
	"skipped": func(scs []Scenario) []Scenario {
		var out []Scenario
		for _, s := range scs {
			if s.Verdict == Skipped {
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
	"class": func(v Verdict) string { return strings.ReplaceAll(string(v), " ", "-") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>c2psim conformance report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#1d2433;margin:0;background:#f7f8fa}
header{background:#14213d;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d3e6}
main{padding:16px 24px;display:grid;gap:18px}section{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:12px 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #dde2ea;vertical-align:top}
th{font-size:12px;color:#5b6577;text-transform:uppercase}.passed{color:#11773d;font-weight:600}.failed,.error{color:#b42318;font-weight:600}
.incomplete,.skipped,.not-covered{color:#9a6700;font-weight:600}.out{color:#5b6577}code,pre{font-family:ui-monospace,monospace;font-size:12px}
pre{white-space:pre-wrap;background:#f7f8fa;padding:8px;border-radius:6px;max-height:420px;overflow:auto}
.banner{background:#fff4e5;border-color:#f5c16c}
</style></head><body>
<header><h1>Click to Pay issuer conformance</h1>
<p>c2psim {{.Run.Version}} · target {{.Run.Target}} · networks {{range .Run.Selection.Networks}}{{.}} {{end}}· outcome <b>{{.Outcome}}</b> (exit {{.ExitCode}}) · run {{.Run.ID}}{{with .Run.Shard}} shard {{.}}{{end}} · simulator seed {{.Run.Seed}} · ginkgo seed {{.Run.GinkgoSeed}}{{with .Run.Selection.LabelFilter}} · filter <code>{{.}}</code>{{end}} · {{.Run.Started.Format "2006-01-02 15:04:05 MST"}}</p></header>
<main>
{{with .Run.Defect}}<section class="banner"><b>Mutation test run</b>: the bundled issuer was built with the deliberate defect <code>{{.}}</code>. This is not a conformance result.</section>{{end}}
{{if .Errors}}<section id="errors" class="banner"><h2>Harness errors</h2><p>The harness could not judge this run; nothing here is a finding about the issuer.</p>{{range .Errors}}<pre>{{.}}</pre>{{end}}</section>{{end}}
<section id="summary"><h2>Summary</h2><table><thead><tr><th>network</th><th>passed</th><th>failed</th><th>error</th><th>incomplete</th><th>not covered</th></tr></thead><tbody>
{{range $n := networks .Summary}}{{with index $.Summary $n}}<tr><td>{{$n}}</td><td class="passed">{{.Passed}}</td><td class="failed">{{.Failed}}</td><td class="error">{{.Error}}</td><td class="incomplete">{{.Incomplete}}</td><td class="not-covered">{{.NotCovered}}</td></tr>{{end}}{{end}}
{{with index .Summary "total"}}<tr><th>total</th><th>{{.Passed}}</th><th>{{.Failed}}</th><th>{{.Error}}</th><th>{{.Incomplete}}</th><th>{{.NotCovered}}</th></tr>{{end}}
</tbody></table><p>MUST requirements failed: <b>{{.MustFailed}}</b>. A requirement passes on a network only when every case selected for it ran and passed there.</p></section>
<section id="matrix"><h2>Traceability matrix</h2><table><thead><tr><th>requirement</th><th>network</th><th>level</th><th>rule · as the network states it</th><th>cases</th><th>verdict</th></tr></thead><tbody>
{{range .Requirements}}<tr{{if not .InScope}} class="out"{{end}}><td><code>{{.ID}}</code>{{if .Source}}<br><a href="{{.Source}}">source</a>{{end}}<br><small>{{if .Documented}}documented{{else}}inferred{{end}}</small></td><td>{{.Network}}</td><td>{{.Level}}</td>
<td>{{.Rule}}<br><small>{{.Title}}</small></td><td>{{range .Cases}}<div><code>{{.}}</code></div>{{end}}</td>
<td class="{{class .Verdict}}">{{.Verdict}}{{if not .InScope}}<br><small>outside the selection</small>{{end}}{{range .Reasons}}<br><small>{{.}}</small>{{end}}</td></tr>
{{end}}</tbody></table></section>
<section id="failures"><h2>Failures, errors and evidence</h2>
{{range unjudged .Scenarios}}<details open><summary class="{{class .Verdict}}">[{{.Case}}] {{.Name}} — {{.Verdict}}</summary>
<p>{{range .Requirements}}<code>{{.}}</code> {{end}} · {{.Location}}</p>{{with .Reason}}<p>{{.}}</p>{{end}}{{with .Failure}}<pre>{{.Message}}{{with .Location}}
at {{.}}{{end}}</pre>{{end}}
{{if .Evidence}}<p>Exchanges (card numbers masked):</p><pre>{{json .Evidence}}</pre>{{end}}</details>{{else}}<p>None.</p>{{end}}
</section>
<section id="skipped"><h2>Cases that did not run</h2><table><thead><tr><th>case</th><th>name</th><th>why</th></tr></thead><tbody>
{{range skipped .Scenarios}}<tr><td><code>{{.Case}}</code></td><td>{{.Name}}</td><td>{{.Reason}}</td></tr>{{else}}<tr><td colspan="3">None.</td></tr>{{end}}
</tbody></table></section></main></body></html>
`))
