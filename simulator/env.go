package simulator

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/simulator/store"
)

// Env is what a network plugin gets from the engine for its lifetime.
type Env struct {
	// Network is the plugin's ID.
	Network string
	// Store is the plugin's own namespace of the simulator's state store.
	Store store.Store
	// Clock is the only source of time a plugin may use.
	Clock Clock
	// IDs is the only source of identifiers and randomness a plugin may use
	// for anything that appears on the wire or in state (seeded: --seed).
	IDs IDSource
	// Logger is structured and already carries network=<id>.
	Logger *slog.Logger
	// Callbacks delivers network-to-issuer calls with retries, journalling
	// every attempt and validating the issuer's answers.
	Callbacks CallbackSender
	// Specs are the plugin's loaded inbound documents, by path.
	Specs map[string]*openapi3.T
	// CallbackSpecs are the plugin's loaded issuer-side documents, by path.
	CallbackSpecs map[string]*openapi3.T
	// Settings holds plugin settings given with --set <network>.<key>=<value>
	// or the admin API; plugins document their keys and defaults.
	Settings Settings
	// After schedules fn after d on the simulator's clock; pending timers are
	// dropped on reset and shutdown. Plugins use it for asynchronous
	// completion instead of goroutines with sleeps.
	After func(d time.Duration, fn func(ctx context.Context))

	finding func(string)
}

// Clock is an injectable source of time.
type Clock interface{ Now() time.Time }

// IDSource hands out identifiers. A seeded source makes a run reproducible.
type IDSource interface {
	// UUID returns a random (version 4 layout) UUID string.
	UUID() string
	// Hex returns n random bytes as lower-case hex.
	Hex(n int) string
	// Digits returns n random decimal digits.
	Digits(n int) string
	// Intn returns a random int in [0, n).
	Intn(n int) int
}

// Settings are string key/value plugin settings with typed accessors.
type Settings interface {
	String(key, def string) string
	Duration(key string, def time.Duration) time.Duration
	Int(key string, def int) int
	Bool(key string, def bool) bool
}

// CallbackSender delivers a call from the network to the issuer.
type CallbackSender interface {
	// Send delivers cb to the issuer's registered callback base URL for this
	// network, retrying on transport errors and non-2xx answers on the
	// configured schedule. It returns the issuer's final answer, or an error
	// when every attempt failed or no callback URL is registered. Every attempt
	// is journalled with its verdicts. Send blocks; plugins call it from
	// Env.After or a handler as the network would.
	Send(ctx context.Context, cb *Callback) (*CallbackResult, error)
	// Configured reports whether the issuer registered a callback base URL.
	Configured() bool
}

// Callback is one network-to-issuer call.
type Callback struct {
	// Spec is the issuer-side document (a path in Description.Callbacks) and
	// OperationID the operation in it; the issuer's answer is validated
	// against that operation.
	Spec        string
	OperationID string
	Method      string
	// Path is appended to the registered callback base URL (query included).
	Path   string
	Header http.Header
	Body   []byte
	// Plaintext, when set, is the unencrypted form of Body for the journal.
	Plaintext []byte
	// Sign, when set, is called on every attempt's request just before it is
	// sent (timestamps and nonces change per attempt).
	Sign func(*http.Request, []byte) error
	// CorrelationIDs to journal the call under.
	CorrelationIDs []string
}

// CallbackResult is the issuer's answer to a callback.
type CallbackResult struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
	// Findings lists problems with the issuer's answer (spec violations).
	Findings []string
}
