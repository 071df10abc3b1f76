package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/c2psim/c2psim/simulator/journal"
)

// coveragePath is coverage.json seen from the scenarios package directory,
// where `go test ./scenarios/` runs.
const coveragePath = "../conformance/coverage.json"

var (
	currentMu sync.Mutex
	current   *Target
	config    Config
)

// Current is the target of this ginkgo process.
func Current() *Target {
	currentMu.Lock()
	defer currentMu.Unlock()
	return current
}

// Settings is the loaded configuration.
func Settings() Config { return config }

// Install wires the harness into a ginkgo suite. Call it once, at the top
// level of the suite's entry file: it checks the catalog and labels before
// any spec runs, starts this process's target, records masked journal
// evidence for every failed scenario, and writes the reports after the suite.
func Install() {
	var mark uint64
	ginkgo.BeforeSuite(func() {
		if err := CheckCatalog(); err != nil {
			ginkgo.Fail("requirement labels are wrong:\n" + err.Error())
		}
		cfg, err := LoadConfig("")
		if err != nil {
			ginkgo.Fail("configuration: " + err.Error())
		}
		config = cfg
		var t *Target
		switch cfg.Target {
		case "bundled":
			t, err = Bundled(cfg.Networks, cfg.Settings, cfg.Seed)
		case "external":
			t, err = External(cfg)
		}
		if err != nil {
			ginkgo.Fail("starting the " + cfg.Target + " target: " + err.Error())
		}
		currentMu.Lock()
		current = t
		currentMu.Unlock()
		ginkgo.DeferCleanup(t.Close)
	})
	ginkgo.BeforeEach(func() {
		if n, ok := outsideTarget(ginkgo.CurrentSpecReport().Labels(), Current().Networks); ok {
			ginkgo.Skip(fmt.Sprintf("network %s is not under test (networks: %s)", n, strings.Join(Current().Networks, ", ")))
		}
		entries, _ := Current().Control.Journal(context.Background(), journal.Query{Limit: 1})
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
		ginkgo.AddReportEntry(evidenceEntry, string(b), ginkgo.ReportEntryVisibilityNever)
	})
	ginkgo.ReportAfterSuite("c2psim conformance reports", func(r types.Report) {
		cfg := config
		if cfg.Out == "" {
			return // the suite never configured (catalog or config error): nothing to report
		}
		networks := cfg.Networks
		if len(networks) == 0 {
			networks = WiredNetworks()
		}
		rep := Build(r, cfg.Target, networks, cfg.Seed)
		if err := Write(cfg.Out, r, rep); err != nil {
			ginkgo.Fail(fmt.Sprintf("writing reports to %s: %v", cfg.Out, err))
		}
		// A complete run of the repository's own suite also checks coverage.
		complete := r.SuiteConfig.LabelFilter == "" && len(r.SuiteConfig.FocusStrings) == 0 && len(r.SuiteConfig.SkipStrings) == 0
		if _, err := os.Stat(coveragePath); complete && err == nil {
			if err := CheckCoverage(r, coveragePath, os.Getenv("C2P_UPDATE_COVERAGE") == "1"); err != nil {
				ginkgo.Fail("conformance coverage:\n" + err.Error())
			}
		}
	})
}

// External targets a running c2psim (admin API) and an issuer driver.
func External(cfg Config) (*Target, error) {
	networks := cfg.Networks
	if len(networks) == 0 {
		networks = WiredNetworks()
	}
	return &Target{Name: "external", Networks: networks,
		Driver:  &Driver{BaseURL: cfg.DriverURL, HTTP: http.DefaultClient},
		Control: &AdminControl{BaseURL: cfg.SimulatorURL, HTTP: http.DefaultClient, Token: cfg.SimulatorAdminToken},
		SimURL:  cfg.SimulatorURL, HTTP: http.DefaultClient}, nil
}

// outsideTarget reports the network of a spec whose requirement labels name
// only networks the target does not test: the capability declaration (the
// configured networks) selects the scenarios that run.
func outsideTarget(labels, networks []string) (string, bool) {
	var named []string
	for _, l := range labels {
		n, ok := strings.CutPrefix(l, "net:")
		if !ok {
			continue
		}
		if n == "all" || slices.Contains(networks, n) {
			return "", false
		}
		named = append(named, n)
	}
	if len(named) == 0 {
		return "", false
	}
	return strings.Join(named, ", "), true
}
