// Package simulator is c2psim's engine: it serves network plugins on one
// http.Handler, each under its own prefix, and does for every one of them
// what no plugin should do twice:
//
//   - routing from the network's OpenAPI documents (kin-openapi's gorilla/mux
//     router; the documents' servers are rewritten to relative base paths, so
//     "https://sandbox.api.visa.com/visaIdCredential/v1" is served at
//     "/visa/visaIdCredential/v1");
//   - a bounded body (413), the plugin's authentication before anything else
//     reads the request (401/403), then validation of media type (415), JSON
//     syntax and schema (400, every problem named, unknown fields included),
//     without writing defaults into the request; a key repeated in one JSON
//     object, in a clear body or a decrypted one, is a 400 naming it for
//     every network (RuleDuplicateKey);
//   - decryption through the plugin's optional Decoder, fault rules, the
//     handler, and validation of every answer against the document (a
//     mismatch is a finding: fatal under simtest, logged and journalled when
//     serving);
//   - the journal of every exchange, redacted; outbound callbacks with
//     retries, each attempt journalled and both sides validated against the
//     issuer-side document; a seeded ID source, an injectable clock and
//     timers on it; a namespaced state store; the admin API (openapi/admin.yaml),
//     which answers only its own host names, refuses cross-origin and
//     non-JSON writes and can require a token (AdminOptions); callbacks
//     never reach link-local or metadata addresses, nor private ones unless
//     Options.CallbackNetworks lists them.
//
// A network plugin implements Network and registers a constructor in init():
//
//	func init() { simulator.Register("acme", func() simulator.Network { return &Acme{} }) }
//
//	func (a *Acme) Describe() simulator.Description {
//		return simulator.Description{ID: "acme", Name: "Acme Click to Pay",
//			Specs: []string{"acme/enrolment.yaml"}, Callbacks: []string{"acme/issuer-callbacks.yaml"}}
//	}
//	func (a *Acme) Setup(env *simulator.Env) error { a.env = env; return nil }
//	func (a *Acme) Authenticate(r *simulator.Request) error { ... verify, r.SetPrincipal(clientID) ... }
//	func (a *Acme) Handler(op string) simulator.Handler { return a.handlers[op] }
//	func (a *Acme) RenderError(r *simulator.Request, e *simulator.Error) *simulator.Response {
//		return simulator.JSON(e.Status, acmeEnvelope(e))
//	}
//
// Handlers return a *Response, or a *Error that the plugin renders in its
// envelope. Plugins keep no package-level state: every Simulator builds fresh
// instances, so parallel simulators (ginkgo -p, t.Parallel) never share
// anything. State goes in Env.Store, time comes from Env.Clock, identifiers
// from Env.IDs, asynchronous work is scheduled with Env.After.
//
// Tests use simtest.Start, which runs a simulator on 127.0.0.1:0 in strict
// mode.
package simulator
