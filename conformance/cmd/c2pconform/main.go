// Command c2pconform runs the Click to Pay issuer conformance suites and
// writes junit.xml, report.json and report.html. The suites are compiled
// in: the binary runs from any directory with nothing else installed.
//
//	c2pconform run [--config FILE] [--target bundled|external] [--network visa,...]
//	               [--level must|should] [--requirement ID ...] [--case ID ...]
//	               [--out DIR] [--parallel N] [--seed N] [--reset]
//	c2pconform requirements [--network visa] [--format table|json|markdown]
//	               [--capabilities FILE] [--waivers FILE] [--signing-key FILE] [--package]
//	c2pconform verify [--public-key FILE] [--allow-stale] DIR|ZIP
//	c2pconform features [--network visa,...]
//	c2pconform report merge --out DIR [--signing-key FILE] [--public-key FILE] [--package] DIR|ZIP ...
//	c2pconform config init
//
// Exit codes: 0 every selected MUST requirement passed on every network
// under test; 1 one failed, or one did not get a complete verdict
// (incomplete, not covered); 2 a configuration or harness error (a run in
// which no case ran is one).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/certpkg"
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
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "run":
		return runSuites(args[1:], stdout, stderr)
	case childCommand:
		return runChild(args[1:], stderr)
	case "requirements":
		return listRequirements(args[1:], stdout, stderr)
	case "features":
		return listFeatures(args[1:], stdout, stderr)
	case "verify":
		return verifyPackage(args[1:], stdout, stderr)
	case "report":
		if len(args) >= 2 && args[1] == "merge" {
			return mergeReports(args[2:], stdout, stderr)
		}
		fmt.Fprintln(stderr, "usage: c2pconform report merge --out DIR DIR|ZIP ...")
		return 2
	case "config":
		if len(args) == 2 && args[1] == "init" {
			fmt.Fprint(stdout, conformance.AnnotatedDefault)
			return 0
		}
		fmt.Fprintln(stderr, "usage: c2pconform config init")
		return 2
	}
	fmt.Fprintf(stderr, "unknown command %q\n%s", args[0], usage)
	return 2
}

const usage = `usage:
  c2pconform run [--config FILE] [--target bundled|external] [--network visa,...]
                 [--level must|should] [--requirement ID,...] [--case ID,...]
                 [--out DIR] [--parallel N] [--seed N] [--simulator-seed N] [--reset]
                 [--capabilities FILE] [--waivers FILE] [--signing-key FILE] [--package]
  c2pconform verify [--public-key FILE] [--allow-stale] DIR|ZIP
  c2pconform requirements [--network visa,...] [--format table|json|markdown]
  c2pconform features [--network visa,...]
  c2pconform report merge --out DIR [--signing-key FILE] [--public-key FILE] [--package] DIR|ZIP ...
  c2pconform config init
exit codes: 0 passed, 1 a MUST failed or is not proven (or an expired or stale waiver; verify: the package differs or is stale),
            2 a configuration or harness error
`

// labelFilter selects scenarios: networks (plus the cross-network ones),
// level and requirement IDs. Unknown IDs and levels are errors, all at once.
func labelFilter(networks, reqs []string, level string) (string, error) {
	var parts, errs []string
	if len(networks) > 0 {
		var ns []string
		for _, n := range networks {
			if _, ok := requirements.ParseNetwork(n); !ok {
				errs = append(errs, fmt.Sprintf("unknown network %q", n))
			}
			ns = append(ns, "net:"+n)
		}
		parts = append(parts, "("+strings.Join(ns, " || ")+")")
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

func summarise(rep *conformance.Report, outDir string, w io.Writer) int {
	fmt.Fprintf(w, "\n%d cases ran. Requirements by network (in the selection):\n", rep.Ran())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "network\tpassed\tfailed\twaived\tnot applicable\terror\tincomplete\tnot covered")
	keys := make([]string, 0, len(rep.Summary))
	for k := range rep.Summary {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { // the networks by name, the total last
		if (keys[i] == "total") != (keys[j] == "total") {
			return keys[j] == "total"
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		c := rep.Summary[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", k, c.Passed, c.Failed, c.Waived, c.NotApplicable, c.Error, c.Incomplete, c.NotCovered)
	}
	tw.Flush()
	for _, r := range rep.Requirements {
		switch {
		case r.Verdict == conformance.Failed:
			fmt.Fprintf(w, "FAILED %s on %s (%s) %s\n", r.ID, r.Network, r.Level, r.Title)
		case r.Verdict == conformance.Error:
			fmt.Fprintf(w, "ERROR %s on %s: %s\n", r.ID, r.Network, strings.Join(r.Reasons, "; "))
		case r.InScope && r.Level == requirements.Must && (r.Verdict == conformance.Incomplete || r.Verdict == conformance.NotCovered):
			fmt.Fprintf(w, "%s %s on %s (MUST): %s\n", strings.ToUpper(string(r.Verdict)), r.ID, r.Network, strings.Join(r.Reasons, "; "))
		}
	}
	for _, r := range rep.Declaration.Refused {
		fmt.Fprintln(w, "DECLARATION REFUSED:", r)
	}
	for _, u := range rep.WaiverUses {
		switch {
		case u.Problem():
			fmt.Fprintf(w, "WAIVER %s: %s: %s\n", strings.ToUpper(u.Status), u.Waiver, u.Note)
		case u.Status == conformance.WaiverApplied:
			fmt.Fprintf(w, "waived: %s: %s (%s)\n", strings.Join(u.Matched, "; "), u.Reason, u.Waiver)
		}
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(w, "HARNESS ERROR:", e)
	}
	fmt.Fprintf(w, "reports: %s/{junit.xml,report.json,report.html,cases/,manifest.json,manifest.sig}\noutcome: %s (exit %d)\n", outDir, rep.Outcome, rep.ExitCode)
	return rep.ExitCode
}

func listRequirements(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("requirements", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "table, json or markdown")
	var networks listFlag
	fs.Var(&networks, "network", "only these networks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var nets []requirements.Network
	for _, n := range networks {
		net, ok := requirements.ParseNetwork(n)
		if !ok {
			fmt.Fprintf(stderr, "c2pconform requirements: unknown network %q (want mastercard, visa, amex or discover)\n", n)
			return 2
		}
		nets = append(nets, net)
	}
	if len(nets) == 0 {
		nets = requirements.Networks()
	}
	cov, _ := conformance.LoadCoverage()
	type row struct {
		ID         string             `json:"id"`
		Network    string             `json:"network"`
		Level      requirements.Level `json:"level"`
		Title      string             `json:"title"`
		Rule       string             `json:"rule"`
		Source     string             `json:"source,omitempty"`
		Documented bool               `json:"documented"`
		Cases      []string           `json:"cases"`
	}
	var rows []row
	for _, r := range requirements.All() {
		for _, n := range nets {
			st, ok := r.On(n)
			if !ok {
				continue
			}
			rows = append(rows, row{r.ID, string(n), r.Level, st.Title, r.Title, st.Source, st.Documented, cov.CasesOf(r.ID, string(n))})
		}
	}
	switch *format {
	case "json":
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintln(stdout, string(b))
	case "markdown":
		fmt.Fprintln(stdout, "| ID | network | level | fidelity | title | cases |\n| --- | --- | --- | --- | --- | --- |")
		for _, r := range rows {
			fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %d |\n", r.ID, r.Network, r.Level, fidelity(r.Documented), strings.ReplaceAll(r.Title, "|", "/"), len(r.Cases))
		}
	case "table":
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNETWORK\tLEVEL\tFIDELITY\tCASES\tTITLE")
		for _, r := range rows {
			t := r.Title
			if len(t) > 80 {
				t = t[:77] + "..."
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Network, r.Level, fidelity(r.Documented), len(r.Cases), t)
		}
		tw.Flush()
	default:
		fmt.Fprintf(stderr, "--format %q: want table, json or markdown\n", *format)
		return 2
	}
	return 0
}

func fidelity(documented bool) string {
	if documented {
		return "documented"
	}
	return "inferred"
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// mergeReports combines the packages of the shards of one run: each is
// verified first (its signature and every file), then merged, and the
// merged package is signed.
func mergeReports(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "reports", "folder for the merged package")
	signingKey := fs.String("signing-key", "", "Ed25519 private key (PEM PKCS#8) that signs the merged package (default: one generated)")
	publicKey := fs.String("public-key", "", "the public key every shard must be signed with")
	zipped := fs.Bool("package", false, "also write the merged package as one zip file, <out>.zip")
	shards, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(shards) == 0 {
		fmt.Fprintln(stderr, "c2pconform report merge: give the shards' packages (folders or zips) to merge")
		return 2
	}
	o, err := pinnedKey(*publicKey)
	if err != nil {
		fmt.Fprintln(stderr, "c2pconform report merge: --public-key:", err)
		return 2
	}
	var reps []*conformance.Report
	var errs []error
	for _, p := range shards {
		if filepath.Base(p) == "report.json" {
			p = filepath.Dir(p)
		}
		r, _, err := conformance.ReadPackage(p, o, true)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		reps = append(reps, r)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(stderr, "c2pconform report merge: refused:", err)
		return 2
	}
	merged, warnings, err := conformance.Merge(reps)
	if err != nil {
		fmt.Fprintln(stderr, "c2pconform report merge: refused:", err)
		return 2
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "c2pconform report merge:", w)
	}
	pkg := packaging{zip: *zipped}
	if *signingKey != "" {
		if pkg.key, err = certpkg.LoadKey(*signingKey); err != nil {
			fmt.Fprintln(stderr, "c2pconform report merge:", err)
			return 2
		}
	}
	abs, _ := filepath.Abs(*out)
	if err := pkg.write(abs, merged, stdout); err != nil {
		fmt.Fprintln(stderr, "c2pconform report merge:", err)
		return 2
	}
	return summarise(merged, abs, stdout)
}

// parseInterleaved parses fs's flags wherever they stand among the
// operands (verify DIR --public-key FILE as well as verify --public-key
// FILE DIR) and returns the operands in order; "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(operands, rest...), nil
		}
		operands, args = append(operands, rest[0]), rest[1:]
	}
}

// verifyPackage checks a package: the signature over its manifest, every
// file against the manifest (naming the first that differs), the key the
// report prints against the one that signed, and its expiry.
func verifyPackage(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	publicKey := fs.String("public-key", "", "the public key the package must be signed with (PEM PUBLIC KEY or base64): your team's")
	allowStale := fs.Bool("allow-stale", false, "check the files only: accept a report past its expiry")
	operands, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(operands) != 1 {
		fmt.Fprintln(stderr, "usage: c2pconform verify [--public-key FILE] [--allow-stale] DIR|ZIP")
		return 2
	}
	p := operands[0]
	o, err := pinnedKey(*publicKey)
	if err != nil {
		fmt.Fprintln(stderr, "c2pconform verify: --public-key:", err)
		return 2
	}
	if _, err := os.Stat(p); err != nil {
		fmt.Fprintln(stderr, "c2pconform verify:", err)
		return 2
	}
	rep, res, err := conformance.ReadPackage(p, o, true)
	if err != nil {
		fmt.Fprintln(stderr, "c2pconform verify: FAILED:", err)
		return 1
	}
	if rep.Signature == nil || rep.Signature.KeyID != res.Manifest.KeyID {
		printed := "none"
		if rep.Signature != nil {
			printed = rep.Signature.KeyID
		}
		fmt.Fprintf(stderr, "c2pconform verify: FAILED: report.json prints signing key %s, but the package is signed with %s\n", printed, res.Manifest.KeyID)
		return 1
	}
	how := "your key"
	if o.PublicKey == nil {
		how = "the key it names (pin yours with --public-key)"
	}
	if res.Manifest.Generated {
		how += "; generated for the run"
	}
	fmt.Fprintf(stdout, "verified: %d files unchanged, signed with %s by %s\n", len(res.Manifest.Files), res.Manifest.KeyID, how)
	fmt.Fprintf(stdout, "report: %s, outcome %s (exit %d), run %s started %s\n", rep.Run.SUT, rep.Outcome, rep.ExitCode, rep.Run.ID, rep.Run.Started.UTC().Format(time.RFC3339))
	today := conformance.Today(time.Now())
	if rep.Run.Record.StaleOn(today) {
		if !*allowStale {
			fmt.Fprintf(stderr, "c2pconform verify: STALE: the report held until %s (today is %s); --allow-stale checks the files only\n", rep.Run.Record.Expires, today)
			return 1
		}
		fmt.Fprintf(stdout, "stale: the report held until %s\n", rep.Run.Record.Expires)
	} else if rep.Run.Record.Expires != "" {
		fmt.Fprintf(stdout, "valid until %s\n", rep.Run.Record.Expires)
	}
	return 0
}

// listFeatures prints each network's features: what a capability
// declaration may name, mandatory or optional, and what each gates.
func listFeatures(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var networks listFlag
	fs.Var(&networks, "network", "only these networks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	nets := requirements.Networks()
	if len(networks) > 0 {
		nets = nil
		for _, n := range networks {
			net, ok := requirements.ParseNetwork(n)
			if !ok {
				fmt.Fprintf(stderr, "c2pconform features: unknown network %q\n", n)
				return 2
			}
			nets = append(nets, net)
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NETWORK\tFEATURE\tPROGRAM\tREQUIREMENTS\tTITLE")
	for _, n := range nets {
		for _, f := range requirements.Features(n) {
			prog := "optional"
			if f.Mandatory {
				prog = "mandatory"
			}
			var ids []string
			for _, r := range f.Requirements {
				ids = append(ids, r.ID)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, f.ID, prog, strings.Join(ids, ","), f.Title)
		}
	}
	tw.Flush()
	return 0
}

// pinnedKey is the verify options pinning the public key in file (PEM
// PUBLIC KEY or base64), or pinning none when file is empty.
func pinnedKey(file string) (certpkg.VerifyOptions, error) {
	var o certpkg.VerifyOptions
	if file == "" {
		return o, nil
	}
	b, err := os.ReadFile(file)
	if err == nil {
		o.PublicKey, err = certpkg.ParsePublicKey(b)
	}
	return o, err
}
