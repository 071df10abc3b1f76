package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

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
// every failed case, and writes the reports after the suite, also when it
// could not start.
func Install() {
	var mark uint64
	ginkgo.BeforeSuite(func() {
		runInfo = newRunInfo()
		if err := CheckCatalog(); err != nil {
			ginkgo.Fail("requirement labels are wrong:\n" + err.Error())
		}
		cfg, err := LoadConfig("")
		config = cfg
		runInfo.Target, runInfo.Seed = cfg.Target, cfg.Seed
		runInfo.Selection = cfg.selection()
		if err != nil {
			ginkgo.Fail("configuration: " + err.Error())
		}
		var t *Target
		switch cfg.Target {
		case "bundled":
			t, err = Bundled(BundledOptions{Networks: cfg.Networks, Settings: cfg.Settings, Seed: cfg.Seed, Defect: runInfo.Defect})
		case "external":
			t, err = External(cfg)
		}
		if err != nil {
			ginkgo.Fail("starting the " + cfg.Target + " target: " + err.Error())
		}
		t.Driver.OnBroken = HarnessFailure
		currentMu.Lock()
		current = t
		currentMu.Unlock()
		ginkgo.DeferCleanup(t.Close)
	})
	ginkgo.BeforeEach(func() {
		t := Current()
		if n := readLabels(ginkgo.CurrentSpecReport().Labels()).Network; n != "" && !t.UnderTest(n) {
			ginkgo.Skip(fmt.Sprintf("network %s is not under test (networks: %s)", n, strings.Join(t.Networks, ", ")))
		}
		entries, _ := t.Control.Journal(context.Background(), journal.Query{Limit: 1})
		mark = 0
		if len(entries) == 1 {
			mark = entries[0].Seq
		}
	})
	ginkgo.AfterEach(func() {
		if !ginkgo.CurrentSpecReport().Failed() {
			return
		}
		entries, err := Current().Control.Journal(context.Background(), journal.Query{AfterSeq: mark, Limit: 50})
		if err != nil || len(entries) == 0 {
			return
		}
		b, _ := json.Marshal(entries)
		ginkgo.AddReportEntry(evidenceEntry, pan.RedactText(string(b)), ginkgo.ReportEntryVisibilityNever)
	})
	ginkgo.ReportAfterSuite("c2psim conformance reports", func(r types.Report) {
		cfg := config
		if cfg.Out == "" {
			cfg = DefaultConfig()
		}
		rep := Build(r, runInfo)
		if err := Write(cfg.Out, rep); err != nil {
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
