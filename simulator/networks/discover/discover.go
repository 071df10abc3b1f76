// Package discover emulates a Discover Global Network Click to Pay issuer API
// (openapi/discover/clicktopay.yaml). The token endpoint follows the Discover
// developer portal; everything else is c2psim's design, modelled on Discover
// Digital Exchange (cloud wallet tokens, PAR) and marked inferred.
//
// What it checks and does:
//   - POST /auth/oauth/v2/token: HTTP Basic client credentials, form body,
//     bearer token with expires_in; wrong credentials are 401 code 1001;
//   - every API call needs a valid, unexpired bearer token (401 1001), the API
//     plan name and the application secret headers (403 1003); each token's
//     sequence number is noted on every call, so a client fetching a new token
//     per call shows in the journal (SEC-08);
//   - card data only as JWE (RSA-OAEP-256/A256GCM, kid): a clear card number,
//     another key or a broken JWE is refused; the plaintext is validated;
//   - asynchronous operations (202 + operationId, then SUCCEEDED or FAILED
//     after asyncDelay); one operation per consumer at a time (409 2009);
//     a cloud wallet token and PAR per enrolled card; suspend, resume,
//     delete card, delete consumer (which removes its cards).
//
// Settings (c2psim --set discover.<key>=<value>):
//
//	tokenTTL     duration  15m  access token lifetime
//	asyncDelay   duration  1s   time from 202 to the operation's outcome
//	slowDelay    duration  30s  outcome time for the slow test card
//	apiPlan      string    CLICK_TO_PAY_ISSUER  the API plan name expected in x-dfs-api-plan
//	unknownFields bool     true                 add an undeclared field to successful answers (ERR-04; the engine's)
package discover

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/discover/oauth2"
	"github.com/c2psim/c2psim/internal/pemkey"
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
	appSecret    string
	apiPlan      string
	cardKey      *rsa.PrivateKey
	cardKeyID    string

	tokMu  sync.Mutex
	tokens map[string]token // access token → what it is
	issued int

	mu         sync.Mutex
	consumers  store.Table[consumer]
	operations store.Table[operation]
	pending    store.Table[string]
	lost       store.Table[bool] // consumer + card whose first enrolment answer was lost (test card)

	tokenTTL, asyncDelay, slowDelay time.Duration
}

type token struct {
	ClientID string
	Expiry   time.Time
	Seq      int
}

var (
	_ simulator.Network            = (*Network)(nil)
	_ simulator.TaskRunner         = (*Network)(nil)
	_ simulator.CallbackSigner     = (*Network)(nil)
	_ simulator.CredentialProvider = (*Network)(nil)
	_ simulator.TestCardLister     = (*Network)(nil)
	_ simulator.SettingsDeclarer   = (*Network)(nil)
	_ simulator.Resetter           = (*Network)(nil)
)

// Describe implements simulator.Network.
func (n *Network) Describe() simulator.Description {
	return simulator.Description{
		ID:        ID,
		Name:      "Discover Click to Pay (Discover Global Network, inferred)",
		Specs:     []string{Spec},
		Callbacks: []string{CallbackSpec},
		AuthSchemes: []string{
			"OAuth 2.0 client credentials (HTTP Basic) → bearer token",
			"x-dfs-api-plan and x-dfs-c-app-cert application headers",
			"card data JWE RSA-OAEP-256/A256GCM (kid)",
		},
		UnknownFields: true,
	}
}

// The settings (c2psim --set discover.<key>=<value>).
var (
	tokenTTLSetting = simulator.Key[time.Duration]{Name: "tokenTTL", Default: 15 * time.Minute,
		Description: "access token lifetime (expires_in)", Check: simulator.Positive[time.Duration]}
	asyncDelaySetting = simulator.Key[time.Duration]{Name: "asyncDelay", Default: time.Second,
		Description: "time from 202 Accepted to the operation's outcome", Check: simulator.NotNegative[time.Duration]}
	slowDelaySetting = simulator.Key[time.Duration]{Name: "slowDelay", Default: 30 * time.Second,
		Description: "outcome time for operations carrying the slow test card", Check: simulator.NotNegative[time.Duration]}
	apiPlanSetting = simulator.Key[string]{Name: "apiPlan", Default: "CLICK_TO_PAY_ISSUER",
		Description: "the API plan name expected in x-dfs-api-plan"}
)

// Settings implements simulator.SettingsDeclarer.
func (n *Network) Settings() []simulator.Setting {
	return []simulator.Setting{tokenTTLSetting.Setting(), asyncDelaySetting.Setting(), slowDelaySetting.Setting(), apiPlanSetting.Setting()}
}

// Setup implements simulator.Network.
func (n *Network) Setup(env *simulator.Env) error {
	n.env = env
	n.tokenTTL = tokenTTLSetting.Get(env.Settings)
	n.asyncDelay = asyncDelaySetting.Get(env.Settings)
	n.slowDelay = slowDelaySetting.Get(env.Settings)
	n.apiPlan = apiPlanSetting.Get(env.Settings)
	n.consumers = store.NewTable[consumer](env.Store, "consumers")
	n.operations = store.NewTable[operation](env.Store, "operations")
	n.pending = store.NewTable[string](env.Store, "inflight")
	n.lost = store.NewTable[bool](env.Store, "lost-answers")
	n.tokens = map[string]token{}
	var err error
	if n.cardKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	n.cardKeyID = "ds-" + env.IDs.Hex(4)
	n.clientID = "app-" + env.IDs.Hex(8)
	n.clientSecret = env.IDs.Hex(20)
	n.appSecret = env.IDs.Hex(16)
	return nil
}

// Reset implements simulator.Resetter: issued tokens are forgotten.
func (n *Network) Reset() {
	n.tokMu.Lock()
	defer n.tokMu.Unlock()
	n.tokens, n.issued = map[string]token{}, 0
}

func dsError(status int, kind simulator.Kind, code, format string, args ...any) *simulator.Error {
	return &simulator.Error{Status: status, Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Authenticate implements simulator.Network.
func (n *Network) Authenticate(req *simulator.Request) error {
	h := req.HTTP.Header
	if req.OperationID == "getToken" {
		id, secret, err := oauth2.ParseBasic(h.Get("Authorization"))
		if err != nil {
			return dsError(http.StatusUnauthorized, simulator.KindAuth, "1001", "%v", err)
		}
		n.credMu.RLock()
		ok := id == n.clientID && secret == n.clientSecret
		n.credMu.RUnlock()
		if !ok {
			return dsError(http.StatusUnauthorized, simulator.KindAuth, "1001", "client id or secret is wrong")
		}
		req.SetPrincipal("client:" + id)
		return nil
	}
	tok, err := oauth2.ParseBearer(h.Get("Authorization"))
	if err != nil {
		return dsError(http.StatusUnauthorized, simulator.KindAuth, "1001", "%v; get one from /auth/oauth/v2/token", err)
	}
	n.tokMu.Lock()
	t, ok := n.tokens[tok]
	n.tokMu.Unlock()
	switch {
	case !ok:
		return dsError(http.StatusUnauthorized, simulator.KindAuth, "1001", "access token is unknown")
	case !n.env.Clock.Now().Before(t.Expiry):
		return dsError(http.StatusUnauthorized, simulator.KindAuth, "1001", "access token expired at %s", t.Expiry.UTC().Format(time.RFC3339))
	}
	n.credMu.RLock()
	plan, app := n.apiPlan, n.appSecret
	n.credMu.RUnlock()
	if got := h.Get("x-dfs-api-plan"); got != "" && got != plan {
		return dsError(http.StatusForbidden, simulator.KindForbidden, "1003", "the application is not subscribed to API plan %q", got)
	}
	if got := h.Get("x-dfs-c-app-cert"); got != "" && got != app {
		return dsError(http.StatusForbidden, simulator.KindForbidden, "1003", "x-dfs-c-app-cert does not match the application's secret")
	}
	req.SetPrincipal("client:" + t.ClientID)
	req.Note("token", fmt.Sprintf("#%d", t.Seq))
	req.AddCorrelationID(h.Get("x-request-id"))
	return nil
}

// issue mints an access token.
func (n *Network) issue(clientID string) (string, int) {
	tok := n.env.IDs.Hex(24)
	n.tokMu.Lock()
	defer n.tokMu.Unlock()
	n.issued++
	n.tokens[tok] = token{ClientID: clientID, Expiry: n.env.Clock.Now().Add(n.tokenTTL), Seq: n.issued}
	return tok, n.issued
}

// Credentials implements simulator.CredentialProvider.
func (n *Network) Credentials() []simulator.Credential {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return []simulator.Credential{
		{Name: "client-id", Kind: "id", Value: n.clientID, Description: "OAuth 2.0 client ID (client_application_id)"},
		{Name: "client-secret", Kind: "secret", Value: n.clientSecret, Description: "OAuth 2.0 client secret (client_application_secret)"},
		{Name: "app-secret", Kind: "secret", Value: n.appSecret, Description: "consumer application secret: the x-dfs-c-app-cert header"},
		{Name: "api-plan", Kind: "id", Value: n.apiPlan, Description: "API plan name: the x-dfs-api-plan header"},
		{Name: "card-encryption-public-key", Kind: "rsa-public-key", KeyID: n.cardKeyID,
			Value: pemkey.EncodePublic(&n.cardKey.PublicKey), Description: "encrypt card data (JWE RSA-OAEP-256/A256GCM) to this key, kid = keyId"},
	}
}

// RegisterCredential implements simulator.CredentialProvider: the issuer's
// own client secret or application secret.
func (n *Network) RegisterCredential(c simulator.Credential) error {
	n.credMu.Lock()
	defer n.credMu.Unlock()
	switch {
	case c.Name == "client-id" && c.Kind == "id":
		n.clientID = c.Value
	case c.Name == "client-secret" && c.Kind == "secret" && len(c.Value) >= 16:
		n.clientSecret = c.Value
	case c.Name == "app-secret" && c.Kind == "secret" && len(c.Value) >= 8:
		n.appSecret = c.Value
	default:
		return errors.New("discover takes client-id (id), client-secret (secret, at least 16 characters) or app-secret (secret, at least 8)")
	}
	return nil
}

// RenderError implements simulator.Network: {code, message, details}.
func (n *Network) RenderError(_ *simulator.Request, e *simulator.Error) *simulator.Response {
	code := e.Code
	if code == "" {
		code = map[simulator.Kind]string{
			simulator.KindAuth: "1001", simulator.KindForbidden: "1003", simulator.KindMediaType: "1415",
			simulator.KindNotFound: "2001", simulator.KindConflict: "2009", simulator.KindInternal: "5000", simulator.KindUnavailable: "5000",
		}[e.Kind]
		if code == "" {
			code = "2000"
		}
	}
	details := []map[string]string{}
	for _, f := range e.Fields {
		details = append(details, map[string]string{"field": f.Field, "issue": f.Message})
	}
	msg := e.Message
	if msg == "" {
		msg = e.Summary()
	}
	return simulator.JSON(e.Status, map[string]any{"code": code, "message": msg, "details": details})
}
