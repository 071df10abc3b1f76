package conformance

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/c2psim/c2psim/conformance/requirements"
)

var (
	mistakesMu sync.Mutex
	mistakes   []error
)

// Req labels a scenario with the requirements it proves: req:<ID>,
// net:<network> and level:must|should. Misuse (no requirement, the same one
// twice, or requirements of different networks in one scenario) is recorded
// and reported by CheckCatalog before any spec runs, every mistake at once.
func Req(rs ...requirements.Requirement) ginkgo.Labels {
	var labels ginkgo.Labels
	seen := map[string]bool{}
	nets := map[string]bool{}
	level := requirements.Should
	if len(rs) == 0 {
		record(errors.New("conformance.Req called without a requirement"))
	}
	for _, r := range rs {
		if _, ok := requirements.Lookup(r.ID); !ok || r.ID == "" {
			record(fmt.Errorf("unknown requirement %q", r.ID))
			continue
		}
		if seen[r.ID] {
			record(fmt.Errorf("requirement %s given twice to one scenario", r.ID))
		}
		seen[r.ID] = true
		labels = append(labels, "req:"+r.ID)
		if r.Network != "" {
			nets[r.Network] = true
		}
		if r.Level == requirements.Must {
			level = requirements.Must
		}
	}
	if len(nets) > 1 {
		record(fmt.Errorf("one scenario proves requirements of several networks (%v): split it", keys(nets)))
	}
	for n := range nets {
		labels = append(labels, "net:"+n)
	}
	if len(nets) == 0 {
		labels = append(labels, "net:all")
	}
	return append(labels, "level:"+strings.ToLower(string(level)))
}

// SimulatorCheck labels a scenario that plays a misbehaving client straight
// against the simulator: it shows what a mistaken integration gets back and
// proves the simulator enforces the rule, but no issuer can fail it, so it
// counts toward no requirement (label simulator-check; net:<network> keeps it
// to runs that test that network).
func SimulatorCheck(network string) ginkgo.Labels {
	return ginkgo.Label("simulator-check", "net:"+network)
}

func record(err error) {
	mistakesMu.Lock()
	defer mistakesMu.Unlock()
	mistakes = append(mistakes, err)
}

// CheckCatalog returns every labelling mistake made while the spec tree was
// built; suites call it first thing in BeforeSuite.
func CheckCatalog() error {
	mistakesMu.Lock()
	defer mistakesMu.Unlock()
	return errors.Join(mistakes...)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// RequirementsOf returns the requirement IDs in a spec's labels.
func RequirementsOf(labels []string) []string {
	var out []string
	for _, l := range labels {
		if id, ok := strings.CutPrefix(l, "req:"); ok {
			out = append(out, id)
		}
	}
	return out
}
