package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/journalstore"
	"github.com/c2psim/c2psim/simulator/queue"
	"github.com/c2psim/c2psim/simulator/store"
)

// Version is the simulator's version, reported by the admin API.
const Version = "0.1.0"

// maxSeenCards bounds the cards the simulator remembers (as keyed hashes,
// never in clear) from decrypted payloads, to recognise them elsewhere.
const maxSeenCards = 100000

// DefaultMaxBodyBytes is the request body limit when none is configured.
const DefaultMaxBodyBytes = 1 << 20

// Options configure a Simulator. The zero value serves every registered
// network with the wall clock, a random seed and the in-memory store.
type Options struct {
	// Networks to mount, by registered ID: nil means every registered
	// network, an empty non-nil slice none (only Extra).
	Networks []string
	// Extra networks to mount besides registered ones (for example
	// spec-only networks built with specplugin).
	Extra []Network
	// Seed for identifiers; 0 draws a random seed (reported by the admin API).
	Seed int64
	// Clock; nil means the wall clock.
	Clock Clock
	// Store; nil means a fresh in-memory store.
	Store store.Store
	// JournalSize bounds the journal in entries (default
	// journal.DefaultCapacity).
	JournalSize int
	// JournalBytes bounds the journal in bytes (default journal.DefaultBytes,
	// 64 MiB; at least journal.MinBytes): the oldest entries are dropped past
	// it. Each entry is bounded too (bodies by JournalBodyMax, the body of a
	// request refused before authentication by
	// journal.UnauthenticatedBodyMax, headers by journal.HeaderValueMax and
	// journal.HeadersMax).
	JournalBytes int64
	// JournalBodyMax cuts journalled bodies longer than this (default
	// journal.DefaultBodyMax, 64 KiB).
	JournalBodyMax int
	// MaxBodyBytes bounds request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// Settings for plugins, "<network>.<key>" → value.
	Settings map[string]string
	// Logger; nil discards logs.
	Logger *slog.Logger
	// HTTPClient for callbacks; nil means a client with sensible timeouts
	// that refuses to connect where CallbackNetworks does not allow.
	HTTPClient *http.Client
	// Admin protects the admin API: allowed hosts and origins, a token.
	// The zero value answers loopback names only and needs no token.
	Admin AdminOptions
	// Credentials to start with, by network ID (c2psim reads them from
	// --credentials-dir): a private key named as the network asks for it
	// (Env.RSAKey, Env.ECDSAKey) is used instead of a new one; every other
	// credential the network does not already hold is registered as
	// RegisterCredentials would. See Simulator.Keys for writing them.
	Credentials map[string][]Credential
	// CallbackNetworks are address ranges callbacks may go to besides
	// public and loopback addresses: private ranges (10.0.0.0/8,
	// 172.16.0.0/12, 192.168.0.0/16, fc00::/7, 100.64.0.0/10) are refused
	// unless listed here, link-local and cloud metadata addresses always.
	CallbackNetworks []netip.Prefix
	// Queue holds enqueued callbacks and scheduled tasks; nil means a queue
	// kept in Store (durable when Store is).
	Queue queue.Queue
	// JournalStore, when set, keeps every journal entry beyond this
	// process: the ring is refilled from it at start (a restart keeps the
	// history), and a journalstore.Shared one answers the admin API's
	// journal reads (replicas show every replica's exchanges).
	JournalStore journalstore.Store
	// PollInterval, when set, makes the simulator look for work other
	// replicas queued that often (a Queue shared by replicas).
	PollInterval time.Duration
}

// Simulator serves the mounted networks and the admin API on one handler.
type Simulator struct {
	opts           Options
	clock          Clock
	ids            *SeededIDs
	seed           int64
	store          store.Store
	journal        *journal.Journal
	live           *liveConfig // fault rules and settings an admin changes
	sched          *scheduler
	tasks          *tasks
	dispatch       *dispatcher
	journalStore   journalstore.Store
	journalMu      sync.RWMutex // guards journalOut against Close
	journalOut     chan journalOp
	journalDone    chan struct{}
	metrics        *metrics
	logger         *slog.Logger
	maxBody        int64
	journalBodyMax int
	started        time.Time

	networks []*mounted // sorted by ID
	byID     map[string]*mounted
	admin    *mounted
	mux      *http.ServeMux
	router   *router

	keys      *keySource
	draining  chan struct{} // closed by Drain
	drainOnce sync.Once

	findingsMu sync.Mutex
	findings   []string

	issuer     issuerFindings                          // the issuer's, seen before masking
	seenCards  *pan.CardSet                            // cards seen in decrypted payloads (as keyed hashes)
	clearCards map[*openapi3.Operation]map[string]bool // card fields a request body takes in clear
	checks     schemaCheckers                          // compiled schemas (compiled.go)

	callbacksMu sync.RWMutex
	callbacks   map[string]CallbackTarget
	targetsRead time.Time // when callbacks were last read from the store

	credsMu        sync.RWMutex
	keptCreds      map[string]map[string]Credential // network → name → a client key restored from the store
	callbackPolicy callbackPolicy
	httpClient     *http.Client
	insecureClient *http.Client // for targets with InsecureSkipVerify
}

// New builds a simulator: it loads and validates every document, sets up
// every network, and checks that each operation has a handler. Any problem
// stops it with an error naming the network, document or operation.
func New(opts Options) (_ *Simulator, err error) {
	s := &Simulator{
		opts:           opts,
		clock:          opts.Clock,
		store:          opts.Store,
		logger:         opts.Logger,
		maxBody:        opts.MaxBodyBytes,
		journalBodyMax: opts.JournalBodyMax,
		byID:           map[string]*mounted{},
		draining:       make(chan struct{}),
		callbacks:      map[string]CallbackTarget{},
		keptCreds:      map[string]map[string]Credential{},
		callbackPolicy: callbackPolicy{allow: opts.CallbackNetworks},
		keys:           newKeySource(opts.Credentials),
	}
	defer func() {
		if err != nil {
			s.keys.stop() // no key generation outlives a failed start
		}
	}()
	if s.clock == nil {
		s.clock = RealClock{}
	}
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.journalBodyMax <= 0 {
		s.journalBodyMax = journal.DefaultBodyMax
	}
	s.httpClient, s.insecureClient = s.callbackPolicy.clients()
	if opts.HTTPClient != nil {
		s.httpClient = opts.HTTPClient
	}
	s.ids = NewSeededIDs(opts.Seed)
	s.seed = s.ids.Seed()
	s.journalStore = opts.JournalStore
	if s.journalStore != nil {
		s.journalOut, s.journalDone = make(chan journalOp, 4096), make(chan struct{})
		go s.journalWriter()
	}
	s.sched = newScheduler(s.clock)
	s.tasks = newTasks(s)
	q := opts.Queue
	if q == nil {
		q = queue.NewOverStore(s.store, "_engine/queue")
	}
	s.dispatch = newDispatcher(s, q, s.deliverEnqueued, opts.PollInterval)
	s.metrics = newMetrics(s)
	s.store = timedStore{s: s.store, h: s.metrics.storeOps}
	s.live = newLiveConfig(s, store.Shared(opts.Store))
	s.started = s.clock.Now()

	ids := opts.Networks
	if ids == nil {
		ids = Registered()
	}
	var nets []Network
	var errs []error
	for _, id := range ids {
		n, err := NewNetwork(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		nets = append(nets, n)
	}
	nets = append(nets, opts.Extra...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := s.giveStoredKeys(context.Background(), nets); err != nil {
		return nil, err
	}
	for _, n := range nets {
		m, err := s.mount(n, "/"+n.Describe().ID, true)
		if err != nil {
			return nil, err
		}
		if _, dup := s.byID[m.id]; dup {
			return nil, fmt.Errorf("network %q mounted twice", m.id)
		}
		s.byID[m.id] = m
		s.networks = append(s.networks, m)
	}
	sort.Slice(s.networks, func(i, j int) bool { return s.networks[i].id < s.networks[j].id })
	s.seenCards = pan.NewCardSet(maxSeenCards)
	red := cardRedactor(s.networks).WithSeen(s.seenCards)
	s.journal = journal.New(journal.Options{Entries: opts.JournalSize, Bytes: opts.JournalBytes, Redactor: red})
	s.clearCards = clearCardFields(s.networks, red)

	guard, err := newAdminGuard(opts.Admin)
	if err != nil {
		return nil, err
	}
	admin, err := s.mount(newAdmin(s, guard), "", false)
	if err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	s.admin = admin

	s.mux = http.NewServeMux()
	s.mux.Handle("/_admin/", admin)
	for _, m := range s.networks {
		s.mux.Handle(m.prefix+"/", m)
	}
	if err := s.restore(context.Background()); err != nil {
		return nil, err
	}
	if err := s.live.reload(context.Background(), -1); err != nil {
		return nil, fmt.Errorf("reading fault rules and settings: %w", err)
	}
	if err := s.registerGiven(); err != nil {
		return nil, err
	}
	if err := s.restoreJournal(context.Background(), opts.JournalSize); err != nil {
		return nil, err
	}
	s.mux.Handle("/metrics", s.metrics.handler())
	s.mux.Handle("/", http.HandlerFunc(s.notFound))
	s.router = newRouter(s.mux, s.networks)
	s.dispatch.start()
	s.keys.start() // after the start path: new keys are made while serving
	return s, nil
}

// mount loads a network's documents, sets it up and checks its operation
// table, settings and tasks.
func (s *Simulator) mount(n Network, prefix string, journalled bool) (*mounted, error) {
	desc := n.Describe()
	if desc.ID == "" {
		return nil, errors.New("a network has an empty ID")
	}
	fsys := desc.FS
	if fsys == nil {
		fsys = openapi.FS
	}
	m := &mounted{id: desc.ID, net: n, desc: desc, prefix: prefix, sim: s, ops: map[string]*mountedOp{},
		cbDocs: map[string]*openapi3.T{}, journal: journalled}
	specs := map[string]*openapi3.T{}
	for _, p := range desc.Specs {
		d, err := loadDoc(fsys, p, prefix)
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", desc.ID, err)
		}
		m.docs = append(m.docs, d)
		specs[p] = d.doc
	}
	if len(m.docs) == 0 {
		return nil, fmt.Errorf("network %s serves no document", desc.ID)
	}
	for _, p := range desc.Callbacks {
		d, err := openapi.LoadFS(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("network %s: %w", desc.ID, err)
		}
		m.cbDocs[p] = d
	}
	st := newSettings(desc.ID, s.opts.Settings)
	m.settings = DeclaredSettings(n)
	if err := st.check(desc.ID, m.settings); err != nil {
		return nil, err
	}
	if journalled {
		// Settings changed through the admin API, as kept: before Setup.
		if err := s.live.loadSettings(context.Background(), desc.ID, m.settings, st); err != nil {
			return nil, err
		}
	}
	m.unknownFields = desc.UnknownFields
	m.env = &Env{
		Network:       desc.ID,
		Store:         store.Namespace(s.store, desc.ID),
		Clock:         s.clock,
		IDs:           s.ids,
		Logger:        s.logger.With("network", desc.ID),
		Specs:         specs,
		CallbackSpecs: m.cbDocs,
		Settings:      st,
		sim:           s,
		unknownFields: m.unknownFields,
	}
	m.sender = &callbackSender{sim: s, m: m}
	m.env.Callbacks = m.sender
	if tr, ok := n.(TaskRunner); ok {
		if err := s.tasks.declare(desc.ID, tr.Tasks()); err != nil {
			return nil, err
		}
	}
	if err := n.Setup(m.env); err != nil {
		return nil, fmt.Errorf("setting up network %s: %w", desc.ID, err)
	}
	if err := m.bindOperations(n.Operations()); err != nil {
		return nil, err
	}
	if td, ok := n.(TriggerDescriber); ok {
		var names []string
		if tr, ok := n.(Triggerer); ok {
			names = tr.Triggers()
		}
		if err := checkTriggerCatalogue(desc.ID, names, td.DescribeTriggers()); err != nil {
			return nil, err
		}
	}
	m.compileSchemas()
	return m, nil
}

// bindOperations checks the operation table against the served documents
// and reports every problem at once: an operation of the documents with no
// entry, an entry naming no operation of the documents, an entry given
// twice, an entry without Handle, and a Plaintext schema the document lacks
// or that disagrees with the operation's x-c2psim-plaintext extension.
func (m *mounted) bindOperations(table []Operation) error {
	type docOp struct {
		spec, where string
		doc         *openapi3.T
		op          *openapi3.Operation
	}
	inDocs := map[string]docOp{}
	var problems []string
	for _, d := range m.docs {
		for _, r := range operationsOf(d.doc) {
			where := fmt.Sprintf("%s %s", r.Method, r.Path)
			id := r.Operation.OperationID
			if id == "" {
				problems = append(problems, fmt.Sprintf("%s in %s has no operationId", where, d.path))
				continue
			}
			if prev, dup := inDocs[id]; dup {
				problems = append(problems, fmt.Sprintf("operationId %s is used by %s (%s) and %s (%s)", id, prev.where, prev.spec, where, d.path))
				continue
			}
			inDocs[id] = docOp{spec: d.path, where: where, doc: d.doc, op: r.Operation}
		}
	}
	for _, o := range table {
		d, known := inDocs[o.ID]
		switch {
		case o.ID == "":
			problems = append(problems, "an operation table entry has no ID")
			continue
		case m.ops[o.ID] != nil:
			problems = append(problems, fmt.Sprintf("operation %s has more than one table entry", o.ID))
			continue
		case !known:
			problems = append(problems, fmt.Sprintf("the operation table names %s, which no served document has", o.ID))
			continue
		}
		mo := &mountedOp{Operation: o, spec: d.spec, doc: d.doc}
		m.ops[o.ID] = mo
		if o.Handle == nil {
			problems = append(problems, fmt.Sprintf("operation %s (%s) has no Handle", o.ID, d.where))
		}
		declared, _ := d.op.Extensions["x-c2psim-plaintext"].(string)
		if o.Plaintext != "" {
			s, err := componentSchema(d.doc, o.Plaintext)
			if err != nil {
				problems = append(problems, fmt.Sprintf("operation %s: Plaintext %s: %s %v", o.ID, o.Plaintext, d.spec, err))
			}
			mo.plaintext = s
		}
		if declared != "" && declared != o.Plaintext {
			problems = append(problems, fmt.Sprintf("operation %s: the document's x-c2psim-plaintext is %s, the table's Plaintext %q", o.ID, declared, o.Plaintext))
		}
	}
	for id, d := range inDocs {
		if m.ops[id] == nil {
			problems = append(problems, fmt.Sprintf("operation %s (%s in %s) has no table entry", id, d.where, d.spec))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("network %s: %s", m.id, strings.Join(problems, "; "))
	}
	return nil
}

// deliverEnqueued makes one attempt at a callback the queue holds.
func (s *Simulator) deliverEnqueued(ctx context.Context, network string, cb *Callback, attempt int) (*CallbackResult, error) {
	m, ok := s.byID[network]
	if !ok {
		return nil, fmt.Errorf("unknown network %q", network)
	}
	return m.sender.deliverOnce(ctx, cb, attempt)
}

// Handler returns the http.Handler serving every network and the admin API.
func (s *Simulator) Handler() http.Handler { return s.router }

func (s *Simulator) notFound(w http.ResponseWriter, r *http.Request) {
	var ids []string
	for _, m := range s.networks {
		ids = append(ids, m.prefix+"/")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, `{"error":{"code":"not_found","message":"no network is mounted at %s; mounted: %s, admin API at /_admin/"}}`,
		jsonEscape(pan.RedactText(r.URL.Path)), jsonEscape(strings.Join(ids, ", ")))
}

func jsonEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return r.Replace(s)
}

// Journal returns the journal of every exchange.
func (s *Simulator) Journal() *journal.Journal { return s.journal }

// Clock returns the simulator's clock.
func (s *Simulator) Clock() Clock { return s.clock }

// Seed returns the seed in use (drawn at random when Options.Seed was 0);
// starting again with it reproduces the run's identifiers.
func (s *Simulator) Seed() int64 { return s.seed }

// Networks returns the mounted network IDs, sorted.
func (s *Simulator) Networks() []string {
	out := make([]string, len(s.networks))
	for i, m := range s.networks {
		out[i] = m.id
	}
	return out
}

// Network returns a mounted network's plugin instance, or nil.
func (s *Simulator) Network(id string) Network {
	if m, ok := s.byID[id]; ok {
		return m.net
	}
	return nil
}

// BasePath returns the URL path a network's first document is served at
// ("/visa/visaIdCredential/v1"), or "" for an unknown network.
func (s *Simulator) BasePath(id string) string {
	if m, ok := s.byID[id]; ok {
		return m.docs[0].base
	}
	return ""
}

// Credentials returns a network's sandbox credentials (nil when the network
// has none).
func (s *Simulator) Credentials(id string) []Credential {
	if m, ok := s.byID[id]; ok {
		return s.handedOut(m)
	}
	return nil
}

// Findings returns the simulator's own problems seen so far: responses that
// do not match their document, handler errors and panics.
func (s *Simulator) Findings() []string {
	s.findingsMu.Lock()
	defer s.findingsMu.Unlock()
	return append([]string(nil), s.findings...)
}

func (s *Simulator) addFinding(f string) {
	s.findingsMu.Lock()
	defer s.findingsMu.Unlock()
	if len(s.findings) < 1000 {
		s.findings = append(s.findings, f)
	}
}

// Reset forgets state, journal, fault rules, pending tasks and enqueued
// callbacks; credentials, callback targets and settings stay.
func (s *Simulator) Reset(ctx context.Context) error {
	s.sched.reset()
	defer s.dispatch.start()
	if pending, err := s.Deliveries(ctx, false); err == nil && len(pending) > 0 {
		s.logger.Info("reset drops callbacks not yet delivered", "count", len(pending))
	}
	if err := s.dispatch.reset(ctx); err != nil {
		return fmt.Errorf("resetting the queue: %w", err)
	}
	if err := s.ClearFaults(ctx); err != nil {
		return fmt.Errorf("clearing fault rules: %w", err)
	}
	s.journal.Clear()
	s.issuer.clear()
	if err := s.clearJournalStore(ctx); err != nil {
		return err
	}
	for _, m := range s.networks {
		if r, ok := m.net.(Resetter); ok {
			r.Reset()
		}
		if err := m.env.Store.Reset(ctx); err != nil {
			return fmt.Errorf("resetting %s state: %w", m.id, err)
		}
	}
	return nil
}

// Close cancels running tasks and deliveries and waits for them to return,
// for the journal store to receive every entry, and for a key being
// generated. Pending tasks and
// callbacks stay in the queue: a durable store runs them at the next start.
func (s *Simulator) Close() {
	s.sched.close()
	s.keys.stop()
	if ts, ok := s.store.(timedStore); ok {
		if _, inMemory := ts.s.(*store.Memory); inMemory {
			if pending, err := s.Deliveries(context.Background(), false); err == nil && len(pending) > 0 {
				s.logger.Warn("callbacks not yet delivered are dropped with the in-memory state: run with --data-dir or --store to keep them",
					"count", len(pending))
			}
		}
	}
	s.journalMu.Lock()
	out := s.journalOut
	s.journalOut = nil
	s.journalMu.Unlock()
	if out != nil {
		close(out) // the writer keeps what was journalled, then stops
		<-s.journalDone
	}
}

// Drain prepares for shutdown while requests are still running: injected
// latency ends at once, so those requests answer instead of being cut off.
// Call it before http.Server.Shutdown; it may be called more than once.
func (s *Simulator) Drain() { s.drainOnce.Do(func() { close(s.draining) }) }

// RegisterCredentials registers credentials a user supplies for a network,
// reporting every one the network refuses.
func (s *Simulator) RegisterCredentials(id string, creds []Credential) error {
	m, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("unknown network %q", id)
	}
	if err := s.registerCredentials(m, creds); err != nil {
		return err
	}
	return s.saveCredentials(context.Background(), m)
}

func (s *Simulator) registerCredentials(m *mounted, creds []Credential) error {
	cp, ok := m.net.(CredentialProvider)
	if !ok {
		return fmt.Errorf("network %s takes no credentials", m.id)
	}
	var errs []error
	for _, c := range creds {
		if err := cp.RegisterCredential(c); err != nil {
			errs = append(errs, fmt.Errorf("credential %q: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Trigger starts a network-initiated flow (see Triggerer), as
// POST /_admin/networks/{id}/triggers/{name} does.
func (s *Simulator) Trigger(ctx context.Context, network, name string, params map[string]any) (map[string]any, error) {
	m, ok := s.byID[network]
	if !ok {
		return nil, fmt.Errorf("unknown network %q", network)
	}
	tr, ok := m.net.(Triggerer)
	if !ok || !contains(tr.Triggers(), name) {
		return nil, fmt.Errorf("network %s has no trigger %q", network, name)
	}
	if params == nil {
		params = map[string]any{}
	}
	if err := m.checkTrigger(name, params); err != nil {
		return nil, err
	}
	return tr.Trigger(ctx, name, params)
}
