package simulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/internal/pemkey"

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
	colKeys        = "_engine/keys"             // network/name → keptKey
	colIdentities  = "_engine/identities"       // network/name → string
)

// keptKey is a network's private key as the store keeps it: its key ID
// (settled on its own, when a network names the key before it is made)
// and the key.
type keptKey struct {
	KeyID string `json:"keyId,omitempty"`
	Kind  string `json:"kind,omitempty"` // rsa-private-key or ec-private-key
	PEM   string `json:"pem,omitempty"`
}

// keptKeys keeps the keys of a durable or shared store (see keySource).
// Its methods are no-ops on nil: nothing is kept.
type keptKeys struct {
	t      store.Table[keptKey]
	logger *slog.Logger
}

// storeKey is the record of a key named "network\x00name" (PostgreSQL
// text holds no NUL).
func storeKey(id string) string { return strings.Replace(id, "\x00", "/", 1) }

// rsa returns the RSA key kept under id, if one is.
func (k *keptKeys) rsa(id string) (key *rsa.PrivateKey, keyID string, ok bool) {
	if k == nil {
		return nil, "", false
	}
	v, err := k.t.Get(context.Background(), storeKey(id))
	if err != nil || v.PEM == "" || v.Kind != "rsa-private-key" {
		return nil, "", false
	}
	key, err = pemkey.ParsePrivate(v.PEM)
	if err != nil {
		k.logger.Error("a kept key is unreadable: a new one is made", "key", storeKey(id), "error", err)
		return nil, "", false
	}
	return key, v.KeyID, true
}

// settleID returns the key ID kept for id, keeping fallback when none is.
func (k *keptKeys) settleID(id, fallback string) string {
	if k == nil {
		return fallback
	}
	out := fallback
	err := k.t.Update(context.Background(), storeKey(id), func(v *keptKey, _ bool) error {
		if v.KeyID == "" {
			v.KeyID = fallback
		}
		out = v.KeyID
		return nil
	})
	if err != nil {
		k.logger.Error("keeping a key ID: this process names the key on its own", "key", storeKey(id), "error", err)
		return fallback
	}
	return out
}

// settleRSA keeps made as the key of id unless one is kept already, and
// returns the kept one.
func (k *keptKeys) settleRSA(id string, made *rsa.PrivateKey) *rsa.PrivateKey {
	if k == nil {
		return made
	}
	out := made
	err := k.t.Update(context.Background(), storeKey(id), func(v *keptKey, _ bool) error {
		if v.PEM != "" && v.Kind == "rsa-private-key" {
			if stored, err := pemkey.ParsePrivate(v.PEM); err == nil {
				out = stored
				return nil
			}
		}
		v.Kind, v.PEM = "rsa-private-key", pemkey.EncodePrivate(made)
		return nil
	})
	if err != nil {
		k.logger.Error("keeping a key: this process uses its own, other replicas may not", "key", storeKey(id), "error", err)
		return made
	}
	return out
}

// settleEC is settleRSA for a P-256 key.
func (k *keptKeys) settleEC(id string, made *ecdsa.PrivateKey) (*ecdsa.PrivateKey, error) {
	if k == nil {
		return made, nil
	}
	der, err := x509.MarshalECPrivateKey(made)
	if err != nil {
		return nil, err
	}
	out := made
	err = k.t.Update(context.Background(), storeKey(id), func(v *keptKey, _ bool) error {
		if v.PEM != "" && v.Kind == "ec-private-key" {
			if stored, err := parseECPrivate(v.PEM); err == nil {
				out = stored
				return nil
			}
		}
		v.Kind, v.PEM = "ec-private-key", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keeping key %s: %w", storeKey(id), err)
	}
	return out, nil
}

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

// kept implements Env.Kept. The value is made outside the store's update
// (making it may use the store: a key it derives from), and kept only if
// no other process kept one meanwhile.
func (s *Simulator) kept(network, name string, make func() (string, error)) (string, error) {
	if s.inMemory() {
		return make()
	}
	t := store.NewTable[string](s.store, colIdentities)
	ctx := context.Background()
	key := network + "/" + name
	if v, err := t.Get(ctx, key); err == nil {
		return v, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("reading kept %s %s: %w", network, name, err)
	}
	made, err := make()
	if err != nil {
		return "", err
	}
	out := made
	err = t.Update(ctx, key, func(v *string, exists bool) error {
		if exists {
			out = *v
		} else {
			*v = made
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("keeping %s %s: %w", network, name, err)
	}
	return out, nil
}

// giveStoredKeys hands the key source, before the networks are set up, the
// keys a previous process (or another replica) stored, so they are used
// instead of new ones; keys given in Options come first.
func (s *Simulator) giveStoredKeys(ctx context.Context, nets []Network) error {
	if s.inMemory() {
		return nil
	}
	s.keys.kept = &keptKeys{t: store.NewTable[keptKey](s.store, colKeys), logger: s.logger}
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
		// With its keys, made (and kept) outside the update: a store
		// update must not call the store.
		withKeys := s.withKeys(m.id, generated)
		var kept []Credential
		stored := false
		err := creds.Update(ctx, m.id, func(v *[]Credential, exists bool) error {
			stored = exists
			if !exists {
				*v = withKeys
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
	notes, err := s.recovered(ctx)
	if err != nil {
		return err
	}
	notes["version"], notes["restoredEntries"] = Version, fmt.Sprint(len(kept))
	notes["event"] = "started"
	method := "START"
	switch {
	case store.Shared(s.opts.Store):
		// Other replicas may be serving: what the store holds is theirs
		// as much as an earlier process's.
		notes["sharedStore"] = "true"
	case len(kept) > 0 || notes["pendingTasks"] != "0" || notes["pendingCallbacks"] != "0" || notes["deadLetters"] != "0":
		// The store holds what an earlier process left.
		notes["event"], method = "restarted", "RESTART"
	}
	s.recordExchange(journal.Entry{Time: s.clock.Now(), Direction: journalEvent, Network: "c2psim", Method: method, URL: "/", Notes: notes})
	s.logger.Info("started on a durable store", "restoredEntries", notes["restoredEntries"], "pendingTasks", notes["pendingTasks"],
		"pendingCallbacks", notes["pendingCallbacks"], "deadLetters", notes["deadLetters"])
	return nil
}

// recovered counts, before the dispatcher starts, what the queue holds
// from before this start: asynchronous operations still to complete
// (tasks), callbacks still to deliver and dead letters, with the pending
// ones by network.
func (s *Simulator) recovered(ctx context.Context) (map[string]string, error) {
	items, err := s.dispatch.q.List(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("reading the queue at start: %w", err)
	}
	dead, err := s.dispatch.q.List(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("reading the queue at start: %w", err)
	}
	var tasks, callbacks, buried int
	byNetwork := map[string]int{}
	for _, it := range items {
		if it.Dead {
			continue
		}
		switch it.Kind {
		case kindTask:
			tasks++
		case kindCallback:
			callbacks++
		default:
			continue
		}
		byNetwork[it.Network]++
	}
	for _, it := range dead {
		if it.Dead {
			buried++
		}
	}
	nets := make([]string, 0, len(byNetwork))
	for n, c := range byNetwork {
		nets = append(nets, fmt.Sprintf("%s:%d", n, c))
	}
	sort.Strings(nets)
	notes := map[string]string{"pendingTasks": fmt.Sprint(tasks), "pendingCallbacks": fmt.Sprint(callbacks), "deadLetters": fmt.Sprint(buried)}
	if len(nets) > 0 {
		notes["pendingByNetwork"] = strings.Join(nets, ",")
	}
	return notes, nil
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
