package simulator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/store"
)

// What an admin changes while the simulator runs, fault rules and plugin
// settings, lives in the state store beside the credentials: a durable
// store keeps it across a restart and replicas on a shared store use one
// set. Each process keeps what it matches requests against in memory; it
// is the store itself where one process owns the store, and where replicas
// share it a request first reads one generation number that every change
// advances (one small read), reloading only when another replica changed
// something. A rule's uses are counted in the store (fault.Rules.Match).
const (
	colFaults   = "_engine/faults"   // rule ID → fault.Rule (and the ID counter in "-seq")
	colSettings = "_engine/settings" // network → the settings changed through the admin API
	colLive     = "_engine/live"     // "generation" → how many changes were made
)

type liveConfig struct {
	sim      *Simulator
	shared   bool
	rules    *fault.Rules
	gen      store.Table[int64]
	settings store.Table[map[string]string]

	mu    sync.Mutex // one reload at a time
	seen  atomic.Int64
	known atomic.Pointer[[]fault.Rule] // the rules in force as last read, in order
}

func newLiveConfig(s *Simulator, shared bool) *liveConfig {
	l := &liveConfig{sim: s, shared: shared, rules: fault.NewRules(s.store, colFaults),
		gen: store.NewTable[int64](s.store, colLive), settings: store.NewTable[map[string]string](s.store, colSettings)}
	l.known.Store(&[]fault.Rule{})
	l.seen.Store(-1)
	return l
}

// loadSettings gives a network the settings changed through the admin API
// that are kept, before it is set up. A kept value the network no longer
// declares as live (a newer c2psim) is left out, with a warning.
func (l *liveConfig) loadSettings(ctx context.Context, network string, declared []Setting, st *settings) error {
	kept, err := l.settings.Get(ctx, network)
	if errors.Is(err, store.ErrNotFound) {
		st.setAdmin(nil)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s settings: %w", network, err)
	}
	live := map[string]Setting{}
	for _, d := range declared {
		if d.Live {
			live[d.Key] = d
		}
	}
	use := map[string]string{}
	for k, v := range kept {
		d, ok := live[k]
		if !ok || (d.check != nil && d.check(v) != nil) {
			l.sim.logger.Warn("a setting changed through the admin API no longer applies: left out", "network", network, "setting", k, "value", v)
			continue
		}
		use[k] = v
	}
	st.setAdmin(use)
	return nil
}

// refresh reloads rules and settings when another replica changed them.
func (l *liveConfig) refresh(ctx context.Context) {
	if !l.shared {
		return
	}
	g, err := l.gen.Get(ctx, "generation")
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		l.sim.logger.Warn("reading the configuration generation", "error", err)
		return
	}
	if g == l.seen.Load() {
		return
	}
	if err := l.reload(ctx, g); err != nil {
		l.sim.logger.Warn("reloading fault rules and settings", "error", err)
	}
}

// reload reads the rules and every network's settings; g is the generation
// read before (the next refresh reloads again if it moved meanwhile).
func (l *liveConfig) reload(ctx context.Context, g int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rules, err := l.rules.List(ctx, l.sim.clock.Now())
	if err != nil {
		return err
	}
	l.known.Store(&rules)
	for _, m := range l.sim.networks {
		if err := l.loadSettings(ctx, m.id, m.settings, m.env.Settings.(*settings)); err != nil {
			return err
		}
	}
	l.seen.Store(g)
	return nil
}

// changed records a change this process made: the generation advances so
// replicas reload, and this process reloads now.
func (l *liveConfig) changed(ctx context.Context) error {
	var g int64
	if err := l.gen.Update(ctx, "generation", func(v *int64, _ bool) error { *v++; g = *v; return nil }); err != nil {
		return fmt.Errorf("recording a configuration change: %w", err)
	}
	return l.reload(ctx, g)
}

// match returns the fault rule that shapes a request, counting its use.
func (l *liveConfig) match(ctx context.Context, t fault.Target) *fault.Rule {
	l.refresh(ctx)
	known := *l.known.Load()
	if len(known) == 0 {
		return nil
	}
	r, stale, err := l.rules.Match(ctx, known, t, l.sim.clock.Now())
	if err != nil {
		l.sim.logger.Warn("matching fault rules", "error", err)
		return nil
	}
	if stale {
		if err := l.changed(ctx); err != nil {
			l.sim.logger.Warn("reloading fault rules", "error", err)
		}
	}
	return r
}

// AddFault checks a rule (checkFault) and adds it; it applies on every
// replica sharing the store, and survives a restart of a durable one.
func (s *Simulator) AddFault(r fault.Rule) (fault.Rule, error) {
	if err := s.checkFault(r); err != nil {
		return fault.Rule{}, err
	}
	ctx := context.Background()
	kept, err := s.live.rules.Add(ctx, r, s.clock.Now())
	if err != nil {
		return fault.Rule{}, err
	}
	return kept, s.live.changed(ctx)
}

// FaultRules returns the fault rules in force, in the order they apply,
// with their uses counted so far.
func (s *Simulator) FaultRules(ctx context.Context) ([]fault.Rule, error) {
	return s.live.rules.List(ctx, s.clock.Now())
}

// DeleteFault removes a rule and reports whether there was one.
func (s *Simulator) DeleteFault(ctx context.Context, id string) (bool, error) {
	ok, err := s.live.rules.Delete(ctx, id)
	if err != nil || !ok {
		return ok, err
	}
	return true, s.live.changed(ctx)
}

// ClearFaults removes every fault rule.
func (s *Simulator) ClearFaults(ctx context.Context) error {
	if err := s.live.rules.Clear(ctx); err != nil {
		return err
	}
	return s.live.changed(ctx)
}

// SettingChange is a change of one network's settings through the admin
// API: a value per key, or nil to go back to --set or the default.
type SettingChange map[string]*string

// SettingsError is a refused change of settings: nothing was changed.
type SettingsError struct {
	Network string
	Fields  []FieldError
}

func (e *SettingsError) Error() string {
	msg := fmt.Sprintf("%s settings unchanged:", e.Network)
	for i, f := range e.Fields {
		if i > 0 {
			msg += ";"
		}
		msg += " " + f.Message
	}
	return msg
}

// ChangeSettings applies a change of a network's live settings (Key.Live),
// checked as --set values are, and keeps it in the store: it applies at
// once, survives a restart of a durable store and every replica sharing
// the store sees it. Every problem is reported (*SettingsError) and then
// nothing changes. It returns the network's settings as now in force.
func (s *Simulator) ChangeSettings(ctx context.Context, network string, change SettingChange) ([]Setting, error) {
	m, ok := s.byID[network]
	if !ok {
		return nil, fmt.Errorf("unknown network %q", network)
	}
	if problems := checkChange(network, m.settings, change); len(problems) > 0 {
		return nil, &SettingsError{Network: network, Fields: problems}
	}
	err := s.live.settings.Update(ctx, network, func(v *map[string]string, _ bool) error {
		if *v == nil {
			*v = map[string]string{}
		}
		for k, val := range change {
			if val == nil {
				delete(*v, k)
			} else {
				(*v)[k] = *val
			}
		}
		if len(*v) == 0 {
			return store.ErrDelete
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keeping %s settings: %w", network, err)
	}
	if err := s.live.changed(ctx); err != nil {
		return nil, err
	}
	return s.Settings(ctx, network)
}

// Settings returns a network's declared settings with the values in
// force (as every replica sharing the store sees them).
func (s *Simulator) Settings(ctx context.Context, network string) ([]Setting, error) {
	m, ok := s.byID[network]
	if !ok {
		return nil, fmt.Errorf("unknown network %q", network)
	}
	s.live.refresh(ctx)
	return m.env.Settings.(*settings).describe(m.settings), nil
}
