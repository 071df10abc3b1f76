package conformance

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
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
		"report.json": func() ([]byte, error) { return json.MarshalIndent(rep.withoutExchanges(), "", "  ") },
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
	return decodeReport(path, b)
}

func decodeReport(path string, b []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Format != ReportFormat {
		return nil, fmt.Errorf("%s: format %q is not %s (written by another c2pconform version)", path, r.Format, ReportFormat)
	}
	return &r, nil
}

// withoutExchanges is rep for report.json: each case's exchanges are in
// its evidence files, which report.json names.
func (rep *Report) withoutExchanges() *Report {
	out := *rep
	out.Scenarios = make([]Scenario, len(rep.Scenarios))
	for i, sc := range rep.Scenarios {
		sc.Exchanges = nil
		out.Scenarios[i] = sc
	}
	return &out
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
				junitProperty{"requirements.waived", fmt.Sprint(c.Waived)}, junitProperty{"requirements.notApplicable", fmt.Sprint(c.NotApplicable)},
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
