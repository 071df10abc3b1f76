// Package amex emulates an American Express Click to Pay issuer API
// (openapi/amex/clicktopay.yaml). American Express publishes no issuer-side
// Click to Pay API; what is public is the Token Service SDK
// (amex-api-java-client-core). The emulation follows its conventions
// exactly where it shows them (paths, snake_case bodies, headers, the MAC
// header, the A256KW/A128GCM JWE) and everything else is c2psim's design,
// marked inferred in the document and configurable here.
//
// What it checks and does:
//   - every call: x-amex-api-key must be the client's api key (401
//     AUTHENTICATION_FAILED), and the Authorization MAC header must verify
//     exactly as the SDK's HmacAuthProvider builds it (client/amex/mac):
//     bodyhash over the raw body, mac over ts, nonce, method, path (with or
//     without the /amex mount prefix), host, port and bodyhash; a ts outside
//     macWindow, a nonce already seen, a wrong bodyhash or mac are 401
//     AUTHENTICATION_FAILED naming the problem; x-amex-token-requester-id,
//     when present, must be the issuer's (403 FORBIDDEN);
//   - x-amex-request-id: a reused ID with the same request (method, path,
//     body) replays the first answer without doing anything again (noted
//     "idempotent-replay" in the journal); with a different request it is
//     409 DUPLICATE_REQUEST_ID; 5xx answers are not remembered, so a retry
//     with the same ID runs again; IDs are remembered for requestIdRetention,
//     at most requestIdCacheSize of them;
//   - account_data must be a compact JWE A256KW/A128GCM whose kid names the
//     shared key (client/amex/jwe); card data in clear is 400
//     CLEAR_CARD_DATA, another algorithm, kid or key 400 ENCRYPTION_ERROR,
//     never echoing the card number; the plaintext is validated against
//     AccountDataPlaintext;
//   - the SDK's own request shapes are accepted unchanged: c2psim's
//     additions (consumer_ref, card_ref, user_data.locale and country,
//     name_on_card, billing lines) are optional; an enrolment without
//     consumer_ref opens a profile of its own named by its
//     x-amex-request-id (decodeEnrol), returned in the answer;
//   - enrolment (tokens/provisioning) is synchronous: the token is ACTIVE in
//     the 200 answer; cards of one consumer_ref form one profile, whose
//     user_data the latest enrolment or update replaces; a card with a live
//     (not DELETED) token, or a card_ref already live in the profile, is 409
//     ALREADY_ENROLLED naming the token; expired cards and numbers failing
//     the Luhn check (but for the SDK sample 371111111111111) are 422
//     CARD_INELIGIBLE; test cards select the other outcomes (TestCards);
//   - token lifecycle (tokens/notifications): suspend ACTIVE → SUSPENDED,
//     resume SUSPENDED → ACTIVE, delete ACTIVE|SUSPENDED → DELETED (final:
//     the card may be enrolled again, as a new token); anything else is 409
//     INVALID_STATE_TRANSITION and changes nothing. ACTIVE, SUSPENDED and
//     DELETED map to the unified ACTIVE, SUSPENDED and OPTED_OUT;
//   - token status and metadata by token_ref_id, profile read-back and
//     consumer data update by consumer_ref (404 NOT_FOUND when unknown);
//   - issuer notifications (openapi/amex/issuer-notifications.yaml): when the
//     issuer registered a callback URL, every token status change, its own
//     requests included (notifyIssuerChanges), and every change the network
//     makes (trigger tokenStatusChange) is POSTed to
//     <callback URL>/tokens/status-notifications, MAC-signed with the
//     issuer's MAC key (fresh ts and nonce per attempt), with
//     x-amex-request-id = notification_id (the same on redeliveries) and the
//     notification as a JWE under the shared key; the engine retries it on
//     its schedule and journals every attempt.
//
// Settings (c2psim --set amex.<key>=<value>):
//
//	macWindow            duration  5m      accepted MAC ts skew either way
//	nonceCacheSize       int       100000  nonces remembered for replay refusal
//	requestIdRetention   duration  24h     how long an x-amex-request-id is remembered
//	requestIdCacheSize   int       100000  x-amex-request-ids remembered at most
//	notifyIssuerChanges  bool      true    notify the issuer of the changes it asked for too
//	unknownFields        bool      true    add an undeclared field to successful answers (ERR-04; the engine's)
//	notificationDelay    duration  0s      time from a status change to its notification
package amex

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// ID is the network's registry key and path prefix.
const ID = "amex"

// Spec is the served document.
const Spec = "amex/clicktopay.yaml"

// SampleTestPAN is the card number of the Token Service SDK's sample; it
// does not pass the Luhn check and is accepted as a test card all the same.
const SampleTestPAN = "371111111111111"

func init() { simulator.Register(ID, func() simulator.Network { return &Network{} }) }

// Network is one American Express emulation; every simulator gets its own.
type Network struct {
	env *simulator.Env

	credMu           sync.RWMutex
	apiKey           string
	macKeyID         string
	macSecret        string
	encKid           string            // current shared key, used for notifications
	encKeys          map[string][]byte // every shared key accepted, by kid
	tokenRequesterID string

	verifier *mac.Verifier
	requests *requestLog

	// A change that spans tables is one atomic store update (row locks
	// where replicas share the store): no in-process lock decides.
	tokens    store.Table[token]    // by token_ref_id
	consumers store.Table[consumer] // by consumer_ref
	pans      store.Table[string]   // PAN reference → live token_ref_id
	lost      store.Table[bool]     // PAN reference + consumer_ref whose first enrolment answer was lost (test card)
}

var (
	_ simulator.Network            = (*Network)(nil)
	_ simulator.CallbackSigner     = (*Network)(nil)
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
		Name:      "American Express Click to Pay (Token Service conventions, inferred)",
		Specs:     []string{Spec},
		Callbacks: []string{CallbackSpec},
		AuthSchemes: []string{
			`Authorization: MAC id,ts,nonce,bodyhash,mac (HMAC-SHA256, as the Token Service SDK builds it)`,
			"x-amex-api-key, x-amex-request-id (GUID, unique per request), x-amex-token-requester-id",
			"account_data JWE A256KW/A128GCM (kid names the shared key)",
		},
		UnknownFields: true,
	}
}

// The settings (c2psim --set amex.<key>=<value>).
var (
	macWindowSetting = simulator.Key[time.Duration]{Name: "macWindow", Default: mac.DefaultWindow,
		Description: "accepted MAC ts clock skew either way", Check: simulator.Positive[time.Duration]}
	nonceCacheSizeSetting = simulator.Key[int]{Name: "nonceCacheSize", Default: mac.DefaultMaxNonces,
		Description: "MAC nonces remembered to refuse replays (when full, the oldest is forgotten and older timestamps are refused)", Check: simulator.Positive[int]}
	requestIDRetentionSetting = simulator.Key[time.Duration]{Name: "requestIdRetention", Default: 24 * time.Hour,
		Description: "how long an x-amex-request-id is remembered for replay or refusal", Check: simulator.Positive[time.Duration]}
	requestIDCacheSizeSetting = simulator.Key[int]{Name: "requestIdCacheSize", Default: 100_000,
		Description: "x-amex-request-ids remembered at most (the oldest is forgotten first)", Check: simulator.Positive[int]}
	notifyIssuerChangesSetting = simulator.Key[bool]{Name: "notifyIssuerChanges", Live: true, Default: true,
		Description: "notify the issuer of token status changes it requested itself, not only of the network's"}
	notificationDelaySetting = simulator.Key[time.Duration]{Name: "notificationDelay", Live: true, Default: 0,
		Description: "time from a token status change to its notification", Check: simulator.NotNegative[time.Duration]}
)

// Settings implements simulator.SettingsDeclarer.
func (n *Network) Settings() []simulator.Setting {
	return []simulator.Setting{macWindowSetting.Setting(), nonceCacheSizeSetting.Setting(), requestIDRetentionSetting.Setting(),
		requestIDCacheSizeSetting.Setting(), notifyIssuerChangesSetting.Setting(), notificationDelaySetting.Setting()}
}

// Setup implements simulator.Network: it generates the sandbox credentials.
func (n *Network) Setup(env *simulator.Env) error {
	n.env = env
	window := macWindowSetting.Get(env.Settings)
	nonces := nonceCacheSizeSetting.Get(env.Settings)
	retention := requestIDRetentionSetting.Get(env.Settings)
	maxIDs := requestIDCacheSizeSetting.Get(env.Settings)
	n.tokens = store.NewTable[token](env.Store, "tokens")
	n.consumers = store.NewTable[consumer](env.Store, "consumers")
	n.pans = store.NewTable[string](env.Store, "pans")
	n.lost = store.NewTable[bool](env.Store, "lost-answers")

	// The SDK uses one client id as MAC id and api key.
	n.apiKey = "ax-" + env.IDs.Hex(16)
	n.macKeyID = n.apiKey
	n.macSecret = env.IDs.Hex(24)
	n.encKid = "ax-enc-" + env.IDs.Hex(4)
	key := make([]byte, jwe.KeySize)
	for i := range key {
		key[i] = byte(env.IDs.Intn(256))
	}
	n.encKeys = map[string][]byte{n.encKid: key}
	n.tokenRequesterID = "349" + env.IDs.Digits(8)
	n.verifier = &mac.Verifier{
		Secrets:   n.secretFor,
		Window:    window,
		Now:       env.Clock.Now,
		MaxNonces: nonces,
	}
	n.requests = newRequestLog(retention, maxIDs)
	return nil
}

// Reset implements simulator.Resetter: nonces and request IDs are forgotten.
func (n *Network) Reset() {
	n.verifier.Forget()
	n.requests.forget()
}

func (n *Network) secretFor(id string) (string, bool) {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.macSecret, id == n.macKeyID
}

func (n *Network) sharedKey(kid string) ([]byte, bool) {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	k, ok := n.encKeys[kid]
	return k, ok
}

// Authenticate implements simulator.Network: api key, then the MAC header
// over the URL as received, then the token requester.
func (n *Network) Authenticate(req *simulator.Request) error {
	r := req.HTTP
	req.AddCorrelationID(r.Header.Get(mac.HeaderRequestID))
	n.credMu.RLock()
	apiKey, trid := n.apiKey, n.tokenRequesterID
	n.credMu.RUnlock()
	got := r.Header.Get(mac.HeaderAPIKey)
	switch {
	case got == "":
		return authError("x-amex-api-key header is missing: send the client id issued with your credentials")
	case got != apiKey:
		return authError("x-amex-api-key is not a known client id")
	}
	res, err := n.verifier.VerifyAny(r.Header.Get(mac.HeaderAuthorization), r.Method, req.SignedURLs(), req.Body)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, mac.ErrMissingHeader) {
			msg = `Authorization header is missing: sign every call with MAC id="…",ts="…",nonce="…",bodyhash="…",mac="…"`
		}
		return authError(msg)
	}
	if t := r.Header.Get(mac.HeaderTokenRequesterID); t != "" && t != trid {
		return &simulator.Error{Status: http.StatusForbidden, Kind: simulator.KindForbidden, Code: codeForbidden,
			Message: "x-amex-token-requester-id is not the token requester ID assigned to this client"}
	}
	req.SetPrincipal("api-key:" + res.ID)
	return nil
}

func authError(msg string) *simulator.Error {
	return &simulator.Error{Status: http.StatusUnauthorized, Kind: simulator.KindAuth, Code: codeAuth, Message: msg}
}

// Credentials implements simulator.CredentialProvider.
func (n *Network) Credentials() []simulator.Credential {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return []simulator.Credential{
		{Name: "api-key", Kind: "id", Value: n.apiKey, Description: "client id: the x-amex-api-key header (the SDK's CLIENT_KEY)"},
		{Name: "mac-key-id", Kind: "id", Value: n.macKeyID, Description: "the MAC header's id (the SDK uses the client id, so it equals api-key unless registered otherwise)"},
		{Name: "mac-secret", Kind: "secret", Value: n.macSecret, Description: "client secret: the HMAC-SHA256 key of bodyhash and mac (the SDK's CLIENT_SECRET); also signs notifications to the issuer"},
		{Name: "encryption-key", Kind: "symmetric-key", KeyID: n.encKid, Value: jwe.EncodeKey(n.encKeys[n.encKid]),
			Description: "shared AES-256 key, base64: account_data is a JWE A256KW/A128GCM under it with kid = keyId; notifications to the issuer are encrypted under it too"},
		{Name: "token-requester-id", Kind: "id", Value: n.tokenRequesterID, Description: "the x-amex-token-requester-id header"},
	}
}

var trIDPattern = regexp.MustCompile(`^[0-9]{11}$`)

// RegisterCredential implements simulator.CredentialProvider: the issuer's
// own api key, MAC id and secret, shared key or token requester ID. A new
// shared key becomes current; earlier ones stay accepted for decryption, so
// a key rotation has an overlap.
func (n *Network) RegisterCredential(c simulator.Credential) error {
	n.credMu.Lock()
	defer n.credMu.Unlock()
	switch {
	case c.Name == "api-key" && c.Kind == "id" && c.Value != "":
		if n.macKeyID == n.apiKey {
			n.macKeyID = c.Value
		}
		n.apiKey = c.Value
	case c.Name == "mac-key-id" && c.Kind == "id" && c.Value != "":
		n.macKeyID = c.Value
	case c.Name == "mac-secret" && c.Kind == "secret" && len(c.Value) >= 16:
		n.macSecret = c.Value
	case c.Name == "encryption-key" && c.Kind == "symmetric-key":
		if c.KeyID == "" {
			return errors.New("encryption-key needs a keyId: the kid the JWE header carries")
		}
		key, err := jwe.ParseKey(c.Value)
		if err != nil {
			return fmt.Errorf("encryption-key: %w", err)
		}
		n.encKeys[c.KeyID] = key
		n.encKid = c.KeyID
	case c.Name == "token-requester-id" && c.Kind == "id" && trIDPattern.MatchString(c.Value):
		n.tokenRequesterID = c.Value
	default:
		return errors.New("amex takes api-key (id), mac-key-id (id), mac-secret (secret, at least 16 characters), encryption-key (symmetric-key, base64 256-bit, with keyId) or token-requester-id (id, 11 digits)")
	}
	return nil
}
