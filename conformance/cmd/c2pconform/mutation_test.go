package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/conformance/networks/all"
)

// TestMutation is the harness proving it can fail: the suite runs against
// the bundled issuer built with each deliberate defect (conformance.Defects)
// on every network the defect applies to, and must fail exactly the
// defect's requirements there, nothing else and no harness error. The kill
// rate is the defects (and defect × network pairs) caught under the right
// requirement over those planted. Every artefact and every printed line of
// those runs — which leak card numbers on purpose — is scanned for a full
// card number.
//
// It runs under `make test` (C2P_MUTATION=1, which prints the kill rate);
// C2P_MUTATION_RUNS=5 repeats it and requires the same verdicts each time.
func TestMutation(t *testing.T) {
	if os.Getenv("C2P_MUTATION") == "" {
		t.Skip("set C2P_MUTATION=1 (make test does) to run the mutation suite")
	}
	runs := 1
	if v := os.Getenv("C2P_MUTATION_RUNS"); v != "" {
		runs, _ = strconv.Atoi(v)
	}
	bin := built(t)
	var first map[string]string
	for run := 1; run <= runs; run++ {
		verdicts := mutationRound(t, bin)
		if first == nil {
			first = verdicts
			continue
		}
		for k, v := range verdicts {
			if first[k] != v {
				t.Errorf("run %d: %s gave %s, run 1 gave %s: the mutation suite is not deterministic", run, k, v, first[k])
			}
		}
	}
}

type planted struct {
	defect  conformance.Defect
	network string
}

// mutationRound runs every defect once and returns each defect×network's
// failed requirements.
func mutationRound(t *testing.T, bin string) map[string]string {
	var pairs []planted
	byDefect := map[string][]string{}
	for _, d := range conformance.Defects() {
		for _, n := range conformance.Networks() {
			if d.AppliesTo(n) {
				pairs = append(pairs, planted{d, string(n.ID)})
				byDefect[d.Name] = append(byDefect[d.Name], string(n.ID))
			}
		}
	}
	type result struct {
		failed map[string][]string // network → requirements failed
		why    map[string]string   // requirement@network → its failed cases' messages
		errors []string
		out    string
		dir    string
	}
	results := map[string]*result{}
	var mu sync.Mutex
	sem := make(chan struct{}, 2) // two suites at once: a third would load the 2-core machine past the cases' deadlines
	var wg sync.WaitGroup
	for name, nets := range byDefect {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := t.TempDir()
			cmd := exec.Command(bin, "run", "--network", strings.Join(nets, ","), "--out", "r")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), conformance.EnvDefect+"="+name)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			_ = cmd.Run()
			r := &result{failed: map[string][]string{}, why: map[string]string{}, out: out.String(), dir: filepath.Join(dir, "r")}
			rep, err := conformance.ReadReport(r.dir)
			if err != nil {
				r.errors = []string{err.Error()}
			} else {
				r.errors = rep.Errors
				for _, rr := range rep.Requirements {
					switch rr.Verdict {
					case conformance.Failed:
						r.failed[rr.Network] = append(r.failed[rr.Network], rr.ID)
						for _, sc := range rep.Scenarios {
							if sc.Verdict == conformance.Failed && sc.Network == rr.Network && slices.Contains(sc.Requirements, rr.ID) && sc.Failure != nil {
								r.why[rr.ID+"@"+rr.Network] += fmt.Sprintf("\n  %s: %.300s (%s)", sc.Case, sc.Failure.Message, sc.Failure.Location)
							}
						}
					case conformance.Error:
						r.errors = append(r.errors, rr.ID+"@"+rr.Network+": "+strings.Join(rr.Reasons, "; "))
					}
				}
				if rep.Run.Defect != name {
					r.errors = append(r.errors, fmt.Sprintf("the report names defect %q, not %q", rep.Run.Defect, name))
				}
			}
			mu.Lock()
			results[name] = r
			mu.Unlock()
		}()
	}
	wg.Wait()

	verdicts := map[string]string{}
	caught, caughtPairs := 0, 0
	for name, nets := range byDefect {
		r := results[name]
		d, _ := conformance.LookupDefect(name)
		defectCaught := len(r.errors) == 0
		for _, e := range r.errors {
			t.Errorf("defect %s: harness error: %s", name, e)
		}
		for _, n := range nets {
			got := append([]string(nil), r.failed[n]...)
			sort.Strings(got)
			want := append([]string(nil), d.BreaksOn(n)...)
			sort.Strings(want)
			verdicts[name+"@"+n] = strings.Join(got, " ")
			if slices.Equal(got, want) && len(r.errors) == 0 {
				caughtPairs++
				continue
			}
			defectCaught = false
			var why string
			for _, id := range got {
				if !slices.Contains(want, id) {
					why += r.why[id+"@"+n]
				}
			}
			t.Errorf("defect %s on %s: failed %v, want exactly %v%s", name, n, got, want, why)
		}
		for n, reqs := range r.failed {
			if !slices.Contains(nets, n) {
				t.Errorf("defect %s: %s failed on %s, where the defect is not built in", name, strings.Join(reqs, " "), n)
			}
		}
		if defectCaught {
			caught++
		}
		scanForCardNumbers(t, name, r.out, r.dir)
	}
	msg := fmt.Sprintf("mutation kill rate: %d/%d defects caught under the right requirements on every network (%d/%d defect × network pairs)",
		caught, len(byDefect), caughtPairs, len(pairs))
	t.Log(msg)
	fmt.Println(msg)
	return verdicts
}

// scanForCardNumbers fails when a run's console output or any file it wrote
// holds a card number in clear: pan.RedactText would change it.
func scanForCardNumbers(t *testing.T, name, out, dir string) {
	t.Helper()
	check := func(where, s string) {
		if red := pan.RedactText(s); red != s {
			i := 0
			for i < len(s) && i < len(red) && s[i] == red[i] {
				i++
			}
			t.Errorf("defect %s: %s holds a full card number near %q", name, where, pan.RedactText(s[max(0, i-40):min(len(s), i+40)]))
		}
	}
	check("the console output", out)
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			check(filepath.Base(p), string(b))
		}
		return nil
	})
}
