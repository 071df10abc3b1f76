package simulator

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"sync"
)

// Network is one payment network's emulation: its documents, its
// authentication, its error envelope and its operation handlers. A plugin
// registers a constructor in init(); every Simulator gets a fresh instance, so
// parallel simulators never share state.
//
// Optional capabilities are discovered by type assertion: CredentialProvider,
// Triggerer, Resetter, Decoder, TestCardLister.
type Network interface {
	// Describe returns static metadata; it must not depend on Setup.
	Describe() Description
	// Setup is called once, before any request, with the environment the
	// plugin keeps for its lifetime.
	Setup(env *Env) error
	// Handler returns the handler for an operation of the served documents,
	// or nil when the plugin does not implement it (start-up then fails).
	Handler(operationID string) Handler
	// Authenticate verifies the caller before validation or any handler runs.
	// It returns a *Error (401/403) when the caller is not authenticated, and
	// may record the authenticated principal with req.SetPrincipal.
	Authenticate(req *Request) error
	// RenderError turns an engine or handler error into the network's own
	// error envelope. The result must validate against the operation's
	// declared response for e.Status (req.OperationID may be empty for 404/405).
	RenderError(req *Request, e *Error) *Response
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
// (nonce caches, pending timers). Reset returns the plugin to its state right
// after Setup.
type Resetter interface{ Reset() }

// Decoder is implemented by networks whose requests carry encrypted payloads.
// The engine calls Decode after authentication and validation and before
// fault rules and the handler; Decode decrypts, validates the plaintext and
// records it on the request (SetPlaintext, SetCard) so fault rules can match
// the card and the journal can show a masked plaintext.
type Decoder interface {
	Decode(req *Request) error
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
// <network>.<key>=<value>). The engine then refuses unknown keys and values
// of the wrong kind at start-up, naming the known ones, and the admin API
// lists them.
type SettingsDeclarer interface {
	Settings() []Setting
}

// Setting is one documented plugin setting.
type Setting struct {
	Key         string `json:"key"`
	Kind        string `json:"kind"` // duration | int | bool | string
	Default     string `json:"default"`
	Description string `json:"description"`
	Value       string `json:"value,omitempty"` // in force, when set
}
