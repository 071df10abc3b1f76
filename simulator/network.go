package simulator

import (
	"context"
	"crypto/tls"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"sync"
)

// Network is one payment network's emulation: its documents, its
// authentication, its error envelope and its operation table. A plugin
// registers a constructor in init(); every Simulator gets a fresh instance, so
// parallel simulators never share state.
//
// Optional capabilities are discovered by type assertion: CredentialProvider,
// Triggerer, Resetter, TestCardLister, SettingsDeclarer, TaskRunner,
// CallbackSigner, CallbackCertifier.
type Network interface {
	// Describe returns static metadata; it must not depend on Setup.
	Describe() Description
	// Setup is called once, before any request, with the environment the
	// plugin keeps for its lifetime.
	Setup(env *Env) error
	// Operations returns the operation table, called once after Setup. Every
	// operation of the served documents has exactly one entry; the engine
	// refuses to start otherwise, naming every missing, stray and repeated
	// entry at once.
	Operations() []Operation
	// Authenticate verifies the caller before validation or any handler runs.
	// It returns a *Error (401/403) when the caller is not authenticated, and
	// may record the authenticated principal with req.SetPrincipal.
	Authenticate(req *Request) error
	// RenderError turns an engine or handler error into the network's own
	// error envelope. The result must validate against the operation's
	// declared response for e.Status (req.OperationID may be empty for 404/405).
	RenderError(req *Request, e *Error) *Response
}

// Operation is one entry of a network's operation table: what the engine
// runs for one operationId of the served documents.
//
// The pipeline for a matched operation is: authentication, validation of the
// request against the document, Decode, fault rules, Handle, validation of
// the answer.
type Operation struct {
	// ID is the operationId in one of Description.Specs.
	ID string
	// Decode, when set, runs after authentication and validation and before
	// fault rules and Handle. It decrypts what the request carries
	// encrypted, checks the plaintext (Request.CheckPlaintext), records it
	// (Request.SetPlaintext) and the cards it names (Request.AddCard) so
	// fault rules can match the card and the journal shows a masked
	// plaintext, and adds correlation IDs. An error is rendered like a
	// handler's (a non-*Error is a 400 KindCrypto).
	Decode func(req *Request) error
	// Plaintext, when set, names the components/schemas entry, in the
	// document the route came from, that a decrypted payload of this
	// operation must match (Request.CheckPlaintext). The engine checks at
	// start-up that the schema exists and agrees with the operation's
	// x-c2psim-plaintext extension when the document has one.
	Plaintext string
	// Handle answers the operation; it must not be nil.
	Handle Handler
}

// Description is what the engine and the admin API need to know about a
// network before it is set up.
type Description struct {
	ID          string   // path prefix and registry key: "mastercard"
	Name        string   // display name: "Mastercard Click to Pay"
	Specs       []string // inbound documents (issuer → network), slash paths in FS
	Callbacks   []string // issuer-side documents (network → issuer), slash paths in FS
	AuthSchemes []string // human-readable, e.g. "OAuth 1.0a RSA-SHA256 with oauth_body_hash"
	// FS holds Specs and Callbacks; nil means the embedded openapi.FS.
	FS fs.FS
	// UnknownFields makes the engine declare the network's unknownFields
	// setting (default true) and, while it is on, add UnknownField to every
	// successful JSON object answer (ERR-04: a client must ignore fields it
	// does not know). Networks whose answers are encrypted add it to the
	// plaintext themselves with Env.AddUnknownField.
	UnknownFields bool
}

// CredentialProvider is implemented by networks whose clients need keys,
// secrets or certificates. The admin API serves them and lets users register
// their own.
type CredentialProvider interface {
	// Credentials returns what a local client needs, private material for
	// the client's side included (these are sandbox credentials).
	Credentials() []Credential
	// RegisterCredential replaces or adds a credential a user supplies
	// (a public key, certificate or shared secret of their own).
	RegisterCredential(c Credential) error
}

// Credential is one item of a network's sandbox credentials.
type Credential struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // id | secret | rsa-private-key | rsa-public-key | certificate | symmetric-key
	Value       string `json:"value"`
	KeyID       string `json:"keyId,omitempty"`
	Description string `json:"description,omitempty"`
}

// Triggerer is implemented by networks that can start network-initiated
// flows on demand (for example a consumer self-enrolling at a merchant).
type Triggerer interface {
	// Triggers lists the trigger names the network accepts.
	Triggers() []string
	// Trigger starts the named flow; params are trigger-specific.
	Trigger(ctx context.Context, name string, params map[string]any) (map[string]any, error)
}

// Resetter is implemented by networks that keep state outside the Store
// (nonce caches). Reset returns the plugin to its state right after Setup;
// the engine drops pending tasks and callbacks itself.
type Resetter interface{ Reset() }

// TaskRunner is implemented by networks that defer work (asynchronous
// completion, batches, delayed notifications). Each Task names a kind of
// work; Env.Schedule queues one with a payload that is data (JSON), never a
// closure, so a durable store can keep pending tasks across a restart.
type TaskRunner interface {
	Tasks() []Task
}

// Task is one kind of deferred work.
type Task struct {
	// Kind names the work within the network ("complete", "processBatch").
	Kind string
	// Run does it. payload is what Env.Schedule was given, JSON-encoded; ctx
	// is cancelled on reset and shutdown. An error is logged.
	Run func(ctx context.Context, payload []byte) error
}

// CallbackSigner is implemented by networks that sign their calls to the
// issuer. SignCallback is called on every delivery attempt (attempt counts
// from 1) just before the request is sent, so timestamps and nonces are
// fresh; it may set headers only. Anything a signature depends on beyond the
// request itself travels in cb.Meta.
type CallbackSigner interface {
	SignCallback(r *http.Request, cb *Callback, attempt int) error
}

// CallbackCertifier is implemented by networks that call the issuer over
// mutual TLS: the engine presents CallbackCertificate as the client
// certificate of every delivery attempt to an https callback URL.
type CallbackCertifier interface {
	CallbackCertificate() *tls.Certificate
}

var (
	registryMu sync.RWMutex
	registry   = map[string]func() Network{}
)

// Register makes a network available to every Simulator. It panics on an
// empty or duplicate ID: both are programming errors found at start-up.
func Register(id string, newNetwork func() Network) {
	if id == "" || newNetwork == nil {
		panic("simulator: Register needs an ID and a constructor")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[id]; dup {
		panic(fmt.Sprintf("simulator: network %q registered twice", id))
	}
	registry[id] = newNetwork
}

// Registered lists the registered network IDs, sorted.
func Registered() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// NewNetwork returns a fresh instance of a registered network.
func NewNetwork(id string) (Network, error) {
	registryMu.RLock()
	f, ok := registry[id]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown network %q (registered: %v)", id, Registered())
	}
	return f(), nil
}

// TestCardLister is implemented by networks with outcome-triggering test
// cards; the admin API and README list them.
type TestCardLister interface {
	TestCards() []TestCard
}

// TestCard is a card number that selects an outcome, like a network sandbox.
type TestCard struct {
	PAN         string `json:"pan"`     // published sandbox/test number, shown in full
	Outcome     string `json:"outcome"` // short machine-friendly outcome, e.g. "approved", "declined", "VIDC-2003"
	Description string `json:"description"`
}

// SettingsDeclarer is implemented by networks with settings (--set
// <network>.<key>=<value>). Each is declared once as a Key and listed here
// through Key.Setting; the engine then refuses unknown keys, values of the
// wrong kind and values the key's Check refuses at start-up, all at once,
// and the admin API lists them.
type SettingsDeclarer interface {
	Settings() []Setting
}
