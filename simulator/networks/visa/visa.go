// Package visa emulates Visa's issuer-facing Click to Pay program: the Visa ID
// & Credential (VICA) API with product code CLICK_TO_PAY (openapi/visa/vica.yaml).
//
// What it checks and does:
//   - caller authentication by X-Pay-Token (apikey query parameter + HMAC-SHA256
//     header, timestamp window), or by two-way SSL: a registered client
//     certificate on the TLS connection (c2psim --tls-addr) AND the project's
//     user ID and password as HTTP Basic. Neither, one half of two-way SSL, or
//     two methods at once is a 401 in the Visa Developer gateway envelope;
//   - Message Level Encryption on every call: the keyId header names the
//     project's Key ID; request bodies must be {"encData": JWE
//     RSA-OAEP-256/A128GCM} whose iat (milliseconds) is within mleIatWindow
//     ("iat must be milliseconds" when it looks like seconds); the plaintext is
//     validated against its schema; answers are encrypted to the client's MLE
//     key, errors included once the caller is authenticated;
//   - the product selector: products[{productCode: CLICK_TO_PAY}], or the
//     legacy intent (accepted, warned about or refused: legacyIntent); exactly
//     one of them; another product is 422;
//   - asynchronous processing: 202 + requestTraceId, then requestStatus goes
//     IN_PROGRESS → COMPLETED with per-item results after asyncDelay;
//   - the VIDC rules: 409 VIDC-3000 while a request for the same consumer is in
//     flight, VIDC-2000 duplicate consumer, VIDC-2001 unknown consumer, VIDC-2003
//     expired card, VIDC-2004 duplicate card, VIDC-2005 card not enrolled,
//     VIDC-2006 not a Visa card, VIDC-2007 a NON-VISA-CARD instrument (Click to
//     Pay takes CARD only), VIDC-1003 more payment instruments than
//     maxPaymentInstruments (one in Visa's initial release), VIDC-7000 not
//     tokenisable (per item); deleting a consumer deletes its cards;
//   - Enroll Existing Issuer Data (with a payment instrument, or with a
//     reference to one): a consumer registered in another Visa product (the
//     registerInOtherProduct trigger stands for that registration) is enrolled
//     into Click to Pay with its registered data;
//   - the eX-Correlation-Id header is journalled as a correlation ID.
//
// Settings (c2psim --set visa.<key>=<value>):
//
//	asyncDelay            duration  2s          time from 202 to COMPLETED
//	slowDelay             duration  30s         completion time for the "slow" test card
//	xPayTokenWindow       duration  8m          accepted X-Pay-Token clock skew
//	mleIatWindow          duration  5m          accepted MLE iat age (and skew into the future)
//	legacyIntent          string    warn        accept | warn | refuse the legacy intent selector
//	maxPaymentInstruments int       1           payment instruments accepted per request
//	encryptErrors         bool      true        encrypt error answers once the caller is authenticated
//	statusNotifications   bool      false       push notifyRequestStatus on completion
//	approvalCalls         bool      true        call approveProvisioning per card tokenised
//	approvalStandIn       string    decline     decision when approveProvisioning gets no answer
//	tokenRequestorId      string    40010075001 token requestor ID in callback paths
//	unknownFields         bool      true        add an undeclared field to encrypted answers (ERR-04; the engine's)
//
// Callbacks (openapi/visa/issuer-callbacks.yaml, to the URL registered with
// PUT /_admin/networks/visa/callback; retried and journalled by the engine):
//   - notifyEnrollmentAttempt: trigger "enrollmentAttempt" (admin API or
//     Simulator.Trigger); a PS256 JWS (kid = notification-signing-public-key)
//     wrapping a JWE to the issuer's MLE client key;
//   - approveProvisioning: during completion of an enrolment, for each card
//     about to be tokenised; actionCode 05 (or no answer, with the decline
//     stand-in) fails the card with VIDC-7000;
//   - notifyRequestStatus: on completion when statusNotifications is on.
package visa

import (
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/visa/xpaytoken"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// ID is the network's registry key and path prefix.
const ID = "visa"

// Spec is the served document.
const Spec = "visa/vica.yaml"

func init() { simulator.Register(ID, func() simulator.Network { return &Network{} }) }

// Network is one Visa emulation; every simulator gets its own.
type Network struct {
	env *simulator.Env

	credMu       sync.RWMutex
	apiKey       string
	sharedSecret string
	userID       string // two-way SSL: HTTP Basic user ID and password of the project
	password     string
	keyID        string
	serverKey    *simulator.RSAKey // Visa's MLE key: clients encrypt requests to its public half
	clientKey    *simulator.RSAKey // the sandbox client's MLE key pair (private half handed out)
	clientPub    *rsa.PublicKey    // answers are encrypted to this when registered (else clientKey's)
	clientCerts  []*x509.Certificate
	sandboxCert  tlsPair

	verifier *xpaytoken.Verifier

	// State changes that span records are one atomic store update (row
	// locks where replicas share the store): no in-process lock decides.
	consumers     store.Table[consumer]
	registrations store.Table[registration] // consumers known to VICA from another Visa product
	requests      store.Table[request]
	pending       store.Table[string] // consumer key → requestTraceId in flight

	signKey   *simulator.RSAKey // Visa's notification signing key (PS256)
	signKeyID string
	// Settings but xPayTokenWindow are live (read where used through
	// their Key): a change through the admin API applies at once.
}

var (
	_ simulator.Network            = (*Network)(nil)
	_ simulator.TaskRunner         = (*Network)(nil)
	_ simulator.CredentialProvider = (*Network)(nil)
	_ simulator.TestCardLister     = (*Network)(nil)
	_ simulator.SettingsDeclarer   = (*Network)(nil)
	_ simulator.Triggerer          = (*Network)(nil)
)

// Describe implements simulator.Network.
func (n *Network) Describe() simulator.Description {
	return simulator.Description{
		ID:        ID,
		Name:      "Visa Click to Pay (Visa ID & Credential)",
		Specs:     []string{Spec},
		Callbacks: []string{CallbackSpec},
		AuthSchemes: []string{
			"X-Pay-Token (apikey + HMAC-SHA256)",
			"two-way SSL: registered client certificate (on --tls-addr) with HTTP Basic user ID and password",
			"MLE JWE RSA-OAEP-256/A128GCM (keyId, iat in milliseconds)",
		},
		// Answers are encrypted: the unknown field goes into their
		// plaintext (Env.AddUnknownField).
		UnknownFields: true,
	}
}

// Legacy intent handling (the legacyIntent setting).
const (
	legacyAccept = "accept"
	legacyWarn   = "warn"
	legacyRefuse = "refuse"
)

// The settings (c2psim --set visa.<key>=<value>; the live ones also
// PATCH /_admin/networks/visa/settings).
var (
	asyncDelaySetting = simulator.Key[time.Duration]{Name: "asyncDelay", Live: true, Default: 2 * time.Second,
		Description: "time from 202 Accepted to COMPLETED in requestStatus", Check: simulator.NotNegative[time.Duration]}
	slowDelaySetting = simulator.Key[time.Duration]{Name: "slowDelay", Live: true, Default: 30 * time.Second,
		Description: "completion time for requests carrying the slow test card", Check: simulator.NotNegative[time.Duration]}
	xPayTokenWindowSetting = simulator.Key[time.Duration]{Name: "xPayTokenWindow", Default: 8 * time.Minute,
		Description: "accepted X-Pay-Token clock skew either way (Visa refuses a token more than 8 minutes off)", Check: simulator.Positive[time.Duration]}
	mleIatWindowSetting = simulator.Key[time.Duration]{Name: "mleIatWindow", Live: true, Default: 5 * time.Minute,
		Description: "accepted age of an MLE request's iat (milliseconds), and skew into the future", Check: simulator.Positive[time.Duration]}
	legacyIntentSetting = simulator.Key[string]{Name: "legacyIntent", Live: true, Default: legacyWarn,
		Description: "the legacy intent product selector: accept, warn (accept and note it in the journal) or refuse (400 VIDC-1001); products[] is the current form",
		Check:       simulator.OneOf(legacyAccept, legacyWarn, legacyRefuse)}
	maxPaymentInstrumentsSetting = simulator.Key[int]{Name: "maxPaymentInstruments", Live: true, Default: 1,
		Description: "payment instruments accepted in one request (Visa's initial release accepts one); more is 400 VIDC-1003", Check: oneToTen}
	encryptErrorsSetting = simulator.Key[bool]{Name: "encryptErrors", Live: true, Default: true,
		Description: "encrypt error answers once the caller is authenticated, as Visa does"}
	statusNotificationsSetting = simulator.Key[bool]{Name: "statusNotifications", Live: true, Default: false,
		Description: "push each completed request's outcome to the issuer (notifyRequestStatus) besides answering requestStatus"}
	approvalCallsSetting = simulator.Key[bool]{Name: "approvalCalls", Live: true, Default: true,
		Description: "call the issuer's Approve Provisioning for every card its enrolment tokenises (when a callback URL is registered)"}
	approvalStandInSetting = simulator.Key[string]{Name: "approvalStandIn", Live: true, Default: "decline",
		Description: "decision when the issuer never answers Approve Provisioning: approve or decline", Check: simulator.OneOf("approve", "decline")}
	tokenRequestorIDSetting = simulator.Key[string]{Name: "tokenRequestorId", Live: true, Default: "40010075001",
		Description: "the Click to Pay token requestor ID (11 digits) in callback paths", Check: elevenDigits}
)

func oneToTen(v int) error {
	if v < 1 || v > 10 {
		return errors.New("must be 1 to 10 (the document's limit)")
	}
	return nil
}

func elevenDigits(s string) error {
	if len(s) != 11 || strings.Trim(s, "0123456789") != "" {
		return errors.New("must be 11 digits")
	}
	return nil
}

// Settings implements simulator.SettingsDeclarer.
func (n *Network) Settings() []simulator.Setting {
	return []simulator.Setting{asyncDelaySetting.Setting(), slowDelaySetting.Setting(), xPayTokenWindowSetting.Setting(),
		mleIatWindowSetting.Setting(), legacyIntentSetting.Setting(), maxPaymentInstrumentsSetting.Setting(),
		encryptErrorsSetting.Setting(), statusNotificationsSetting.Setting(), approvalCallsSetting.Setting(),
		approvalStandInSetting.Setting(), tokenRequestorIDSetting.Setting()}
}

// Setup implements simulator.Network: it generates the sandbox credentials.
func (n *Network) Setup(env *simulator.Env) error {
	n.env = env
	n.consumers = store.NewTable[consumer](env.Store, "consumers")
	n.registrations = store.NewTable[registration](env.Store, "registrations")
	n.requests = store.NewTable[request](env.Store, "requests")
	n.pending = store.NewTable[string](env.Store, "inflight")

	var err error
	if n.serverKey, err = env.RSAKey("mle-server-private-key"); err != nil {
		return err
	}
	if n.clientKey, err = env.RSAKey("mle-client-private-key"); err != nil {
		return err
	}
	if n.signKey, err = env.RSAKey("notification-signing-private-key"); err != nil {
		return err
	}
	n.signKeyID = n.signKey.ID(strings.ToUpper(env.IDs.Hex(4)))
	n.apiKey = strings.ToUpper(env.IDs.Hex(10))
	n.sharedSecret = env.IDs.Hex(24)
	// Visa's user IDs and passwords are long random strings of letters,
	// digits, '-' and '_'; these only have to be unguessable.
	n.userID = strings.ToUpper(env.IDs.Hex(12))
	n.password = env.IDs.Hex(12)
	n.keyID = strings.ToUpper(env.IDs.Hex(4)) + "-" + env.IDs.UUID()
	mtlsKey, err := env.ECDSAKey("mtls-client-private-key")
	if err != nil {
		return err
	}
	if n.sandboxCert, err = newClientCert(env, mtlsKey); err != nil {
		return err
	}
	n.clientCerts = []*x509.Certificate{n.sandboxCert.cert}
	n.verifier = &xpaytoken.Verifier{
		Secrets: n.secretFor,
		Window:  xPayTokenWindowSetting.Get(env.Settings),
		Now:     env.Clock.Now,
	}
	return nil
}

func (n *Network) secretFor(apiKey string) (string, bool) {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.sharedSecret, apiKey == n.apiKey
}

// CorrelationHeader is the optional client correlation header (R-V1).
const CorrelationHeader = "eX-Correlation-Id"

// Gateway codes of the Visa Developer gateway's 401 envelope. The envelope
// and codes are those Visa's support answers show; which code Visa uses for
// which cause is not published, so the choice is c2psim's.
const (
	codeCredentialMissing = "9125" // Expected input credential was not present
	codeCredentialWrong   = "9124" // Incorrect credentials supplied
	codeTokenInvalid      = "9159" // Token validation failed (X-Pay-Token)
)

// Authenticate implements simulator.Network: two-way SSL (a registered
// client certificate AND the project's HTTP Basic user ID and password), or
// a valid X-Pay-Token; never both, never neither.
func (n *Network) Authenticate(req *simulator.Request) error {
	r := req.HTTP
	req.AddCorrelationID(r.Header.Get(CorrelationHeader))
	var cert *x509.Certificate
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		cert = r.TLS.PeerCertificates[0]
	}
	authz := r.Header.Get("Authorization")
	token := r.Header.Get(xpaytoken.Header)
	switch {
	case token != "" && (authz != "" || cert != nil):
		return authError(codeCredentialWrong, "the request carries more than one authentication method: send X-Pay-Token, or two-way SSL (client certificate with HTTP Basic user ID and password), not both")
	case token != "":
		key, err := n.verifier.VerifyAny(r, req.SignedURLs(), req.Body)
		if err != nil {
			return authError(codeTokenInvalid, "Token validation failed: %v", err)
		}
		req.SetPrincipal("apikey:" + key)
		return nil
	case cert == nil && authz != "":
		return authError(codeCredentialMissing, "Expected input credential was not present: HTTP Basic user ID and password authenticate only over two-way SSL, with the project's client certificate (c2psim --tls-addr)")
	case cert == nil:
		return authError(codeCredentialMissing, "Expected input credential was not present: authenticate with X-Pay-Token (apikey query parameter and x-pay-token header), or two-way SSL (client certificate with HTTP Basic user ID and password)")
	}
	if !n.certRegistered(cert) {
		return authError(codeCredentialWrong, "the client certificate %q is not registered for this project (PUT /_admin/networks/visa/credentials)", cert.Subject.CommonName)
	}
	user, password, ok := r.BasicAuth()
	switch {
	case authz == "":
		return authError(codeCredentialMissing, "Expected input credential was not present: two-way SSL needs the project's user ID and password as HTTP Basic (Authorization: Basic base64(userId:password)) besides the client certificate")
	case !ok || user == "" || password == "":
		return authError(codeCredentialMissing, "Expected input credential was not present: the Authorization header must be Basic base64(userId:password) with neither part blank")
	case !n.basicMatches(user, password):
		return authError(codeCredentialWrong, "Incorrect credentials supplied: the user ID or password is not this project's (GET /_admin/networks/visa/credentials: two-way-ssl-user-id, two-way-ssl-password)")
	}
	req.SetPrincipal("mtls:" + cert.Subject.CommonName)
	return nil
}

func authError(code, format string, args ...any) *simulator.Error {
	return &simulator.Error{Status: http.StatusUnauthorized, Kind: simulator.KindAuth, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (n *Network) basicMatches(user, password string) bool {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	u := subtle.ConstantTimeCompare([]byte(user), []byte(n.userID))
	p := subtle.ConstantTimeCompare([]byte(password), []byte(n.password))
	return u&p == 1
}

func (n *Network) certRegistered(c *x509.Certificate) bool {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	for _, r := range n.clientCerts {
		if r.Equal(c) {
			return true
		}
	}
	return false
}

// Credentials implements simulator.CredentialProvider.
func (n *Network) Credentials() []simulator.Credential {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	clientPub := pemkey.EncodePublic(n.clientPublicKeyLocked())
	return []simulator.Credential{
		{Name: "api-key", Kind: "id", Value: n.apiKey, Description: "X-Pay-Token API key: the apikey query parameter"},
		{Name: "shared-secret", Kind: "secret", Value: n.sharedSecret, Description: "X-Pay-Token shared secret (HMAC-SHA256 key)"},
		{Name: "two-way-ssl-user-id", Kind: "id", Value: n.userID, Description: "two-way SSL: the HTTP Basic user ID sent with the client certificate"},
		{Name: "two-way-ssl-password", Kind: "secret", Value: n.password, Description: "two-way SSL: the HTTP Basic password sent with the client certificate"},
		{Name: "mle-key-id", Kind: "id", Value: n.keyID, Description: "MLE Key ID: the keyId header and the JWE kid"},
		{Name: "mle-server-public-key", Kind: "rsa-public-key", KeyID: n.keyID, Value: pemkey.EncodePublic(n.serverKey.Public()), Description: "encrypt request bodies to this key (Visa's MLE server key)"},
		{Name: "mle-client-public-key", Kind: "rsa-public-key", KeyID: n.keyID, Value: clientPub, Description: "answers are encrypted to this key; register your own under this name"},
		{Name: "mle-client-private-key", Kind: "rsa-private-key", KeyID: n.keyID, Value: pemkey.EncodePrivate(n.clientKey.Private()), Description: "decrypts answers while mle-client-public-key is the generated one"},
		{Name: "notification-signing-public-key", Kind: "rsa-public-key", KeyID: n.signKeyID, Value: pemkey.EncodePublic(n.signKey.Public()), Description: "verifies the PS256 signature of enrolment-attempt notifications (JWS kid); their JWE is encrypted to mle-client-public-key"},
		{Name: "mtls-client-certificate", Kind: "certificate", Value: n.sandboxCert.certPEM, Description: "a registered client certificate for two-way SSL on --tls-addr (sent with two-way-ssl-user-id and two-way-ssl-password as HTTP Basic); register yours with kind certificate"},
		{Name: "mtls-client-private-key", Kind: "ec-private-key", Value: n.sandboxCert.keyPEM, Description: "the private key of mtls-client-certificate"},
	}
}

// RegisterCredential implements simulator.CredentialProvider: the issuer's
// own shared secret, MLE public key or mutual-TLS client certificate.
func (n *Network) RegisterCredential(c simulator.Credential) error {
	n.credMu.Lock()
	defer n.credMu.Unlock()
	switch {
	case c.Name == "shared-secret" && c.Kind == "secret":
		if len(c.Value) < 16 {
			return errors.New("a shared secret needs at least 16 characters")
		}
		n.sharedSecret = c.Value
	case c.Name == "api-key" && c.Kind == "id":
		n.apiKey = c.Value
	case c.Name == "two-way-ssl-user-id" && c.Kind == "id" && c.Value != "" && !strings.Contains(c.Value, ":"):
		n.userID = c.Value
	case c.Name == "two-way-ssl-password" && c.Kind == "secret":
		if len(c.Value) < 8 {
			return errors.New("a two-way SSL password needs at least 8 characters")
		}
		n.password = c.Value
	case c.Name == "mle-key-id" && c.Kind == "id":
		n.keyID = c.Value
	case c.Name == "mle-client-public-key" && c.Kind == "rsa-public-key":
		pub, err := pemkey.ParsePublicAtLeast(c.Value, 2048)
		if err != nil {
			return fmt.Errorf("MLE needs an RSA public key of at least 2048 bits: %w", err)
		}
		n.clientPub = pub
	case c.Kind == "certificate":
		cert, err := parseCert(c.Value)
		if err != nil {
			return err
		}
		n.clientCerts = append(n.clientCerts, cert)
	default:
		return fmt.Errorf("visa takes shared-secret (secret), api-key (id), two-way-ssl-user-id (id, no ':'), two-way-ssl-password (secret), mle-key-id (id), mle-client-public-key (rsa-public-key) or any name with kind certificate; got %s (%s)", c.Name, c.Kind)
	}
	return nil
}

func (n *Network) currentKeyID() string {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.keyID
}

func (n *Network) clientPublicKey() *rsa.PublicKey {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.clientPublicKeyLocked()
}

// clientPublicKeyLocked is the key answers are encrypted to: the issuer's
// registered one, else the sandbox client key's public half. Hold credMu.
func (n *Network) clientPublicKeyLocked() *rsa.PublicKey {
	if n.clientPub != nil {
		return n.clientPub
	}
	return n.clientKey.Public()
}

func parseCert(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("value is not a PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

// Reset implements simulator.Resetter: nothing outside the store to forget.
func (n *Network) Reset() {}

// now is the simulator clock.
func (n *Network) now() time.Time { return n.env.Clock.Now() }
