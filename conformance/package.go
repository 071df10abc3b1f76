package conformance

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance/certpkg"
)

// A run's out folder is a certification package:
//
//	report.json, report.html, junit.xml     the reports (views of one Report)
//	cases/<case>/case.json                  the case: verdict, requirements, reason, failure, reproduce line
//	cases/<case>/exchanges.json             its evidence: every exchange, in time order, masked
//	cases/<case>/timeline.txt               the same as lines a person reads
//	manifest.json, manifest.sig             every file's SHA-256, signed (certpkg)
//
// Every file is redacted on the way out: no full card number reaches one.

// Evidence file names inside a case's folder.
const (
	CasesDir      = "cases"
	CaseFile      = "case.json"
	ExchangesFile = "exchanges.json"
	TimelineFile  = "timeline.txt"
)

// Reproduce reruns one case alone against the same target.
type Reproduce struct {
	// Command is the c2pconform command line.
	Command string `json:"command"`
	// Curl is the case's first request as curl, card numbers masked.
	Curl string `json:"curl,omitempty"`
	Note string `json:"note,omitempty"`
}

var caseDirSafe = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// CaseDir is the folder of a case's evidence inside a package.
func CaseDir(caseID string) string {
	return path.Join(CasesDir, caseDirSafe.ReplaceAllString(caseID, "_"))
}

// WritePackage writes rep as a package into dir: the three reports, each
// case's evidence files, and the manifest, signed with key (nil leaves the
// package unsigned: a shard a run writes for itself). What an earlier
// package left in dir (its cases, its manifest) is removed first, so the
// package holds this run alone.
func WritePackage(dir string, rep *Report, key *certpkg.Key, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, old := range []string{CasesDir, certpkg.ManifestFile, certpkg.SignatureFile} {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return fmt.Errorf("clearing the earlier package in %s: %w", dir, err)
		}
	}
	rep.Signature = nil
	if key != nil {
		rep.Signature = &Signature{KeyID: certpkg.KeyID(key.Public()), PublicKey: base64.StdEncoding.EncodeToString(key.Public()), Generated: key.Generated}
	}
	var errs []error
	for i := range rep.Scenarios {
		sc := &rep.Scenarios[i]
		if sc.Reproduce == nil && sc.Verdict != Skipped {
			sc.Reproduce = reproduceOf(rep.Run, *sc)
		}
		if sc.Verdict == Skipped && len(sc.Exchanges) == 0 {
			continue // did not run: report.json says why
		}
		if err := writeCase(dir, rep, sc); err != nil {
			errs = append(errs, fmt.Errorf("writing the evidence of %s: %w", sc.Case, err))
		}
	}
	errs = append(errs, Write(dir, rep))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if _, err := certpkg.Seal(dir, key, now); err != nil {
		return fmt.Errorf("sealing the package: %w", err)
	}
	return nil
}

// caseRecord is what cases/<case>/case.json holds.
type caseRecord struct {
	Scenario
	// Verdicts are those of the requirements the case proves, on its
	// network.
	Verdicts map[string]Verdict `json:"requirementVerdicts"`
}

func writeCase(dir string, rep *Report, sc *Scenario) error {
	rel := CaseDir(sc.Case)
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(full, 0o755); err != nil {
		return err
	}
	sc.Evidence = []string{path.Join(rel, CaseFile)}
	write := func(name string, b []byte) error {
		return os.WriteFile(filepath.Join(full, name), []byte(pan.RedactText(string(b))), 0o644)
	}
	if len(sc.Exchanges) > 0 {
		b, err := json.MarshalIndent(sc.Exchanges, "", "  ")
		if err != nil {
			return err
		}
		if err := write(ExchangesFile, b); err != nil {
			return err
		}
		if err := write(TimelineFile, []byte(timelineText(*sc))); err != nil {
			return err
		}
		sc.Evidence = append(sc.Evidence, path.Join(rel, ExchangesFile), path.Join(rel, TimelineFile))
	}
	rec := caseRecord{Scenario: *sc, Verdicts: map[string]Verdict{}}
	rec.Exchanges = nil
	for _, rr := range rep.Requirements {
		if rr.Network == sc.Network && slices.Contains(sc.Requirements, rr.ID) {
			rec.Verdicts[rr.ID] = rr.Verdict
		}
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return write(CaseFile, b)
}

// timelineText is a case's evidence as lines a person reads.
func timelineText(sc Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\nnetwork %s · verdict %s · requirements %s\n", sc.Case, sc.Name, sc.Network, sc.Verdict, strings.Join(sc.Requirements, ", "))
	if sc.Reason != "" {
		fmt.Fprintf(&b, "reason: %s\n", sc.Reason)
	}
	if sc.Failure != nil {
		fmt.Fprintf(&b, "failure: %s\n", failureText(sc))
	}
	for _, n := range sc.EvidenceNotes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if sc.Reproduce != nil {
		fmt.Fprintf(&b, "reproduce: %s\n", sc.Reproduce.Command)
	}
	b.WriteString("\n")
	for _, x := range sc.Exchanges {
		fmt.Fprintf(&b, "#%d %s %s %s %s %s %s → %s (%.1f ms)", x.N, x.Time.UTC().Format("15:04:05.000"), x.Flow, x.Network, x.Operation, x.Method, x.URL, statusText(x.Status), x.LatencyMs)
		if x.Attempt > 0 {
			fmt.Fprintf(&b, " attempt %d", x.Attempt)
		}
		if v := x.Verdicts(); v != "" {
			fmt.Fprintf(&b, " [%s]", v)
		}
		if x.Fault != "" {
			fmt.Fprintf(&b, " fault %s", x.Fault)
		}
		if x.Error != "" {
			fmt.Fprintf(&b, " error: %s", x.Error)
		}
		b.WriteString("\n")
		for _, part := range []struct{ name, body string }{{"request", x.RequestBody}, {"request (decrypted)", x.RequestPlain},
			{"answer", x.ResponseBody}, {"answer (decrypted)", x.ResponsePlain}} {
			if part.body != "" {
				fmt.Fprintf(&b, "    %s: %s\n", part.name, oneLine(part.body, 2000))
			}
		}
	}
	return b.String()
}

func statusText(s int) string {
	if s == 0 {
		return "no answer"
	}
	return strconv.Itoa(s)
}

func oneLine(s string, max int) string {
	var c map[string]any
	if json.Unmarshal([]byte(s), &c) == nil {
		if b, err := json.Marshal(c); err == nil {
			s = string(b)
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "… (whole in " + ExchangesFile + ")"
	}
	return s
}

// reproduceOf is the command that reruns sc alone against the same
// target with the same seeds, configuration, capability declaration and
// waivers, and the curl of its first request.
func reproduceOf(run RunInfo, sc Scenario) *Reproduce {
	var args []string
	if run.Defect != "" {
		args = append(args, EnvDefect+"="+shellQuote(run.Defect))
	}
	args = append(args, "c2pconform", "run", "--case", sc.Case, "--network", sc.Network, "--target", run.Target, "--seed", strconv.FormatInt(run.GinkgoSeed, 10))
	if run.Target == "bundled" {
		args = append(args, "--simulator-seed", strconv.FormatInt(run.Seed, 10))
	}
	if f := run.Record.ConfigFile; f != "" {
		args = append(args, "--config", shellQuote(f))
	}
	if run.Capabilities != nil {
		args = append(args, "--capabilities", shellQuote(run.Capabilities.File))
	}
	if run.Waivers != nil {
		args = append(args, "--waivers", shellQuote(run.Waivers.File))
	}
	args = append(args, "--out", shellQuote("rerun-"+sc.Case))
	r := &Reproduce{Command: strings.Join(args, " ")}
	for _, x := range sc.Exchanges {
		if x.Flow != FlowHarnessIssuer && x.Flow != FlowHarnessSim {
			continue
		}
		r.Curl = curlOf(x)
		r.Note = "card numbers in the curl are masked (the rerun sends the same ones, made from the seeds)"
		if x.Flow == FlowHarnessSim {
			r.Note += "; the simulator journals credentials by their scheme only: add your own"
		} else if run.Target == "bundled" {
			r.Note += "; the bundled issuer's driver listened on a port of its own during the run"
		}
		break
	}
	return r
}

func curlOf(x Exchange) string {
	parts := []string{"curl", "-sS", "-X", x.Method, shellQuote(x.URL)}
	for _, h := range []string{"Content-Type", "X-Correlation-Id"} {
		for k, v := range x.RequestHeader {
			if strings.EqualFold(k, h) {
				parts = append(parts, "-H", shellQuote(k+": "+v))
			}
		}
	}
	if x.RequestBody != "" {
		parts = append(parts, "--data-binary", shellQuote(x.RequestBody))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ReadPackage reads a package (folder or zip): its report.json with every
// case's exchanges loaded back from its evidence files. The package is
// verified first (o: which key, whether unsigned is acceptable); skip
// verification only for a package this process wrote itself.
func ReadPackage(p string, o certpkg.VerifyOptions, verify bool) (*Report, *certpkg.Result, error) {
	fsys, closer, err := certpkg.Open(p)
	if err != nil {
		return nil, nil, err
	}
	defer closer()
	var res *certpkg.Result
	if verify {
		if res, err = certpkg.VerifyFS(fsys, o); err != nil {
			return nil, nil, fmt.Errorf("%s does not verify: %w", p, err)
		}
	}
	b, err := fs.ReadFile(fsys, "report.json")
	if err != nil {
		return nil, res, fmt.Errorf("%s: %w", p, err)
	}
	rep, err := decodeReport(p, b)
	if err != nil {
		return nil, res, err
	}
	for i := range rep.Scenarios {
		sc := &rep.Scenarios[i]
		for _, f := range sc.Evidence {
			if path.Base(f) != ExchangesFile {
				continue
			}
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, res, fmt.Errorf("%s: the evidence of %s: %w", p, sc.Case, err)
			}
			if err := json.Unmarshal(b, &sc.Exchanges); err != nil {
				return nil, res, fmt.Errorf("%s: %s: %w", p, f, err)
			}
		}
	}
	return rep, res, nil
}
