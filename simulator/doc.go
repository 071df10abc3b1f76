// Package simulator is c2psim's engine: it serves network plugins on one
// http.Handler, each under its own prefix, and does for every one of them
// what no plugin should do twice:
//
//   - routing from the network's OpenAPI documents (kin-openapi's gorilla/mux
//     router; the documents' servers are rewritten to relative base paths, so
//     "https://sandbox.api.visa.com/visaIdCredential/v1" is served at
//     "/visa/visaIdCredential/v1");
//   - a bounded body (413, at once for a declared Content-Length past the
//     limit), the plugin's authentication before anything else reads the
//     request (401/403; Request.SignedURLs gives signature verifiers the URL
//     as received and without the mount prefix), then validation of media
//     type (415), JSON syntax and schema (400, every problem named, unknown
//     fields included, in form bodies too), without writing defaults into
//     the request; a key repeated in one JSON object, or a string that is
//     not UTF-8, in a clear body or a decrypted one, is a 400 naming it for
//     every network (RuleDuplicateKey, RuleUTF8);
//   - the operation's Decode (decryption, Request.CheckPlaintext against the
//     operation's plaintext schema), fault rules, the operation's Handle, the
//     unknown field of ERR-04 where the network asks for it
//     (Description.UnknownFields), and validation of every answer against the
//     document (a mismatch is a finding: fatal under simtest, logged and
//     journalled when serving);
//   - the journal of every exchange, redacted; callbacks to the issuer, sent
//     now (CallbackSender.Send) or enqueued and delivered in order per
//     OrderKey (CallbackSender.Enqueue), retried, each attempt signed by the
//     plugin (CallbackSigner), journalled and checked against the issuer-side
//     document on both sides; callbacks never reach link-local or metadata
//     addresses, nor private ones unless Options.CallbackNetworks lists them;
//     typed settings (Key) checked at start-up; named tasks on the simulator
//     clock (TaskRunner, Env.Schedule); a seeded ID source; a namespaced
//     state store; the admin API (openapi/admin.yaml), which answers only its
//     own host names, refuses cross-origin and non-JSON writes and can
//     require a token (AdminOptions), and the console it serves at /_admin/
//     (package console), which reads the plugins' optional trigger
//     catalogues (TriggerDescriber: the admin API holds a trigger's
//     parameters to it) and state views (StateViewer: consumers, cards and
//     tokens with their status, searchable by masked card or reference).
//
// Every check against a document lives in validate.go, with the one JSON
// decode path those checks use.
//
// A network plugin implements Network and registers a constructor in init().
// Its operation table names every operation of its documents once; the
// engine refuses to start when an operation has no entry, an entry names no
// operation, an entry is repeated or has no Handle, reporting them all:
//
//	func init() { simulator.Register("acme", func() simulator.Network { return &Acme{} }) }
//
//	var delay = simulator.Key[time.Duration]{Name: "asyncDelay", Default: 2 * time.Second,
//		Description: "time from 202 to completion", Check: simulator.NotNegative[time.Duration]}
//
//	func (a *Acme) Describe() simulator.Description {
//		return simulator.Description{ID: "acme", Name: "Acme Click to Pay", UnknownFields: true,
//			Specs: []string{"acme/enrolment.yaml"}, Callbacks: []string{"acme/issuer-callbacks.yaml"}}
//	}
//	func (a *Acme) Settings() []simulator.Setting { return []simulator.Setting{delay.Setting()} }
//	func (a *Acme) Setup(env *simulator.Env) error { a.env, a.delay = env, delay.Get(env.Settings); return nil }
//	func (a *Acme) Authenticate(r *simulator.Request) error { ... verify over r.SignedURLs(), r.SetPrincipal(clientID) ... }
//	func (a *Acme) Operations() []simulator.Operation {
//		return []simulator.Operation{
//			{ID: "enrolCard", Decode: a.decryptCard, Plaintext: "CardPlaintext", Handle: a.enrol},
//			{ID: "getCard", Handle: a.getCard},
//		}
//	}
//	func (a *Acme) Tasks() []simulator.Task { return []simulator.Task{{Kind: "complete", Run: a.complete}} }
//	func (a *Acme) RenderError(r *simulator.Request, e *simulator.Error) *simulator.Response {
//		return simulator.JSON(e.Status, acmeEnvelope(e))
//	}
//
// Handlers return a *Response, or a *Error that the plugin renders in its
// envelope. Plugins keep no package-level mutable state (setting Keys are
// declarations): every Simulator builds fresh instances, so parallel
// simulators (ginkgo -p, t.Parallel) never share anything. State goes in
// Env.Store, time comes from Env.Clock, identifiers from Env.IDs, private
// keys from Env.RSAKey and Env.ECDSAKey by the name they are handed out
// under (given at start, else made in the background off the start path:
// call RSAKey.Private where the key is used, not in Setup). Deferred
// work is a named task with a data payload (Env.Schedule), never a closure,
// so a durable store can keep it across a restart; card data waits in it
// encrypted as the client sent it, or as a reference to state. Callbacks are
// data too (Callback): signatures are made per attempt by the plugin's
// CallbackSigner.
//
// Tests use simtest.Start, which runs a simulator on 127.0.0.1:0 in strict
// mode; with FakeClock, tasks, waits and held callbacks are due only when
// the test advances the clock.
package simulator
