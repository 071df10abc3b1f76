package conformance

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/conformance/requirements"
)

// Coverage is the checked-in map of case ID → the requirements it proves
// (coverage.json), so every change in coverage is a reviewed diff; renaming
// a case's English title changes nothing. Pending lists MUST requirements
// knowingly without a case on a network yet ("C2P-ENR-01@visa"), each with
// its reason; anything else uncovered fails the build.
type Coverage struct {
	Cases   map[string][]string `json:"cases"`
	Pending map[string]string   `json:"pending"`
}

//go:embed coverage.json
var coverageJSON []byte

// LoadCoverage returns the checked-in coverage.
func LoadCoverage() (Coverage, error) {
	var c Coverage
	err := json.Unmarshal(coverageJSON, &c)
	return c, err
}

// CasesOf returns the case IDs that prove requirement id on network n.
func (c Coverage) CasesOf(id, n string) []string {
	r, ok := requirements.Lookup(id)
	if !ok {
		return nil
	}
	var out []string
	for cs, reqs := range c.Cases {
		if strings.HasPrefix(cs, requirements.Network(n).Prefix()+".") && slices.Contains(reqs, r.ID) {
			out = append(out, cs)
		}
	}
	sort.Strings(out)
	return out
}

// computeCoverage derives coverage from every spec of a run.
func computeCoverage(r types.Report) map[string][]string {
	out := map[string][]string{}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		l := readLabels(s.Labels())
		reqs := append([]string{}, l.Requirements...)
		sort.Strings(reqs)
		out[l.Case] = reqs
	}
	return out
}

// CheckCoverage compares a complete run's coverage with the checked-in
// file (rewriting it at path when update is set) and checks that every MUST
// requirement has a case on every registered network it applies to, or a
// pending reason. Every problem is reported.
func CheckCoverage(r types.Report, path string, update bool) error {
	got := computeCoverage(r)
	want, err := LoadCoverage()
	if err != nil {
		return fmt.Errorf("coverage.json: %w", err)
	}
	if update {
		want.Cases = got
		if want.Pending == nil {
			want.Pending = map[string]string{}
		}
		b, _ := json.MarshalIndent(want, "", "  ")
		return os.WriteFile(path, append(b, '\n'), 0o644)
	}
	var errs []error
	if !reflect.DeepEqual(got, want.Cases) {
		var diff []string
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if w, ok := want.Cases[k]; !ok {
				diff = append(diff, "+ "+k)
			} else if !slices.Equal(w, got[k]) {
				diff = append(diff, fmt.Sprintf("~ %s %v → %v", k, w, got[k]))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(want.Cases)) {
			if _, ok := got[k]; !ok {
				diff = append(diff, "- "+k)
			}
		}
		errs = append(errs, fmt.Errorf("case coverage changed (%s): review it and run C2P_UPDATE_COVERAGE=1 go test ./scenarios/ to update conformance/coverage.json", strings.Join(diff, "; ")))
	}
	covered := map[string]bool{}
	for cs, reqs := range got {
		prefix, _, _ := strings.Cut(cs, ".")
		for _, id := range reqs {
			covered[id+"@"+prefix] = true
		}
	}
	for _, n := range RegisteredNetworks() {
		net := requirements.Network(n)
		for _, req := range requirements.ForNetwork(net) {
			if req.Level != requirements.Must {
				continue
			}
			key := req.ID + "@" + n
			reason, pending := want.Pending[key]
			switch c := covered[req.ID+"@"+net.Prefix()]; {
			case !c && !pending:
				errs = append(errs, fmt.Errorf("MUST requirement %s has no case on %s (add one, or list %q under pending with a reason)", req.ID, n, key))
			case c && pending:
				errs = append(errs, fmt.Errorf("%s is covered now but still pending (%q): remove it from pending", key, reason))
			}
		}
	}
	return errors.Join(errs...)
}
