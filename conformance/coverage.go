package conformance

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/conformance/requirements"
)

// Coverage is the checked-in map of requirement → scenario names
// (coverage.json), so every change in coverage shows up in review. Pending
// lists MUST requirements knowingly without a scenario yet, each with its
// reason; anything else uncovered fails the build.
type Coverage struct {
	Scenarios map[string][]string `json:"scenarios"`
	Pending   map[string]string   `json:"pending"`
}

//go:embed coverage.json
var coverageJSON []byte

// LoadCoverage returns the checked-in coverage.
func LoadCoverage() (Coverage, error) {
	var c Coverage
	err := json.Unmarshal(coverageJSON, &c)
	return c, err
}

// computeCoverage derives coverage from every spec of a run.
func computeCoverage(r types.Report) map[string][]string {
	out := map[string][]string{}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, id := range RequirementsOf(s.Labels()) {
			out[id] = append(out[id], s.FullText())
		}
	}
	for id := range out {
		sort.Strings(out[id])
	}
	return out
}

// CheckCoverage compares a complete run's coverage with the checked-in
// file (rewriting it at path when update is set) and checks that every MUST
// requirement of the wired networks has a scenario or a pending reason.
// Every problem is reported.
func CheckCoverage(r types.Report, path string, update bool) error {
	got := computeCoverage(r)
	want, err := LoadCoverage()
	if err != nil {
		return fmt.Errorf("coverage.json: %w", err)
	}
	if update {
		want.Scenarios = got
		b, _ := json.MarshalIndent(want, "", "  ")
		return os.WriteFile(path, append(b, '\n'), 0o644)
	}
	var errs []error
	if !reflect.DeepEqual(got, want.Scenarios) {
		errs = append(errs, errors.New("scenario coverage changed: review it and run C2P_UPDATE_COVERAGE=1 go test ./scenarios/ to update conformance/coverage.json"))
	}
	wired := map[string]bool{"": true}
	for _, n := range WiredNetworks() {
		wired[n] = true
	}
	for _, req := range requirements.All() {
		if !wired[req.Network] || req.Level != requirements.Must {
			continue
		}
		_, covered := got[req.ID]
		reason, pending := want.Pending[req.ID]
		switch {
		case !covered && !pending:
			errs = append(errs, fmt.Errorf("MUST requirement %s has no scenario (add one, or list it under pending with a reason)", req.ID))
		case covered && pending:
			errs = append(errs, fmt.Errorf("%s is covered now but still pending (%q): remove it from pending", req.ID, reason))
		}
	}
	return errors.Join(errs...)
}
