package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/certpkg"
	"github.com/c2psim/c2psim/scenarios/suite"
	"github.com/c2psim/c2psim/simulator"
)

// childCommand runs the compiled-in suite in this process. c2pconform run
// starts itself with it, once per shard, so that each shard's output passes
// through the redactor and a crash cannot take the reports with it.
const childCommand = "__suite"

// shard is one child run: its label filter and whether it holds the cases
// that must run alone.
type shard struct {
	filter string
	serial bool
}

func runSuites(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv("C2P_CONFIG"), "JSON config file (see c2pconform config init)")
	target := fs.String("target", "", "bundled or external (overrides the config)")
	out := fs.String("out", "", "reports folder (overrides the config)")
	level := fs.String("level", "", "must or should")
	parallel := fs.Int("parallel", 1, "processes running cases at once (bundled target: each runs its own simulator)")
	seed := fs.Int64("seed", 0, "ginkgo's seed for the order of cases (default: a new one, recorded in the reports)")
	reset := fs.Bool("reset", false, "external target: reset the simulator first when an earlier run left it unclean")
	simSeed := fs.Int64("simulator-seed", 0, "bundled target: the simulator's seed (overrides the config's seed)")
	capabilities := fs.String("capabilities", "", "capability declaration: per network, the optional features the issuer implements")
	waivers := fs.String("waivers", "", "waivers: JSON list of {requirement, network, case, reason, owner, expires}")
	signingKey := fs.String("signing-key", "", "Ed25519 private key (PEM PKCS#8) that signs the package (default: one generated for the run)")
	zipped := fs.Bool("package", false, "also write the package as one zip file, <out>.zip")
	var networks, reqs, cases listFlag
	fs.Var(&networks, "network", "networks under test, comma-separated")
	fs.Var(&reqs, "requirement", "requirement IDs to run, repeatable or comma-separated")
	fs.Var(&cases, "case", "case IDs to run (VI.enrol-complete), repeatable or comma-separated")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := conformance.LoadConfig(*cfgPath)
	if *target != "" {
		cfg.Target = *target
	}
	if len(networks) > 0 {
		cfg.Networks = networks
	}
	if *out != "" {
		cfg.Out = *out
	}
	if *level != "" {
		cfg.Level = *level
	}
	if len(reqs) > 0 {
		cfg.Requirements = reqs
	}
	if *reset {
		cfg.ResetSimulator = true
	}
	if *simSeed != 0 {
		cfg.Seed = *simSeed
	}
	if *capabilities != "" {
		cfg.Capabilities = *capabilities
	}
	if *waivers != "" {
		cfg.Waivers = *waivers
	}
	if *signingKey != "" {
		cfg.SigningKey = *signingKey
	}
	if err == nil {
		err = cfg.Validate()
	}
	filter, ferr := labelFilter(cfg.Networks, reqs, cfg.Level)
	if ferr == nil && len(cases) > 0 {
		filter, ferr = withCases(filter, cases)
	}
	outDir, _ := filepath.Abs(cfg.Out)
	run := conformance.RunInfo{ID: newRunID(), Version: simulator.Version, Target: cfg.Target, Seed: cfg.Seed, ConfigDigest: cfg.Digest(),
		Selection: conformance.Selection{Networks: cfg.Networks, Level: strings.ToLower(cfg.Level), Requirements: cfg.Requirements, Cases: cases, LabelFilter: filter},
		Record:    conformance.NewRunRecord(cfg)}
	run.Record.ConfigFile = *cfgPath
	run.Capabilities, run.Waivers, _ = cfg.Declarations()
	pkg := packaging{zip: *zipped}
	var kerr error
	if pkg.key, kerr = signingKeyOf(cfg); kerr != nil {
		err = errors.Join(err, kerr)
	}
	if len(run.Selection.Networks) == 0 {
		run.Selection.Networks = conformance.RegisteredNetworks()
	}
	if err == nil && ferr == nil && len(cases) > 0 {
		unknown, lerr := unknownCases(cases, []string{"C2P_CONFIG=", "C2P_TARGET=", "C2P_NETWORKS=", "C2P_OUT="})
		switch {
		case lerr != nil:
			ferr = fmt.Errorf("listing the suite's cases: %w", lerr)
		case len(unknown) > 0:
			ferr = fmt.Errorf("unknown case %s (c2pconform requirements --format json lists each requirement's cases)", strings.Join(unknown, ", "))
		}
	}
	if err := errors.Join(err, ferr); err != nil {
		return runError(outDir, run, pkg, "configuration: "+err.Error(), stdout, stderr)
	}
	ginkgoSeed := *seed
	if ginkgoSeed == 0 {
		n, _ := rand.Int(rand.Reader, big.NewInt(1<<31))
		ginkgoSeed = n.Int64() + 1
	}
	fmt.Fprintf(stdout, "c2pconform %s: target %s, networks %s, filter %q, run %s, seed %d\n", simulator.Version, cfg.Target,
		strings.Join(run.Selection.Networks, ","), filter, run.ID, ginkgoSeed)

	// The run's preflight happens once, here, before any shard starts: the
	// shards then share a clean simulator with the callbacks registered.
	env := []string{conformance.EnvRunID + "=" + run.ID, "C2P_TARGET=", "C2P_NETWORKS=", "C2P_OUT="}
	if cfg.Target == "external" {
		t, _ := conformance.External(cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		pf, err := conformance.RunPreflight(ctx, t, cfg, true, cfg.ResetSimulator)
		cancel()
		for _, n := range pf.Notes {
			fmt.Fprintln(stdout, "c2pconform:", n)
		}
		if err != nil {
			return runError(outDir, run, pkg, "preflight: "+err.Error(), stdout, stderr)
		}
		env = append(env, conformance.EnvPreflightDone+"=1")
	}
	cfgFile, err := os.CreateTemp("", "c2pconform-*.json")
	if err != nil {
		return runError(outDir, run, pkg, "writing the shards' configuration: "+err.Error(), stdout, stderr)
	}
	defer os.Remove(cfgFile.Name())
	b, _ := json.Marshal(cfg)
	_, _ = cfgFile.Write(b)
	_ = cfgFile.Close()
	env = append(env, "C2P_CONFIG="+cfgFile.Name())

	shards := []shard{{filter: filter}}
	if *parallel > 1 {
		if shards, err = partition(filter, *parallel, env, ginkgoSeed); err != nil {
			return runError(outDir, run, pkg, "listing the cases: "+err.Error(), stdout, stderr)
		}
	}
	work, err := os.MkdirTemp("", "c2pconform-shards-")
	if err != nil {
		return runError(outDir, run, pkg, err.Error(), stdout, stderr)
	}
	defer os.RemoveAll(work)
	reports, problems := runShards(shards, work, env, ginkgoSeed, stdout)
	if cfg.Target == "external" && len(shards) > 1 {
		// The shards shared the simulator: only now is every case over.
		t, _ := conformance.External(cfg)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := conformance.LeftArmed(ctx, t.Control); err != nil {
			problems = append(problems, err.Error())
		}
		cancel()
	}
	rep, warnings, err := conformance.Merge(reports)
	if err != nil {
		return runError(outDir, run, pkg, "merging the shards: "+err.Error(), stdout, stderr)
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "c2pconform:", w)
	}
	rep.Errors = append(rep.Errors, problems...)
	rep.Run.Selection = run.Selection
	if rep.Run.Record.Harness.Version == "" {
		rep.Run.Record = run.Record // no shard reached the suite
	}
	rep.Run.Record.ConfigFile = run.Record.ConfigFile
	rep.Run.Capabilities, rep.Run.Waivers = run.Capabilities, run.Waivers
	for i := range rep.Scenarios {
		// A shard made its reproduce lines from the configuration this
		// process wrote for it; the package writes them again from the
		// configuration the run was given (--config), which an external
		// target's rerun cannot do without.
		rep.Scenarios[i].Reproduce = nil
	}
	rep.Run.Shard = ""
	if len(shards) > 1 {
		rep.Run.Shard = fmt.Sprintf("%d shards", len(shards))
	}
	for i, sc := range rep.Scenarios {
		if sc.Verdict == conformance.Skipped && strings.HasPrefix(sc.Reason, "not selected by the label filter") {
			rep.Scenarios[i].Reason = "not selected by the label filter " + filter
		}
	}
	rep.Recompute()
	if err := pkg.write(outDir, rep, stdout); err != nil {
		fmt.Fprintln(stderr, "c2pconform: writing the package:", err)
		return 2
	}
	return summarise(rep, outDir, stdout)
}

// packaging is how a run's package is signed and handed over.
type packaging struct {
	key *certpkg.Key
	zip bool
}

// signingKeyOf loads the configuration's signing key, or generates one.
func signingKeyOf(cfg conformance.Config) (*certpkg.Key, error) {
	if cfg.SigningKey != "" {
		return certpkg.LoadKey(cfg.SigningKey)
	}
	return certpkg.GenerateKey()
}

// write writes the signed package, and its zip when asked, saying where
// and with which key.
func (p packaging) write(outDir string, rep *conformance.Report, stdout io.Writer) error {
	if p.key == nil {
		k, err := certpkg.GenerateKey()
		if err != nil {
			return err
		}
		p.key = k
	}
	if err := conformance.WritePackage(outDir, rep, p.key, time.Now()); err != nil {
		return err
	}
	s := rep.Signature
	how := "your key"
	if s.Generated {
		how = "a key generated for this run (not kept)"
	}
	fmt.Fprintf(stdout, "package signed with %s: %s, public key %s\n", how, s.KeyID, s.PublicKey)
	if p.zip {
		z := strings.TrimSuffix(outDir, string(filepath.Separator)) + ".zip"
		if err := certpkg.Zip(outDir, z); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "package: %s\n", z)
	}
	return nil
}

// runError writes reports that say why the run could not be judged (a CI
// dashboard shows them too), prints the reason and exits 2.
func runError(outDir string, run conformance.RunInfo, pkg packaging, msg string, stdout, stderr io.Writer) int {
	now := time.Now()
	run.Started, run.Finished = now, now
	rep := &conformance.Report{Format: conformance.ReportFormat, Run: run, Errors: []string{pan.RedactText(msg)}}
	rep.Recompute()
	fmt.Fprintln(stderr, "c2pconform:", pan.RedactText(msg))
	if outDir != "" {
		if err := pkg.write(outDir, rep, stdout); err != nil {
			fmt.Fprintln(stderr, "c2pconform: writing the reports:", err)
			return 2
		}
	}
	return summarise(rep, outDir, stdout)
}

// listCases lists the cases a label filter selects, with a dry run of the
// compiled-in suite.
func listCases(filter string, env []string, seed int64) ([]conformance.ListedCase, error) {
	list, err := os.CreateTemp("", "c2pconform-cases-*.json")
	if err != nil {
		return nil, err
	}
	_ = list.Close()
	defer os.Remove(list.Name())
	cmd, err := child(filter, seed, true)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(append(os.Environ(), env...), conformance.EnvList+"="+list.Name())
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, pan.RedactText(string(out)))
	}
	b, err := os.ReadFile(list.Name())
	if err != nil {
		return nil, err
	}
	var cases []conformance.ListedCase
	if err := json.Unmarshal(b, &cases); err != nil {
		return nil, err
	}
	return cases, nil
}

// unknownCases are the case IDs asked for that the suite does not hold: a
// case asked for and never run would otherwise pass unnoticed.
func unknownCases(asked []string, env []string) ([]string, error) {
	all, err := listCases("", env, 1)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, c := range all {
		known[c.Case] = true
	}
	var out []string
	for _, c := range asked {
		if !known[c] {
			out = append(out, c)
		}
	}
	return out, nil
}

// partition lists the selected cases with a dry run and deals them into n
// shards; the cases marked Serial form a last shard of their own.
func partition(filter string, n int, env []string, seed int64) ([]shard, error) {
	cases, err := listCases(filter, env, seed)
	if err != nil {
		return nil, err
	}
	groups := make([][]string, n)
	var serial []string
	i := 0
	for _, c := range cases {
		if c.Serial {
			serial = append(serial, c.Case)
			continue
		}
		groups[i%n] = append(groups[i%n], c.Case)
		i++
	}
	var out []shard
	for _, g := range groups {
		if len(g) > 0 {
			f, _ := withCases(filter, g)
			out = append(out, shard{filter: f})
		}
	}
	if len(serial) > 0 {
		f, _ := withCases(filter, serial)
		out = append(out, shard{filter: f, serial: true})
	}
	if len(out) == 0 {
		out = []shard{{filter: filter}} // nothing selected: one shard says so
	}
	return out, nil
}

// withCases narrows a label filter to some case IDs.
func withCases(filter string, cases []string) (string, error) {
	var parts []string
	for _, c := range cases {
		if strings.ContainsAny(c, "&|!,()/ ") || !strings.Contains(c, ".") {
			return "", fmt.Errorf("case %q: want an ID such as VI.enrol-complete", c)
		}
		parts = append(parts, "case:"+c)
	}
	f := "(" + strings.Join(parts, " || ") + ")"
	if filter != "" {
		f = "(" + filter + ") && " + f
	}
	return f, nil
}

// runShards runs the shards (the serial one last, alone) and returns their
// reports; a shard that wrote none is a harness error.
func runShards(shards []shard, work string, env []string, seed int64, stdout io.Writer) ([]*conformance.Report, []string) {
	reports := make([]*conformance.Report, len(shards))
	problems := make([]string, len(shards))
	var out sync.Mutex
	runOne := func(i int) {
		s := shards[i]
		dir := filepath.Join(work, fmt.Sprint(i+1))
		cmd, err := child(s.filter, seed, false)
		if err != nil {
			problems[i] = err.Error()
			return
		}
		cmd.Env = append(append(os.Environ(), env...), "C2P_OUT="+dir)
		prefix := ""
		if len(shards) > 1 {
			prefix = fmt.Sprintf("[%d/%d] ", i+1, len(shards))
			cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d/%d", conformance.EnvShard, i+1, len(shards)))
		}
		pr, pw := io.Pipe()
		cmd.Stdout, cmd.Stderr = pw, pw
		done := make(chan struct{})
		go func() {
			defer close(done)
			redactLines(pr, stdout, &out, prefix)
		}()
		runErr := cmd.Run()
		_ = pw.Close()
		<-done
		r, _, err := conformance.ReadPackage(dir, certpkg.VerifyOptions{Unsigned: true}, true)
		if err != nil {
			problems[i] = fmt.Sprintf("shard %d wrote no report (%v; the process ended: %v)", i+1, err, runErr)
			return
		}
		reports[i] = r
	}
	var wg sync.WaitGroup
	for i, s := range shards {
		if s.serial {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); runOne(i) }()
	}
	wg.Wait()
	for i, s := range shards {
		if s.serial {
			runOne(i)
		}
	}
	var got []*conformance.Report
	var errs []string
	for i := range shards {
		if reports[i] != nil {
			got = append(got, reports[i])
		}
		if problems[i] != "" {
			errs = append(errs, problems[i])
		}
	}
	if len(got) == 0 {
		// Nothing to merge: an empty shard carries the errors.
		got = []*conformance.Report{{Format: conformance.ReportFormat}}
	}
	return got, errs
}

// redactLines copies r to w line by line, each line's card numbers masked:
// every line c2pconform prints is redacted, whatever a case printed.
func redactLines(r io.Reader, w io.Writer, mu *sync.Mutex, prefix string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := pan.RedactText(sc.Text())
		mu.Lock()
		fmt.Fprintln(w, prefix+line)
		mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// child is this binary running one shard of the suite.
func child(filter string, seed int64, dryRun bool) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this program to start its shards: %w", err)
	}
	args := []string{childCommand, "--seed", fmt.Sprint(seed)}
	if filter != "" {
		args = append(args, "--label-filter", filter)
	}
	if dryRun {
		args = append(args, "--dry-run")
	}
	return exec.Command(self, args...), nil
}

// runChild runs the compiled-in suite in this process (one shard).
func runChild(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet(childCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	filter := fs.String("label-filter", "", "ginkgo label filter")
	seed := fs.Int64("seed", 1, "ginkgo seed")
	dry := fs.Bool("dry-run", false, "list the cases without running them")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	sc, rc := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	sc.LabelFilter, sc.RandomSeed, sc.DryRun, sc.Timeout = *filter, *seed, *dry, 60*time.Minute
	rc.NoColor, rc.Verbose = true, !*dry
	if *dry {
		rc.Succinct = true
	}
	var t testingT
	suite.Run(&t, sc, rc)
	return 0 // the reports carry the verdicts
}

// testingT is what ginkgo needs of a testing.T outside go test.
type testingT struct{ failed bool }

func (t *testingT) Fail() { t.failed = true }

func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
