// Command c2pconform runs the Click to Pay issuer conformance suites and
// writes junit.xml, report.json and report.html.
//
//	c2pconform run [--config FILE] [--target bundled|external] [--network visa,...]
//	               [--level must|should] [--requirement ID ...] [--out DIR] [--parallel N]
//	c2pconform requirements [--network visa] [--format table|json|markdown]
//	c2pconform config init
//
// Exit codes: 0 every selected MUST requirement passed; 1 one failed; 2 a
// configuration or harness error (a run that selects no scenario is one).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/requirements"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: c2pconform run|requirements|config init [flags]")
		return 2
	}
	switch args[0] {
	case "run":
		return runSuites(args[1:], stdout, stderr)
	case "requirements":
		return listRequirements(args[1:], stdout, stderr)
	case "report":
		if len(args) >= 2 && args[1] == "merge" {
			return mergeReports(args[2:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "usage: c2pconform report merge --out DIR report.json ...")
		return 2
	case "config":
		if len(args) == 2 && args[1] == "init" {
			fmt.Fprint(stdout, conformance.AnnotatedDefault)
			return 0
		}
		fmt.Fprintln(stderr, "usage: c2pconform config init")
		return 2
	}
	fmt.Fprintf(stderr, "unknown command %q: want run, requirements or config init\n", args[0])
	return 2
}

// labelFilter selects scenarios: networks (plus the cross-network ones),
// level and requirement IDs. Unknown IDs and levels are errors, all at once.
func labelFilter(networks, reqs []string, level string) (string, error) {
	var parts, errs []string
	if len(networks) > 0 {
		var ns []string
		for _, n := range networks {
			ns = append(ns, "net:"+n)
		}
		parts = append(parts, "("+strings.Join(append(ns, "net:all"), " || ")+")")
	}
	switch strings.ToLower(level) {
	case "":
	case "must", "should":
		parts = append(parts, "level:"+strings.ToLower(level))
	default:
		errs = append(errs, fmt.Sprintf("--level %q: want must or should", level))
	}
	if len(reqs) > 0 {
		var rs []string
		for _, id := range reqs {
			r, ok := requirements.Lookup(id)
			if !ok {
				errs = append(errs, fmt.Sprintf("unknown requirement %q", id))
				continue
			}
			rs = append(rs, "req:"+r.ID)
		}
		parts = append(parts, "("+strings.Join(rs, " || ")+")")
	}
	if len(errs) > 0 {
		return "", errors.New(strings.Join(errs, "; "))
	}
	return strings.Join(parts, " && "), nil
}

func runSuites(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv("C2P_CONFIG"), "JSON config file (see c2pconform config init)")
	target := fs.String("target", "", "bundled or external (overrides the config)")
	out := fs.String("out", "", "reports folder (overrides the config)")
	level := fs.String("level", "", "must or should")
	parallel := fs.Int("parallel", 1, "ginkgo processes (bundled target: each runs its own simulator)")
	suiteDir := fs.String("suite", "", "the scenarios package directory (default: found from the working directory)")
	var networks, reqs listFlag
	fs.Var(&networks, "network", "networks under test, comma-separated")
	fs.Var(&reqs, "requirement", "requirement IDs to run, repeatable or comma-separated")
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
	if err == nil {
		err = cfg.Validate()
	}
	filter, ferr := labelFilter(cfg.Networks, reqs, *level)
	if err := errors.Join(err, ferr); err != nil {
		fmt.Fprintln(stderr, "c2pconform: configuration:", err)
		return 2
	}
	dir := *suiteDir
	if dir == "" {
		if dir, err = findSuite(); err != nil {
			fmt.Fprintln(stderr, "c2pconform:", err)
			return 2
		}
	}
	outDir, _ := filepath.Abs(cfg.Out)
	_ = os.Remove(filepath.Join(outDir, "report.json"))
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(os.TempDir(), fmt.Sprintf("c2pconform-%d.json", os.Getpid()))
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		fmt.Fprintln(stderr, "c2pconform:", err)
		return 2
	}
	defer os.Remove(cfgFile)
	// Serial runs use go test; parallel ones the ginkgo CLI from the module's
	// own ginkgo dependency, each process with its own bundled simulator.
	goArgs := []string{"test", "-v", "-count=1", "-timeout=60m", ".", "-args", "-ginkgo.v", "-ginkgo.fail-on-empty", "-ginkgo.no-color"}
	if filter != "" {
		goArgs = append(goArgs, "-ginkgo.label-filter="+filter)
	}
	if *parallel > 1 {
		goArgs = []string{"run", "github.com/onsi/ginkgo/v2/ginkgo", "--procs", fmt.Sprint(*parallel), "-v", "--fail-on-empty", "--no-color", "--timeout=60m"}
		if filter != "" {
			goArgs = append(goArgs, "--label-filter", filter)
		}
		goArgs = append(goArgs, ".")
	}
	cmd := exec.Command("go", goArgs...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "C2P_CONFIG="+cfgFile, "C2P_OUT="+outDir, "C2P_TARGET=", "C2P_NETWORKS=")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	fmt.Fprintf(stdout, "c2pconform: target %s, networks %v, filter %q\n", cfg.Target, cfg.Networks, filter)
	_ = cmd.Run() // failures are read from the report; no report is a harness error
	raw, err := os.ReadFile(filepath.Join(outDir, "report.json"))
	if err != nil {
		fmt.Fprintln(stderr, "c2pconform: the suite wrote no report (harness or configuration error, or no scenario selected)")
		return 2
	}
	var rep conformance.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		fmt.Fprintln(stderr, "c2pconform: reading report.json:", err)
		return 2
	}
	return summarise(rep, outDir, stdout)
}

func summarise(rep conformance.Report, outDir string, w io.Writer) int {
	ran := 0
	for _, s := range rep.Scenarios {
		if s.Verdict != conformance.Skipped {
			ran++
		}
	}
	fmt.Fprintf(w, "\n%d scenarios ran. Requirements by network:\n", ran)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "network\tpassed\tfailed\tskipped\tnot covered")
	keys := make([]string, 0, len(rep.Summary))
	for k := range rep.Summary {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := rep.Summary[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", k, c.Passed, c.Failed, c.Skipped, c.NotCovered)
	}
	tw.Flush()
	for _, r := range rep.Requirements {
		if r.Verdict == conformance.Failed {
			fmt.Fprintf(w, "FAILED %s (%s) %s\n", r.ID, r.Level, r.Title)
		}
	}
	fmt.Fprintf(w, "reports: %s/{junit.xml,report.json,report.html}\n", outDir)
	switch {
	case ran == 0:
		fmt.Fprintln(w, "no scenario ran: that is not a pass")
		return 2
	case rep.MustFailed > 0:
		return 1
	}
	return 0
}

// findSuite walks up from the working directory to the module holding the
// scenarios package.
func findSuite() (string, error) {
	dir, _ := os.Getwd()
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/c2psim/c2psim") {
			return filepath.Join(dir, "scenarios"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run c2pconform inside the c2psim module, or give --suite DIR")
		}
		dir = parent
	}
}

func listRequirements(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("requirements", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "table, json or markdown")
	var networks listFlag
	fs.Var(&networks, "network", "only these networks (and the cross-network requirements)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cov, _ := conformance.LoadCoverage()
	var list []requirements.Requirement
	for _, r := range requirements.All() {
		if len(networks) == 0 || r.Network == "" || contains(networks, r.Network) {
			list = append(list, r)
		}
	}
	switch *format {
	case "json":
		type row struct {
			requirements.Requirement
			Scenarios []string `json:"scenarios"`
		}
		rows := make([]row, len(list))
		for i, r := range list {
			rows[i] = row{r, cov.Scenarios[r.ID]}
		}
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintln(stdout, string(b))
	case "markdown":
		fmt.Fprintln(stdout, "| ID | level | title | scenarios |\n| --- | --- | --- | --- |")
		for _, r := range list {
			fmt.Fprintf(stdout, "| %s | %s | %s | %d |\n", r.ID, r.Level, strings.ReplaceAll(r.Title, "|", "/"), len(cov.Scenarios[r.ID]))
		}
	case "table":
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLEVEL\tSCENARIOS\tTITLE")
		for _, r := range list {
			t := r.Title
			if len(t) > 90 {
				t = t[:87] + "..."
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.ID, r.Level, len(cov.Scenarios[r.ID]), t)
		}
		tw.Flush()
	default:
		fmt.Fprintf(stderr, "--format %q: want table, json or markdown\n", *format)
		return 2
	}
	return 0
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// mergeReports combines report.json files from several CI jobs.
func mergeReports(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "reports", "folder for the merged report.json and report.html")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "c2pconform report merge: give the report.json files (or their folders) to merge")
		return 2
	}
	var reps []conformance.Report
	var errs []error
	for _, p := range fs.Args() {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, "report.json")
		}
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var r conformance.Report
		if err := json.Unmarshal(b, &r); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		reps = append(reps, r)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(stderr, "c2pconform report merge:", err)
		return 2
	}
	merged, err := conformance.Merge(reps)
	if err == nil {
		err = conformance.WriteMerged(*out, merged)
	}
	if err != nil {
		fmt.Fprintln(stderr, "c2pconform report merge:", err)
		return 2
	}
	abs, _ := filepath.Abs(*out)
	return summarise(*merged, abs, stdout)
}
