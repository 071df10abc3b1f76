package conformance

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/conformance/declaration"
	"github.com/c2psim/c2psim/simulator"
)

// RunRecord says what a run tested, with what, where, by whom and until
// when its report holds.
type RunRecord struct {
	// Harness is the c2pconform that ran the cases.
	Harness BuildInfo `json:"harness"`
	// SimulatorRevision is the build revision the simulator reports.
	SimulatorRevision string `json:"simulatorRevision,omitempty"`
	Host              string `json:"host"`
	Operator          string `json:"operator"`
	// ConfigFile is the configuration the run was given, as given.
	ConfigFile string `json:"configFile,omitempty"`
	// Documents are the network documents the simulator served, each with
	// its version and digest.
	Documents []DocumentRecord `json:"documents,omitempty"`
	// Settings are the simulator's network settings in force, by
	// "<network>.<key>" (defaults included).
	Settings map[string]string `json:"settings,omitempty"`
	// ValidDays is how long the report holds; Expires the day after which
	// it is stale (YYYY-MM-DD).
	ValidDays int    `json:"validDays"`
	Expires   string `json:"expires,omitempty"`
}

// BuildInfo identifies a binary.
type BuildInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	GoVersion string `json:"goVersion"`
}

// DocumentRecord is one network document the run was judged against.
type DocumentRecord struct {
	Network   string `json:"network"`
	Path      string `json:"path"`
	Title     string `json:"title"`
	Version   string `json:"version"`
	Direction string `json:"direction"`
	Digest    string `json:"digest,omitempty"`
}

// BuildRevision is the version control revision this binary was built
// from (see simulator.BuildRevision).
func BuildRevision() string { return simulator.BuildRevision() }

// NewRunRecord is what the harness knows of a run before it reaches the
// simulator: itself, the host, the operator, how long the report holds.
func NewRunRecord(cfg Config) RunRecord {
	host, _ := os.Hostname()
	op := cfg.Operator
	if op == "" {
		if u, err := user.Current(); err == nil {
			op = u.Username
		}
	}
	return RunRecord{Harness: BuildInfo{Version: simulator.Version, Revision: BuildRevision(), GoVersion: runtime.Version()},
		Host: host, Operator: op, ValidDays: cfg.ValidDays}
}

// Observe adds what the simulator says of itself: its build revision, the
// documents of the networks under test with their digests, the settings
// in force.
func (r *RunRecord) Observe(ctx context.Context, t *Target) error {
	h, err := t.Control.Health(ctx)
	if err != nil {
		return fmt.Errorf("reading the simulator's health: %w", err)
	}
	r.SimulatorRevision = h.Revision
	infos, err := t.Control.Networks(ctx)
	if err != nil {
		return fmt.Errorf("reading the simulator's networks: %w", err)
	}
	r.Documents, r.Settings = nil, map[string]string{}
	for _, ni := range infos {
		if !t.UnderTest(ni.ID) {
			continue
		}
		for _, d := range ni.Documents {
			r.Documents = append(r.Documents, DocumentRecord{Network: ni.ID, Path: d.Path, Title: d.Title, Version: d.Version, Direction: d.Direction, Digest: d.Digest})
		}
		for _, s := range ni.Settings {
			v := s.Value
			if v == "" {
				v = s.Default
			}
			r.Settings[ni.ID+"."+s.Key] = v
		}
	}
	sort.Slice(r.Documents, func(i, j int) bool {
		a, b := r.Documents[i], r.Documents[j]
		return a.Network+a.Path < b.Network+b.Path
	})
	return nil
}

// StaleOn reports whether the report no longer holds on day (YYYY-MM-DD).
func (r RunRecord) StaleOn(day string) bool { return r.Expires != "" && r.Expires < day }

// Today is a date as the record and waivers write it.
func Today(t time.Time) string { return t.UTC().Format(declaration.DateLayout) }

// caseEvidenceEntry is what a case's evidence report entry carries.
type caseEvidenceEntry struct {
	Exchanges []Exchange `json:"exchanges"`
	Notes     []string   `json:"notes,omitempty"`
}

// scope is what this process's capability declaration does to the catalog.
var scope declaration.Scope

// notApplicable is the reason a case is not run because the capability
// declaration makes every requirement it proves on its network not
// applicable; "" when one of them applies. Simulator checks prove none.
func notApplicable(l labelled) string {
	if len(l.Requirements) == 0 || len(scope.NotApplicable) == 0 {
		return ""
	}
	var reasons []string
	for _, id := range l.Requirements {
		r, ok := scope.NotApplicable[id+"@"+l.Network]
		if !ok {
			return ""
		}
		if !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	return strings.Join(reasons, "; ")
}
