package conformance

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Merge combines the shards of one run (parallel processes, or CI jobs
// split by network or label) into one report. Only shards of the same run
// merge: the same target, c2psim version and c2pconform build (the
// suite), system under test, simulator and configuration (everything but
// the selection), each written by this version; anything else is refused
// with the reason. A shard given twice
// counts once (a warning says so); a case that ran in two different shards
// is refused. Every verdict is then recomputed over the pooled cases, so a
// failure in any shard wins and a requirement no shard proved stays
// incomplete or not covered.
func Merge(reports []*Report) (*Report, []string, error) {
	if len(reports) == 0 {
		return nil, nil, errors.New("nothing to merge")
	}
	first := reports[0]
	var errs []error
	var warnings []string
	for i, r := range reports[1:] {
		for _, d := range differences(first.Run, r.Run) {
			errs = append(errs, fmt.Errorf("shard %d is not of the same run as shard 1: %s", i+2, d))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	out := &Report{Format: ReportFormat, Run: first.Run}
	out.Run.Shard, out.Run.Selection.LabelFilter = "", ""
	out.Run.Selection.Networks, out.Run.Selection.Cases = nil, nil
	everyCase := false // a shard that selected no cases selected them all
	seenShard := map[string]int{}
	byCase := map[string]int{} // index in out.Scenarios
	origin := map[string]int{} // shard that ran it
	for i, r := range reports {
		key := r.Run.ID + "/" + r.Run.Shard + "/" + r.Run.Selection.LabelFilter + "/" + r.Run.Started.String()
		if j, dup := seenShard[key]; dup {
			warnings = append(warnings, fmt.Sprintf("shard %d is shard %d again: counted once", i+1, j+1))
			continue
		}
		seenShard[key] = i
		if i == 0 || r.Run.Started.Before(out.Run.Started) {
			out.Run.Started = r.Run.Started
		}
		if r.Run.Finished.After(out.Run.Finished) {
			out.Run.Finished = r.Run.Finished
		}
		for _, n := range r.Run.Selection.Networks {
			if !slices.Contains(out.Run.Selection.Networks, n) {
				out.Run.Selection.Networks = append(out.Run.Selection.Networks, n)
			}
		}
		everyCase = everyCase || len(r.Run.Selection.Cases) == 0
		for _, c := range r.Run.Selection.Cases {
			if !slices.Contains(out.Run.Selection.Cases, c) {
				out.Run.Selection.Cases = append(out.Run.Selection.Cases, c)
			}
		}
		for _, e := range r.Errors {
			if e != NothingRan {
				out.Errors = append(out.Errors, fmt.Sprintf("shard %d: %s", i+1, e))
			}
		}
		for _, sc := range r.Scenarios {
			j, seen := byCase[sc.Case]
			switch {
			case !seen:
				byCase[sc.Case] = len(out.Scenarios)
				out.Scenarios = append(out.Scenarios, sc)
				if sc.Verdict != Skipped {
					origin[sc.Case] = i
				}
			case sc.Verdict == Skipped:
				// A case another shard ran, or skipped too: keep that.
			case out.Scenarios[j].Verdict == Skipped:
				out.Scenarios[j] = sc
				origin[sc.Case] = i
			default:
				errs = append(errs, fmt.Errorf("case %s ran in shard %d and in shard %d: shards of one run must not overlap", sc.Case, origin[sc.Case]+1, i+1))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	sort.Strings(out.Run.Selection.Networks)
	if everyCase {
		out.Run.Selection.Cases = nil
	} else {
		sort.Strings(out.Run.Selection.Cases)
	}
	out.Run.Shard = fmt.Sprintf("merged from %d", len(seenShard))
	out.Recompute()
	return out, warnings, nil
}

// differences lists what makes two shards parts of different runs.
func differences(a, b RunInfo) []string {
	var out []string
	diff := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %q ≠ %q", what, x, y))
		}
	}
	diff("target", a.Target, b.Target)
	diff("c2psim version", a.Version, b.Version)
	diff("c2pconform build", a.Record.Harness.Revision, b.Record.Harness.Revision)
	diff("configuration digest", a.ConfigDigest, b.ConfigDigest)
	diff("system under test", a.SUT.String(), b.SUT.String())
	diff("simulator", a.Simulator.String(), b.Simulator.String())
	diff("deliberate defect", a.Defect, b.Defect)
	diff("level", a.Selection.Level, b.Selection.Level)
	diff("requirements", strings.Join(a.Selection.Requirements, ","), strings.Join(b.Selection.Requirements, ","))
	return out
}
