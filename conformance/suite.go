package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// coveragePath is coverage.json seen from the scenarios package directory,
// where `go test ./scenarios/` runs.
const coveragePath = "../conformance/coverage.json"

// Environment variables the CLI hands a suite process.
const (
	// EnvRunID is the run ID shards of one run share.
	EnvRunID = "C2P_RUN_ID"
	// EnvShard names a shard of a parallel run ("2/4").
	EnvShard = "C2P_SHARD"
	// EnvPreflightDone tells a shard that c2pconform already ran the
	// run's preflight (clean check, reset, callback registration).
	EnvPreflightDone = "C2P_PREFLIGHT_DONE"
	// EnvList asks a dry run to write the selected cases to this file.
	EnvList = "C2P_LIST"
	// EnvDefect names a deliberate issuer defect for the harness's own
	// mutation tests (bundled target only). Never set it for a real run.
	EnvDefect = "C2P_DEFECT"
)

var (
	currentMu sync.Mutex
	current   *Target
	config    Config
	runInfo   RunInfo
)

// Current is the target of this ginkgo process.
func Current() *Target {
	currentMu.Lock()
	defer currentMu.Unlock()
	return current
}

// Settings is the loaded configuration.
func Settings() Config { return config }

// Run is this run's identity and selection.
func Run() RunInfo { return runInfo }

// Install wires the harness into a ginkgo suite. Call it once, at the top
// level of the suite's entry file: it checks the catalog and labels before
// any spec runs, starts this process's target, skips (with the reason) the
// cases of networks not under test, records masked journal evidence for
// every case (the driver calls and the simulator's journal entries it
// made), and writes the reports after the suite, also when it could not
// start.
func Install() {
	var mark uint64
	ginkgo.SynchronizedBeforeSuite(func(ctx ginkgo.SpecContext) []byte {
		// Once per run (process 1): the whole preflight of an external
		// target, unless c2pconform did it before starting the shards.
		cfg := setUp()
		if cfg.Target == "external" && os.Getenv(EnvPreflightDone) == "" {
			t, _ := External(cfg)
			pf, err := RunPreflight(ctx, t, cfg, true, cfg.ResetSimulator)
			notes = pf.Notes
			if err != nil {
				ginkgo.Fail("preflight: " + pan.RedactText(err.Error()))
			}
		}
		return nil
	}, func(ctx ginkgo.SpecContext, _ []byte) {
		// Every process: its own target, and what the simulator and the
		// driver say about themselves.
		cfg := setUp()
		var t *Target
		var err error
		switch cfg.Target {
		case "bundled":
			t, err = Bundled(BundledOptions{Networks: cfg.Networks, Settings: cfg.Settings, Seed: cfg.Seed, Defect: runInfo.Defect})
		case "external":
			t, err = External(cfg)
		}
		if err != nil {
			ginkgo.Fail("starting the " + cfg.Target + " target: " + err.Error())
		}
		ginkgo.DeferCleanup(t.Close)
		pf, err := RunPreflight(ctx, t, cfg, false, false)
		runInfo.SUT, runInfo.Simulator, t.Info = pf.SUT, pf.Simulator, pf.Info
		if err != nil {
			ginkgo.Fail("preflight: " + pan.RedactText(err.Error()))
		}
		if err := runInfo.Record.Observe(ctx, t); err != nil {
			ginkgo.Fail("recording the run: " + pan.RedactText(err.Error()))
		}
		t.Driver.OnBroken = HarnessFailure
		t.Driver.Record = evidence.record
		currentMu.Lock()
		current = t
		currentMu.Unlock()
	}, ginkgo.NodeTimeout(2*time.Minute))
	ginkgo.BeforeEach(func() {
		t := Current()
		l := readLabels(ginkgo.CurrentSpecReport().Labels())
		if n := l.Network; n != "" && !t.UnderTest(n) {
			ginkgo.Skip(fmt.Sprintf("network %s is not under test (networks: %s)", n, strings.Join(t.Networks, ", ")))
		}
		if reason := notApplicable(l); reason != "" {
			ginkgo.Skip(reason)
		}
		entries, _ := t.Control.Journal(context.Background(), journal.Query{Limit: 1})
		mark = 0
		if len(entries) == 1 {
			mark = entries[0].Seq
		}
		caseMark.Store(mark)
		// The case's evidence: every driver call as it happens, and the
		// simulator's journal after the mark once the case and its own
		// cleanups are over (this cleanup, registered first, runs last).
		evidence.reset()
		from := mark
		ginkgo.DeferCleanup(func(ctx context.Context) {
			filter := t.Name == "external" && os.Getenv(EnvShard) != ""
			xs, notes := evidence.collect(ctx, t.Control, from, filter, l.SimulatorCheck)
			b, _ := json.Marshal(caseEvidenceEntry{Exchanges: xs, Notes: notes})
			ginkgo.AddReportEntry(evidenceEntry, pan.RedactText(string(b)), ginkgo.ReportEntryVisibilityNever)
		}, ginkgo.NodeTimeout(time.Minute))
	})
	// Every fault rule a case armed is removed when the case ends, whatever
	// its outcome: after the last case the simulator holds none. A process
	// checks the simulator it owns (bundled); an external simulator is
	// checked once every case of the run is over, here when this is the
	// only process, else by c2pconform after its shards.
	ginkgo.SynchronizedAfterSuite(func(ctx ginkgo.SpecContext) {
		if t := Current(); t != nil && t.Name == "bundled" {
			leftArmed(ctx, t.Control)
		}
	}, func(ctx ginkgo.SpecContext) {
		if t := Current(); t != nil && t.Name == "external" && os.Getenv(EnvShard) == "" && ginkgo.GinkgoParallelProcess() == 1 {
			leftArmed(ctx, t.Control)
		}
	}, ginkgo.NodeTimeout(time.Minute))
	ginkgo.ReportAfterSuite("c2psim conformance reports", func(r types.Report) {
		if r.SuiteConfig.DryRun {
			// Listing the cases (c2pconform shards a parallel run so): nothing ran.
			if path := os.Getenv(EnvList); path != "" {
				if err := writeCaseList(path, r); err != nil {
					ginkgo.Fail("listing the cases: " + err.Error())
				}
			}
			return
		}
		// With no case selected no BeforeSuite ran: the configuration (and
		// where the reports go) is loaded here.
		cfg, err := load()
		if cfg.Out == "" {
			cfg.Out = DefaultConfig().Out
		}
		rep := Build(r, runInfo)
		if err != nil && !strings.Contains(strings.Join(rep.Errors, "\n"), "the suite cannot start") {
			rep.Errors = append(rep.Errors, pan.RedactText("the suite cannot start: "+err.Error()))
			rep.Recompute()
		}
		rep.Notes = append(rep.Notes, notes...)
		// An unsigned package: c2pconform reads it back, merges the shards
		// and signs what it hands over.
		if err := WritePackage(cfg.Out, rep, nil, time.Now()); err != nil {
			ginkgo.Fail(fmt.Sprintf("writing reports to %s: %v", cfg.Out, err))
		}
		// A complete run of the repository's own suite also checks coverage.
		complete := r.SuiteConfig.LabelFilter == "" && len(r.SuiteConfig.FocusStrings) == 0 && len(r.SuiteConfig.SkipStrings) == 0 &&
			os.Getenv(EnvShard) == "" && runInfo.Defect == ""
		if _, err := os.Stat(coveragePath); complete && err == nil {
			if err := CheckCoverage(r, coveragePath, os.Getenv("C2P_UPDATE_COVERAGE") == "1"); err != nil {
				ginkgo.Fail("conformance coverage:\n" + err.Error())
			}
		}
	})
}

// leftArmed fails the suite, as a harness error, when the simulator still
// holds fault rules after the last case.
func leftArmed(ctx context.Context, c Control) {
	if err := LeftArmed(ctx, c); err != nil {
		ginkgo.Fail(err.Error())
	}
}

// LeftArmed reports the fault rules a simulator still holds once every case
// of a run is over: a case that did not remove what it armed, which would
// meet the next run's first case.
func LeftArmed(ctx context.Context, c Control) error {
	rules, err := c.Faults(ctx)
	if err != nil {
		return fmt.Errorf("listing the simulator's fault rules after the last case: %w", err)
	}
	if len(rules) == 0 {
		return nil
	}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID+" ("+r.Describe()+")")
	}
	return fmt.Errorf("the run left %d fault rules armed at the simulator after its last case: %s", len(rules), pan.RedactText(strings.Join(ids, ", ")))
}

var caseMark atomic.Uint64

// CaseMark is the sequence number of the simulator's newest journal entry
// when the current case began: its own exchanges come after it.
func CaseMark() uint64 { return caseMark.Load() }

// Process is this suite process's number: its shard in a parallel
// c2pconform run, else ginkgo's parallel process. Scenarios put it in the
// identifiers they make, so shards against one simulator never collide.
func Process() int {
	if s := os.Getenv(EnvShard); s != "" {
		var i, n int
		if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err == nil && i > 0 {
			return i
		}
	}
	return ginkgo.GinkgoParallelProcess()
}

// ListedCase is one case of a dry run's list.
type ListedCase struct {
	Case   string `json:"case"`
	Serial bool   `json:"serial,omitempty"`
}

func writeCaseList(path string, r types.Report) error {
	var out []ListedCase
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt || s.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
			continue
		}
		out = append(out, ListedCase{Case: readLabels(s.Labels()).Case, Serial: s.IsSerial})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

var (
	setUpOnce sync.Once
	setUpErr  error
	notes     []string
)

// setUp loads the configuration and this run's identity once per process,
// failing the suite (every problem at once) when either is wrong.
func setUp() Config {
	cfg, err := load()
	if err != nil {
		ginkgo.Fail("the suite cannot start:\n" + err.Error())
	}
	return cfg
}

// load is setUp without failing: the reports are written from it when no
// case ran, so no BeforeSuite loaded the configuration.
func load() (Config, error) {
	setUpOnce.Do(func() {
		runInfo = newRunInfo()
		cfg, err := LoadConfig("")
		config = cfg
		runInfo.Target, runInfo.Seed = cfg.Target, cfg.Seed
		runInfo.Selection = cfg.selection()
		runInfo.ConfigDigest = cfg.Digest()
		runInfo.Record = NewRunRecord(cfg)
		runInfo.Capabilities, runInfo.Waivers, _ = cfg.Declarations()
		scope = runInfo.Capabilities.Scope()
		setUpErr = errors.Join(CheckCatalog(), err)
	})
	return config, setUpErr
}

func newRunInfo() RunInfo {
	id := os.Getenv(EnvRunID)
	if id == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	return RunInfo{ID: id, Shard: os.Getenv(EnvShard), Version: simulator.Version, Defect: os.Getenv(EnvDefect)}
}

// HarnessFailure ends the current case as a harness error, not a failure:
// the driver or simulator could not be reached, or answered outside its
// contract. The case's verdict is "error" and the run exits 2.
func HarnessFailure(err error) {
	msg := pan.RedactText(err.Error())
	ginkgo.AddReportEntry(harnessEntry, msg, ginkgo.ReportEntryVisibilityNever)
	ginkgo.Fail("harness error: "+msg, 2)
}
