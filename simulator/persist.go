package simulator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/store"
)

// The engine keeps what must outlive a process (with a durable store) and
// be shared by replicas (with a shared one) in collections of the state
// store outside every network's namespace: credentials and callback
// targets. With the default in-memory store this changes nothing.
const (
	colCredentials = "_engine/credentials"      // network → []Credential
	colTargets     = "_engine/callback-targets" // network → storedTarget
)

// storedTarget is a CallbackTarget as the store keeps it.
type storedTarget struct {
	URL                string          `json:"url"`
	RetrySchedule      []time.Duration `json:"retrySchedule"`
	Timeout            time.Duration   `json:"timeout"`
	InsecureSkipVerify bool            `json:"insecureSkipVerify,omitempty"`
	Retry              RetryPolicy     `json:"retry"`
}

// inMemory reports whether the state store is the in-memory one, which
// neither outlives the process nor is shared: nothing is kept in it for a
// later start.
func (s *Simulator) inMemory() bool {
	st := s.store
	if ts, ok := st.(timedStore); ok {
		st = ts.s
	}
	_, ok := st.(*store.Memory)
	return ok
}

// giveStoredKeys hands the key source, before the networks are set up, the
// keys a previous process (or another replica) stored, so they are used
// instead of new ones; keys given in Options come first.
func (s *Simulator) giveStoredKeys(ctx context.Context, nets []Network) error {
	if s.inMemory() {
		return nil
	}
	creds := store.NewTable[[]Credential](s.store, colCredentials)
	given := map[string][]Credential{}
	for id, cs := range s.opts.Credentials {
		given[id] = append([]Credential(nil), cs...)
	}
	for _, n := range nets {
		id := n.Describe().ID
		stored, err := creds.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading stored %s credentials: %w", id, err)
		}
		have := map[string]bool{}
		for _, c := range given[id] {
			have[c.Name] = true
		}
		for _, c := range stored {
			if !have[c.Name] && (c.Kind == "rsa-private-key" || c.Kind == "ec-private-key") {
				given[id] = append(given[id], c)
			}
		}
	}
	s.keys.given = given
	return nil
}

// restore brings back, once the networks are set up, the credentials and
// callback targets a previous process (or another replica) stored; a
// network's credentials and keys are stored when none are, so every replica
// on one store signs and decrypts with the same keys (that first start on a
// store waits for its keys; later ones reuse them). The in-memory store
// keeps nothing: its start waits for no key.
func (s *Simulator) restore(ctx context.Context) error {
	if s.inMemory() {
		return s.loadTargets(ctx)
	}
	creds := store.NewTable[[]Credential](s.store, colCredentials)
	for _, m := range s.networks {
		if _, ok := m.net.(CredentialProvider); !ok {
			continue
		}
		generated := s.handedOut(m)
		var kept []Credential
		stored := false
		err := creds.Update(ctx, m.id, func(v *[]Credential, exists bool) error {
			stored = exists
			if !exists {
				*v = s.withKeys(m.id, generated)
			}
			kept = *v
			return nil
		})
		if err != nil {
			return fmt.Errorf("restoring %s credentials: %w", m.id, err)
		}
		if stored {
			s.restoreCredentials(m, generated, kept)
		}
	}
	return s.loadTargets(ctx)
}

// restoreCredentials registers the stored credentials that differ from
// this process's freshly generated ones, one by one. A stored private key
// the network refuses is the client's half of a pair whose public half the
// network took back: it is handed out again as stored, so clients configured
// before the restart and after it hold the same key. Anything else refused
// is the network's own and new at each start (clients fetch it again).
func (s *Simulator) restoreCredentials(m *mounted, generated, kept []Credential) {
	same := map[Credential]bool{}
	for _, c := range generated {
		same[c] = true
	}
	override := map[string]Credential{}
	var refused []string
	for _, c := range kept {
		// Taken as a key, or held by now (a key ID registered just before
		// makes a stored public key the same again).
		if same[c] || s.keys.taken(m.id, c.Name) || holds(s.handedOut(m), c) {
			continue
		}
		if err := s.registerCredentials(m, []Credential{c}); err != nil {
			if c.Kind == "rsa-private-key" || c.Kind == "ec-private-key" {
				override[c.Name] = c
			} else {
				refused = append(refused, c.Name)
			}
		}
	}
	if len(override) > 0 {
		s.credsMu.Lock()
		s.keptCreds[m.id] = override
		s.credsMu.Unlock()
	}
	if len(refused) > 0 {
		s.logger.Warn("credentials new at this start: the network generates them anew, clients fetch them again",
			"network", m.id, "credentials", strings.Join(refused, ","))
	}
}

// handedOut is what a network's clients are given: its credentials, with
// the client private keys restored from the store in place of new ones.
func (s *Simulator) handedOut(m *mounted) []Credential {
	cp, ok := m.net.(CredentialProvider)
	if !ok {
		return nil
	}
	out := cp.Credentials()
	s.credsMu.RLock()
	defer s.credsMu.RUnlock()
	if override := s.keptCreds[m.id]; len(override) > 0 {
		out = append([]Credential(nil), out...)
		for i, c := range out {
			if k, ok := override[c.Name]; ok {
				out[i] = k
			}
		}
	}
	return out
}

// loadTargets reads every stored callback target into the cache.
func (s *Simulator) loadTargets(ctx context.Context) error {
	targets := store.NewTable[storedTarget](s.store, colTargets)
	for _, m := range s.networks {
		t, err := targets.Get(ctx, m.id)
		if err != nil {
			continue // none stored, or unreadable: the network has no target
		}
		s.callbacksMu.Lock()
		s.callbacks[m.id] = CallbackTarget{URL: t.URL, RetrySchedule: t.RetrySchedule, Timeout: t.Timeout,
			InsecureSkipVerify: t.InsecureSkipVerify, Retry: t.Retry}
		s.callbacksMu.Unlock()
	}
	s.callbacksMu.Lock()
	s.targetsRead = s.clock.Now()
	s.callbacksMu.Unlock()
	return nil
}

func (s *Simulator) saveTarget(ctx context.Context, network string, t CallbackTarget) error {
	return store.NewTable[storedTarget](s.store, colTargets).Put(ctx, network, storedTarget{URL: t.URL,
		RetrySchedule: t.RetrySchedule, Timeout: t.Timeout, InsecureSkipVerify: t.InsecureSkipVerify, Retry: t.Retry})
}

// saveCredentials stores a network's credentials as they now are.
func (s *Simulator) saveCredentials(ctx context.Context, m *mounted) error {
	if _, ok := m.net.(CredentialProvider); !ok {
		return nil
	}
	return store.NewTable[[]Credential](s.store, colCredentials).Put(ctx, m.id, s.withKeys(m.id, s.handedOut(m)))
}

// journalEvent entries mark what happened to the simulator itself (a
// start), between the exchanges.
const journalEvent journal.Direction = "event"

// restoreJournal refills the ring with the newest entries the journal
// store keeps and journals the start, so the history shows the restart.
func (s *Simulator) restoreJournal(ctx context.Context, size int) error {
	if s.journalStore == nil {
		return nil
	}
	if size <= 0 {
		size = journal.DefaultCapacity
	}
	kept, err := s.journalStore.Recent(ctx, size)
	if err != nil {
		return fmt.Errorf("reading the kept journal: %w", err)
	}
	for _, e := range kept {
		s.journal.Add(e) // masked when it was first journalled
	}
	s.recordExchange(journal.Entry{Time: s.clock.Now(), Direction: journalEvent, Network: "c2psim", Method: "START", URL: "/",
		Notes: map[string]string{"event": "started", "version": Version, "restoredEntries": fmt.Sprint(len(kept))}})
	return nil
}

// recordExchange journals one exchange (cards: the card numbers it
// concerned, for masking), in the ring and, through the journal writer, in
// the journal store when there is one, and returns its sequence number in
// the ring.
func (s *Simulator) recordExchange(e journal.Entry, cards ...string) uint64 {
	seq := s.journal.Add(e, cards...)
	if s.journalStore != nil {
		// The ring masks what it keeps; the store keeps the same, masked.
		if kept := s.journal.Find(journal.Query{AfterSeq: seq - 1, BeforeSeq: seq + 1, Limit: 1}); len(kept) == 1 {
			s.journalMu.RLock()
			if s.journalOut != nil {
				s.journalOut <- journalOp{entry: kept[0]}
			}
			s.journalMu.RUnlock()
		}
	}
	return seq
}

// journalOp is one instruction for the journal writer: an entry to keep,
// or (done set) a clear, acknowledged on done.
type journalOp struct {
	entry journal.Entry
	done  chan error
}

// journalWriter keeps journal entries in the journal store off the request
// path, in the order they were journalled: the journal is the record of
// what happened, state is what an answer promised, so an answer waits for
// its state writes, not for its journal entry. Entries waiting together
// are kept in one write. Close waits for it to drain.
func (s *Simulator) journalWriter() {
	defer close(s.journalDone)
	s.journalMu.RLock()
	ops := s.journalOut
	s.journalMu.RUnlock()
	var batch []journal.Entry
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := s.journalStore.Append(context.Background(), batch...); err != nil {
			s.logger.Error("journalling to the store", "error", err, "entries", len(batch))
		}
		batch = batch[:0]
	}
	for op := range ops {
		for {
			if op.done != nil {
				flush()
				op.done <- s.journalStore.Clear(context.Background())
			} else {
				batch = append(batch, op.entry)
			}
			if len(batch) >= maxJournalBatch {
				break
			}
			var more bool
			select {
			case op, more = <-ops:
			default:
			}
			if !more {
				break
			}
		}
		flush()
	}
}

// maxJournalBatch bounds the entries kept in one write.
const maxJournalBatch = 256

func (s *Simulator) clearJournal(ctx context.Context) error {
	s.journal.Clear()
	return s.clearJournalStore(ctx)
}

// clearJournalStore clears the journal store after every entry queued
// before it.
func (s *Simulator) clearJournalStore(ctx context.Context) error {
	if s.journalStore == nil {
		return nil
	}
	done := make(chan error, 1)
	s.journalMu.RLock()
	if s.journalOut == nil {
		s.journalMu.RUnlock()
		return nil // closed
	}
	s.journalOut <- journalOp{done: done}
	s.journalMu.RUnlock()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("clearing the kept journal: %w", err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
