// Package discover emulates a Discover Global Network Click to Pay issuer
// API (openapi/discover/clicktopay.yaml). Discover publishes no issuer-side
// Click to Pay API; what it publishes is the transport every Partner
// Product Portal API shares (the developer guide) and the Stored Token
// Services conventions. The emulation enforces those exactly and marks
// everything else (the Click to Pay operations themselves) inferred.
//
// What it checks and does:
//   - POST /auth/oauth/v2/token: client credentials with scope required,
//     the client authenticated by HTTP Basic or the form body (one of them;
//     both, neither or a wrong secret is 401 1001), X-DFS-API-PLAN on the
//     token call too (1003), a scope the application was not granted
//     (1003); bearer token with expires_in (tokenTTL, 3600 s by default);
//   - GET /dfs/jwk/v1/public-keys, anonymous: Discover's signing key (use
//     sig) and encryption key (use enc) as a JWKS;
//   - every other call: a known, unexpired bearer token for the granted
//     scope (401 1001), the API plan (1003), and the second factor the
//     operation's document declares in its security requirement (appJwt: an
//     X-DFS-C-APP-JWT RS256 JWS whose content_hash matches the body,
//     verified with the partner's registered signing key; appCert: the
//     registered X-DFS-C-APP-CERT certificate, valid now), 401 1001 naming
//     the problem; then, after the document's checks (X-Request-ID a UUID,
//     Cache-Control no-store: 90005), an Accept that allows JSON (90005)
//     and an X-Request-ID not seen before (10023). Each access token's
//     sequence number is noted on every call, so a client fetching a token
//     per call shows in the journal (SEC-08);
//   - card data only as JWS-in-JWE: a JWE (RSA-OAEP-256/A256GCM, cty JWT,
//     kid of the encryption key) of the partner's JWS (RS256, registered
//     key) of the card JSON; a clear card number, another key or a
//     signature that does not verify is 10004, never echoing the number;
//     the plaintext is validated;
//   - enrolment, card and consumer operations are asynchronous (202 +
//     operationId, then SUCCEEDED or FAILED after asyncDelay); one operation
//     per consumer at a time (409 2009, c2psim's code); a cloud wallet token
//     (tokenReferenceId) and PAR per enrolled card;
//   - the token-state operation (operationType Suspend, Resume, Unlink) is
//     synchronous: ACTIVE → SUSPENDED → ACTIVE, Unlink from either (final;
//     the card leaves the profile); anything else 10103, an unknown token
//     10127, nothing changed; every change the issuer asks for and every
//     one the network makes (trigger tokenStatusChange) is notified to the
//     issuer over mutual TLS (the simulator presents the client certificate
//     of notification-client-ca) with a Discover-signed X-DFS-C-APP-JWT.
//
// Settings (c2psim --set discover.<key>=<value>): see Settings.
package discover

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// ID is the network's registry key and path prefix.
const ID = "discover"

// Spec is the served document.
const Spec = "discover/clicktopay.yaml"

func init() { simulator.Register(ID, func() simulator.Network { return &Network{} }) }

// Network is one Discover emulation; every simulator gets its own.
type Network struct {
	env *simulator.Env

	credMu       sync.RWMutex
	clientID     string
	clientSecret string
	apiPlan      string
	scope        string
	// Discover's own keys and the partner key the sandbox hands out, by
	// kid, from the engine (rsaKeys).
	encKey, sigKey, partnerKey       *simulator.RSAKey
	encKeyID, sigKeyID, partnerKeyID string
	rsaOnce                          sync.Once
	rsa                              *sandboxKeys
	rsaErr                           error
	// The partner's signing keys registered besides the sandbox's, by kid,
	// and the consumer application certificates.
	partnerKeys  map[string]*rsa.PublicKey
	partnerPriv  *rsa.PrivateKey // the sandbox partner key registered in place of the generated one (restored)
	appCerts     []*x509.Certificate
	notifyCA     *x509.Certificate
	notifyClient tls.Certificate
	jwtVerifier  *secondfactor.Verifier
	requestIDs   *seenIDs

	// Issued access tokens live in the state store, so every replica (and
	// the next start) knows them: by the SHA-256 of the token.
	accessTokens store.Table[accessToken]
	issued       store.Table[int] // "count" → access tokens issued so far

	consumers  store.Table[consumer]
	operations store.Table[operation]
	pending    store.Table[string]
	cardTokens store.Table[tokenRecord] // tokenReferenceId → its card and state
	events     store.Table[tokenEvent]  // event ID → the event as sent, for redelivery
	lost       store.Table[bool]        // consumer + card whose first enrolment answer was lost (test card)
}

type accessToken struct {
	ClientID string    `json:"clientId"`
	Scope    string    `json:"scope"`
	Expiry   time.Time `json:"expiry"`
	Seq      int       `json:"seq"`
}

var (
	_ simulator.Network            = (*Network)(nil)
	_ simulator.TaskRunner         = (*Network)(nil)
	_ simulator.CallbackSigner     = (*Network)(nil)
	_ simulator.CallbackCertifier  = (*Network)(nil)
	_ simulator.CredentialProvider = (*Network)(nil)
	_ simulator.TestCardLister     = (*Network)(nil)
	_ simulator.SettingsDeclarer   = (*Network)(nil)
	_ simulator.Resetter           = (*Network)(nil)
	_ simulator.Triggerer          = (*Network)(nil)
)

// Describe implements simulator.Network.
func (n *Network) Describe() simulator.Description {
	return simulator.Description{
		ID:        ID,
		Name:      "Discover Click to Pay (developer guide transport; Click to Pay operations inferred)",
		Specs:     []string{Spec},
		Callbacks: []string{CallbackSpec},
		AuthSchemes: []string{
			"OAuth 2.0 client credentials (scope required; HTTP Basic or form-body client authentication; X-DFS-API-PLAN) → bearer token",
			"X-DFS-API-PLAN, a fresh X-Request-ID and Cache-Control: no-store on every call",
			"second factor per family: X-DFS-C-APP-JWT (RS256, content_hash) on enrolment and token lifecycle, X-DFS-C-APP-CERT on reads",
			"card data JWS-in-JWE (RS256 inside RSA-OAEP-256/A256GCM, cty JWT); JWKS at /dfs/jwk/v1/public-keys",
			"notifications to the issuer over mutual TLS, signed X-DFS-C-APP-JWT",
		},
		UnknownFields: true,
	}
}

// The settings (c2psim --set discover.<key>=<value>).
var (
	tokenTTLSetting = simulator.Key[time.Duration]{Name: "tokenTTL", Live: true, Default: time.Hour,
		Description: "access token lifetime (expires_in; the developer guide's default is 3600 s)", Check: simulator.Positive[time.Duration]}
	asyncDelaySetting = simulator.Key[time.Duration]{Name: "asyncDelay", Live: true, Default: time.Second,
		Description: "time from 202 Accepted to the operation's outcome", Check: simulator.NotNegative[time.Duration]}
	slowDelaySetting = simulator.Key[time.Duration]{Name: "slowDelay", Live: true, Default: 30 * time.Second,
		Description: "outcome time for operations carrying the slow test card", Check: simulator.NotNegative[time.Duration]}
	apiPlanSetting = simulator.Key[string]{Name: "apiPlan", Default: "CLICK_TO_PAY_ISSUER",
		Description: "the API plan name expected in X-DFS-API-PLAN"}
	scopeSetting = simulator.Key[string]{Name: "scope", Default: "CLICK_TO_PAY_ISSUER",
		Description: "the scope name granted to the application (the token call's scope)"}
	forbiddenStatusSetting = simulator.Key[int]{Name: "forbiddenStatus", Live: true, Default: http.StatusBadRequest,
		Description: "HTTP status of code 1003: 400 as the Stored Token Services table gives it, or 403 as the developer guide's gateway table does",
		Check: func(v int) error {
			if v != http.StatusBadRequest && v != http.StatusForbidden {
				return errors.New("must be 400 or 403")
			}
			return nil
		}}
	jwtWindowSetting = simulator.Key[time.Duration]{Name: "jwtWindow", Default: secondfactor.DefaultWindow,
		Description: "accepted skew of the second factor JWT's iat either way", Check: simulator.Positive[time.Duration]}
	requestIDRetentionSetting = simulator.Key[time.Duration]{Name: "requestIdRetention", Default: 24 * time.Hour,
		Description: "how long an X-Request-ID is remembered to refuse its reuse (10023)", Check: simulator.Positive[time.Duration]}
	requestIDCacheSetting = simulator.Key[int]{Name: "requestIdCacheSize", Default: 100_000,
		Description: "X-Request-IDs remembered at most (the oldest is forgotten first)", Check: simulator.Positive[int]}
	notifyChangesSetting = simulator.Key[bool]{Name: "notifyIssuerChanges", Live: true, Default: true,
		Description: "notify the issuer of the token changes it asked for too, not only of the network's"}
)

// Settings implements simulator.SettingsDeclarer.
func (n *Network) Settings() []simulator.Setting {
	return []simulator.Setting{tokenTTLSetting.Setting(), asyncDelaySetting.Setting(), slowDelaySetting.Setting(), apiPlanSetting.Setting(),
		scopeSetting.Setting(), forbiddenStatusSetting.Setting(), jwtWindowSetting.Setting(), requestIDRetentionSetting.Setting(),
		requestIDCacheSetting.Setting(), notifyChangesSetting.Setting()}
}

// Setup implements simulator.Network.
func (n *Network) Setup(env *simulator.Env) error {
	n.env = env
	n.apiPlan = apiPlanSetting.Get(env.Settings)
	n.scope = scopeSetting.Get(env.Settings)
	n.consumers = store.NewTable[consumer](env.Store, "consumers")
	n.operations = store.NewTable[operation](env.Store, "operations")
	n.pending = store.NewTable[string](env.Store, "inflight")
	n.cardTokens = store.NewTable[tokenRecord](env.Store, "tokens")
	n.events = store.NewTable[tokenEvent](env.Store, "events")
	n.lost = store.NewTable[bool](env.Store, "lost-answers")
	n.accessTokens = store.NewTable[accessToken](env.Store, "access-tokens")
	n.issued = store.NewTable[int](env.Store, "access-tokens-issued")
	n.requestIDs = newSeenIDs(requestIDRetentionSetting.Get(env.Settings), requestIDCacheSetting.Get(env.Settings))
	n.clientID = "app-" + env.IDs.Hex(8)
	n.clientSecret = env.IDs.Hex(20)
	if err := n.makeKeys(env); err != nil {
		return fmt.Errorf("discover: making the sandbox keys: %w", err)
	}
	n.jwtVerifier = &secondfactor.Verifier{Keys: n.partnerSigningKey, Window: jwtWindowSetting.Get(env.Settings), Now: env.Clock.Now}
	return nil
}

// Reset implements simulator.Resetter: request IDs are forgotten (issued
// tokens go with the state).
func (n *Network) Reset() {
	n.requestIDs.forget()
}

func (n *Network) partnerSigningKey(kid string) (*rsa.PublicKey, bool) {
	n.credMu.RLock()
	k, ok := n.partnerKeys[kid]
	sandbox, registered := n.partnerKeyID, n.partnerPriv
	n.credMu.RUnlock()
	switch {
	case ok:
		return k, true
	case kid != sandbox:
		return nil, false
	case registered != nil:
		return &registered.PublicKey, true
	}
	keys, err := n.rsaKeys()
	if err != nil {
		return nil, false
	}
	return &keys.partner.PublicKey, true
}

// issue mints an access token for a granted scope and keeps it.
func (n *Network) issue(ctx context.Context, clientID, scope string) (string, int, error) {
	tok := n.env.IDs.Hex(24)
	var seq int
	if err := n.issued.Update(ctx, "count", func(v *int, _ bool) error { *v++; seq = *v; return nil }); err != nil {
		return "", 0, err
	}
	t := accessToken{ClientID: clientID, Scope: scope, Expiry: n.env.Clock.Now().Add(tokenTTLSetting.Get(n.env.Settings)), Seq: seq}
	if err := n.accessTokens.Put(ctx, tokenKey(tok), t); err != nil {
		return "", 0, err
	}
	return tok, seq, nil
}

// tokenKey is where an access token is kept: not the token itself.
func tokenKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
