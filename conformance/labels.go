package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/c2psim/c2psim/conformance/requirements"
)

// A case is one scenario run for one network. Its ID is the network's
// prefix and a short slug, e.g. "VI.enrol-complete": stable when the
// English title changes, and what reports, coverage and reruns use. A
// scenario shared by several networks has the same slug on each.

// Label keys on every case.
const (
	labelCase  = "case:"
	labelNet   = "net:"
	labelReq   = "req:"
	labelLevel = "level:"
	// LabelSimulatorCheck marks a case that plays a misbehaving client
	// straight against the simulator: no issuer can fail it, so it proves no
	// requirement.
	LabelSimulatorCheck = "simulator-check"
)

// CaseTimeout bounds one case, cleanup included.
const CaseTimeout = 3 * time.Minute

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

var (
	mistakesMu sync.Mutex
	mistakes   []error
	caseIDs    = map[string]bool{}
)

// CaseID is the ID of a scenario slug on a network.
func CaseID(n requirements.Network, slug string) string { return n.Prefix() + "." + slug }

// Case decorates a scenario run for network n with its case ID and the
// requirements it proves: labels case:<ID>, net:<network>, req:<ID>... and
// level:must|should, plus CaseTimeout (the body takes a SpecContext).
// Mistakes (an unknown network or requirement, one that does not apply to
// n, the same one twice, a malformed or repeated case ID) are recorded and
// reported by CheckCatalog before any spec runs, every one at once.
func Case(n requirements.Network, slug string, rs ...*requirements.Requirement) []any {
	labels := caseLabels(n, slug)
	if len(rs) == 0 {
		record(fmt.Errorf("case %s proves no requirement (use SimulatorCheck for a simulator check)", CaseID(n, slug)))
	}
	seen := map[string]bool{}
	level := requirements.Should
	for _, r := range rs {
		if r == nil {
			record(fmt.Errorf("case %s: nil requirement", CaseID(n, slug)))
			continue
		}
		if known, ok := requirements.Lookup(r.ID); !ok || known != r {
			record(fmt.Errorf("case %s: unknown requirement %q", CaseID(n, slug), r.ID))
			continue
		}
		if !r.AppliesTo(n) {
			record(fmt.Errorf("case %s: %s does not apply to %s (it applies to %v)", CaseID(n, slug), r.ID, n, r.Networks))
		}
		if seen[r.ID] {
			record(fmt.Errorf("case %s: requirement %s given twice", CaseID(n, slug), r.ID))
		}
		seen[r.ID] = true
		labels = append(labels, labelReq+r.ID)
		if r.Level == requirements.Must {
			level = requirements.Must
		}
	}
	labels = append(labels, labelLevel+strings.ToLower(string(level)))
	return []any{labels, ginkgo.SpecTimeout(CaseTimeout)}
}

// SimulatorCheck decorates a case that plays a misbehaving client straight
// against network n's simulator: it shows what a mistaken integration gets
// back and proves the simulator enforces the rule, but no issuer can fail
// it, so it counts toward no requirement.
func SimulatorCheck(n requirements.Network, slug string) []any {
	labels := append(caseLabels(n, slug), LabelSimulatorCheck)
	return []any{labels, ginkgo.SpecTimeout(CaseTimeout)}
}

func caseLabels(n requirements.Network, slug string) ginkgo.Labels {
	id := CaseID(n, slug)
	if n.Prefix() == "" {
		record(fmt.Errorf("case %q: unknown network %q", slug, n))
	}
	if !slugPattern.MatchString(slug) || len(slug) > 48 {
		record(fmt.Errorf("case %s: the slug must be lower-case words joined by '-', at most 48 characters", id))
	}
	mistakesMu.Lock()
	dup := caseIDs[id]
	caseIDs[id] = true
	mistakesMu.Unlock()
	if dup {
		record(fmt.Errorf("case ID %s is used twice", id))
	}
	return ginkgo.Label(labelCase+id, labelNet+string(n))
}

func record(err error) {
	mistakesMu.Lock()
	defer mistakesMu.Unlock()
	mistakes = append(mistakes, err)
}

// CheckCatalog returns every labelling mistake made while the spec tree was
// built; Install calls it first thing in BeforeSuite.
func CheckCatalog() error {
	mistakesMu.Lock()
	defer mistakesMu.Unlock()
	return errors.Join(mistakes...)
}

// labelled reads a spec's case labels.
type labelled struct {
	Case           string
	Network        string
	Requirements   []string
	Level          string
	SimulatorCheck bool
}

func readLabels(labels []string) labelled {
	var l labelled
	for _, s := range labels {
		switch {
		case strings.HasPrefix(s, labelCase):
			l.Case = strings.TrimPrefix(s, labelCase)
		case strings.HasPrefix(s, labelNet):
			l.Network = strings.TrimPrefix(s, labelNet)
		case strings.HasPrefix(s, labelReq):
			l.Requirements = append(l.Requirements, strings.TrimPrefix(s, labelReq))
		case strings.HasPrefix(s, labelLevel):
			l.Level = strings.TrimPrefix(s, labelLevel)
		case s == LabelSimulatorCheck:
			l.SimulatorCheck = true
		}
	}
	return l
}

// RequirementsOf returns the requirement IDs in a spec's labels.
func RequirementsOf(labels []string) []string { return readLabels(labels).Requirements }
