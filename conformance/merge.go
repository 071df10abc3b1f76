package conformance

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
)

// Merge combines the reports of several jobs (sharded by network or label)
// into one: scenarios are pooled, and each requirement's verdict is rolled up
// again over all of them, so a failure in any shard wins and a requirement
// covered by no shard stays "not covered".
func Merge(reports []Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, errors.New("nothing to merge")
	}
	out := &Report{Version: reports[0].Version, Target: reports[0].Target, Seed: reports[0].Seed, Summary: map[string]Counts{}}
	networks := map[string]bool{}
	byReq := map[string][]Scenario{}
	for i, r := range reports {
		if i == 0 || r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		if r.Finished.After(out.Finished) {
			out.Finished = r.Finished
		}
		for _, n := range r.Networks {
			networks[n] = true
		}
		for _, s := range r.Scenarios {
			out.Scenarios = append(out.Scenarios, s)
			for _, id := range s.Requirements {
				byReq[id] = append(byReq[id], s)
			}
		}
	}
	for n := range networks {
		out.Networks = append(out.Networks, n)
	}
	sort.Strings(out.Networks)
	out.rollUpRequirements(byReq, networks)
	return out, nil
}

// WriteMerged writes report.json and report.html for a merged report (the
// shards' junit.xml files stay per job: CI systems collect them all).
func WriteMerged(dir string, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "report.json"), rep); err != nil {
		return err
	}
	return writeHTML(filepath.Join(dir, "report.html"), rep)
}
