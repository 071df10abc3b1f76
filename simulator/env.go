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
	// Settings holds plugin settings given with --set <network>.<key>=<value>;
	// read them through their Key.
	Settings Settings

	sim           *Simulator
	unknownFields bool
}

// Schedule queues a task of a kind the network declares (TaskRunner) to run
// after delay on the simulator's clock, with payload JSON-encoded. Payloads
// are data a durable store may keep: never card numbers in clear (keep the
// ciphertext the client sent, or a reference to state). Pending tasks are
// dropped on reset and shutdown. Plugins use it for asynchronous work
// instead of goroutines with sleeps.
func (e *Env) Schedule(ctx context.Context, delay time.Duration, kind string, payload any) error {
	return e.sim.tasks.schedule(ctx, e.Network, delay, kind, payload)
}

// Wait blocks for d on the simulator's clock (a fake clock in tests moves
// only when advanced). It returns early with ctx's error, or with
// ErrStopped when the simulator is reset or closed meanwhile. It is for
// answers that take time (a slow test card), not for deferred work: use
// Schedule for that.
func (e *Env) Wait(ctx context.Context, d time.Duration) error {
	return e.sim.sched.wait(ctx, d)
}

// AddUnknownField adds UnknownField to m when the network's unknownFields
// setting is on (Description.UnknownFields). Networks whose answers are
// encrypted call it on the plaintext of their successful answers; the
// engine does it for every other answer.
func (e *Env) AddUnknownField(m map[string]any) {
	if e.unknownFields && m != nil && unknownFieldsKey.Get(e.Settings) {
		m[UnknownField] = unknownFieldValue
	}
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

// CallbackSender delivers calls from the network to the issuer's registered
// callback base URL. Every attempt is journalled with its verdicts: the
// request is checked against the issuer-side document (a mismatch is a
// simulator finding) and so is the issuer's answer (a mismatch is the
// issuer's finding).
type CallbackSender interface {
	// Send delivers cb now and waits for the issuer's answer, retrying on
	// transport errors and non-2xx answers on the target's schedule. It is
	// for calls whose answer the network needs before it goes on (an
	// authorisation, an approval) and for triggers that report the
	// delivery. It returns the issuer's final answer, or an error when
	// every attempt failed or no callback URL is registered.
	Send(ctx context.Context, cb *Callback) (*CallbackResult, error)
	// Enqueue hands cb over for delivery and returns at once: a
	// notification the network does not wait for. Callbacks with the same
	// OrderKey are delivered one at a time in the order they were
	// enqueued; each is retried on the target's schedule. cb.ID is
	// required: enqueueing an ID that is still pending does nothing. ctx
	// bounds the hand-over only, never the delivery. It fails when no
	// callback URL is registered or cb names no operation of the network's
	// issuer-side documents.
	Enqueue(ctx context.Context, cb *Callback) error
	// Configured reports whether the issuer registered a callback base URL.
	Configured() bool
}

// Callback is one network-to-issuer call, as data: a durable outbox can keep
// it as it is. Signatures are made on each attempt by the network's
// CallbackSigner.
type Callback struct {
	// ID identifies the call for de-duplication: the network's own ID where
	// it has one (a requestId, a notification ID, an event ID).
	ID string `json:"id"`
	// OrderKey groups calls that must reach the issuer in order (a token
	// reference): Enqueue delivers one key's calls one after the other.
	// Empty means no order with any other call.
	OrderKey string `json:"orderKey,omitempty"`
	// Spec is the issuer-side document (a path in Description.Callbacks) and
	// OperationID the operation in it; the issuer's answer is validated
	// against that operation.
	Spec        string `json:"spec"`
	OperationID string `json:"operationId"`
	Method      string `json:"method,omitempty"` // default POST
	// Path is appended to the registered callback base URL (query included).
	Path   string      `json:"path"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Plaintext, when set, is the unencrypted form of Body for the journal
	// (masked there). It must not carry card numbers for Enqueue: an outbox
	// may keep it.
	Plaintext []byte `json:"plaintext,omitempty"`
	// NotBefore, when set, holds an enqueued call until that time on the
	// simulator's clock (a notification delay); later calls of its OrderKey
	// wait behind it.
	NotBefore time.Time `json:"notBefore,omitzero"`
	// Meta carries what the network's CallbackSigner needs besides the
	// request (for example a spoilt first signature, to exercise a refusal).
	Meta map[string]string `json:"meta,omitempty"`
	// CorrelationIDs to journal the call under.
	CorrelationIDs []string `json:"correlationIds,omitempty"`
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

// Kept returns the value of one of the network's identities that clients
// hold on to and that must not change under them (a certificate handed out
// with the credentials, an identifier made at start): with a durable or
// shared store, the value kept under name by the first process to make it
// (an earlier start, or another replica), else what make returns, which is
// then kept. With the in-memory store it returns what make returns. Name an
// identity that derives from a key after the key (its fingerprint), so
// another key gets its own.
func (e *Env) Kept(name string, make func() (string, error)) (string, error) {
	return e.sim.kept(e.Network, name, make)
}
