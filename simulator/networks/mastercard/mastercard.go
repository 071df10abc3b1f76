// Package mastercard emulates Mastercard's issuer-facing Click to Pay
// enrolment: the synchronous and batch Enroll APIs and the Credential
// Directory (openapi/mastercard/enrollment.yaml), MDES Customer Service and
// the issuer-hosted Pre-Digitization callbacks.
//
// What it checks and does:
//   - OAuth 1.0a one-legged on every call (client/mastercard/oauth1): the
//     signature over the URL as sent (with or without the /mastercard mount
//     prefix), oauth_body_hash, a timestamp window and a nonce replay cache;
//     failures are the gateway envelope, 401 AUTHENTICATION_FAILED, naming
//     the problem;
//   - encryptedCard must be a compact JWE RSA-OAEP-256/A256GCM whose kid is
//     the fingerprint of the simulator's encryption key
//     (client/mastercard/encryption); its plaintext is validated against
//     EncryptedCardPlaintext; card data in clear, an unknown kid or a broken
//     JWE are refused with the enrolment-service envelope and never echoed;
//   - srcClientId and serviceId must be the project's (credentials src-client-id
//     and service-id), otherwise 400 INVALID_STATE;
//   - an enrolled card gets a consumer, a digital card and a Click to Pay token
//     (token requestor 50123197928) in status ACTIVE; enrolling the same card
//     again is 409 ALREADY_EXISTS (a documented choice of the simulator:
//     Mastercard does not publish the duplicate behaviour) unless MDES
//     deleted its token (DEACTIVATED): then it is enrolled afresh with a new
//     token;
//   - Credential Directory (inferred paths): an enrolment carrying
//     consumer.externalConsumerId and externalCredentialId can be read,
//     re-dated (expiry) and deleted under directoryId (credential directory-id);
//     an unknown directory is INVALID_STATE, an unknown credential a service 404;
//   - consumers of the directory (getConsumer, updateConsumer, deleteConsumer
//     under /directories/{directoryId}/consumers/{externalConsumerId}): every
//     card of one externalConsumerId shares its srcConsumerId and consumer
//     data, which the latest enrolment or a full-replacement update sets; a
//     delete removes the consumer and every credential. Deleting a credential
//     or a consumer deactivates its tokens and sends Notify Token Updated
//     (DEACTIVATED) for each. Refused calls change nothing;
//   - card data in Credential Directory answers (last four, BIN, expiry,
//     cardholder name, billing address) is only the compact JWE
//     encryptedCardData (RSA-OAEP-256/A256GCM) to issuer-fle-public-key, kid =
//     its fingerprint; the journal keeps the plaintext (CredentialCardData);
//   - batch enrolment (batchCredentialsInDirectory, getBatchStatus): each
//     record's enrollmentData is a JWE of EnrollmentDataPlaintext (the card
//     and the consumer), checked like encryptedCard when the batch arrives; a
//     bad record refuses the whole batch, naming it. An accepted batch is 202
//     with a batchId and PENDING; batchDelay later its records are enrolled
//     one by one as putCard would (test cards, Authorize Service), each
//     becoming SUCCEEDED (srcDigitalCardId, tokenUniqueReference, token
//     status) or FAILED (reason and message) without failing the others; the
//     batch ends COMPLETED or COMPLETED_WITH_ERRORS. The same externalBatchId
//     with the same decrypted content answers the same batchId; with other
//     content it is 409 ALREADY_EXISTS. Card data of pending records lives
//     only in the pending timer, never in the state store;
//   - Pre-Digitization (openapi/mastercard/issuer-predigitization.yaml, the
//     published MDES Issuer Outbound API 2.0.21): when the issuer registered
//     a callback URL, every enrolment calls Authorize Service before the
//     token is stored, the card (FundingAccountData) in the field level
//     encryption envelope to issuer-fle-public-key in the form the card's
//     test card selects (OAEP SHA-256 by default, SHA-512, PKCS#1 v1.5, zero
//     IV). APPROVED for DIGITIZATION → ACTIVE (then Notify Service
//     Activated, setting notifyServiceActivated); DECLINED, no decision or
//     services without DIGITIZATION → 422 DECLINED;
//     REQUIRE_ADDITIONAL_AUTHENTICATION → INACTIVE with the answer's
//     activation methods; no answer after the engine's retries → 503
//     UNAVAILABLE. Without a callback URL the token is ACTIVE at once;
//   - yellow path: a token left INACTIVE gets a 6-digit activation code
//     (valid activationCodeTTL). Once the token is stored, Request
//     Activation Methods asks the issuer for methods when its answer gave
//     none (else the consumer's mobile number and email address are used),
//     and Deliver Activation Code hands the code in clear for the first
//     method that distributes one. The token stays INACTIVE until the
//     cardholder enters the code (trigger enterActivationCode; with
//     issuerValidatesCode the code goes to the issuer's Validate Activation
//     Code instead) or the issuer activates it through MDES Customer
//     Service. The yellow test card goes this way even when the issuer
//     approves; the slow test card holds its enrolment for slowDelay on the
//     simulator clock;
//   - MDES Customer Service (openapi/mastercard/mdes-customer-service.yaml,
//     the published 2.0.7, served at /mastercard/mdes/csapi/v2): all 15
//     operations. A token can have several suspenders (issuer I, token
//     requestor W, cardholder C): each lifts only its own suspension and
//     the token is ACTIVE again only when none is left; any other change is
//     400 INVALID_TOKEN_STATUS and leaves the token as it was, an unknown
//     token is 404 EMPTY_RESULT, both in the Customer Service envelope
//     {"Errors":{"Error":[{Source (the field), ReasonCode, ErrorCode,
//     Description, Recoverable ("true"/"false")}]}};
//   - Notify Token Updated: every status change (Customer Service,
//     activation, trigger tokenStatusChange) is notified to the issuer,
//     tokens[] in clear (status, suspendedBy), after the change is
//     answered; a Customer Service update of the PAN mapping sends
//     FUNDING_ACCOUNT_UPDATE with the token data encrypted. Like every
//     callback it is retried on the callback target's schedule, each
//     attempt journalled.
//
// Triggers (POST /_admin/networks/mastercard/triggers/<name>):
//
//	enterActivationCode  tokenUniqueReference, activationCode (default: the delivered one)
//	tokenStatusChange    tokenUniqueReference, status ACTIVE|SUSPENDED|DEACTIVATED,
//	                     suspendedBy TOKEN_REQUESTOR|CARDHOLDER, requestId
//	suspiciousEvent      tokenUniqueReference, atcNotFound
//	accountInformation   tokenUniqueReference
//
// Settings (c2psim --set mastercard.<key>=<value>):
//
//	oauthWindow        duration  5m                  accepted oauth_timestamp skew
//	serviceId          string    SRC_ISSUER_SANDBOX  the onboarded programme's serviceId
//	slowDelay          duration  10s                 how long the slow test card's enrolment takes
//	activationCodeTTL  duration  30m                 validity of a yellow-path activation code
//	batchDelay         duration  5s                  from a batch's 202 to the processing of its records
//	notifyServiceActivated bool  true                send Notify Service Activated for tokens provisioned ACTIVE
//	issuerValidatesCode    bool  false               the issuer issues and validates its own activation codes
//	unknownFields      bool      true                add an undeclared field to successful JSON answers (ERR-04; the engine's)
package mastercard

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/mastercard/oauth1"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// ID is the network's registry key and path prefix.
const ID = "mastercard"

// Spec is the served document.
const Spec = "mastercard/enrollment.yaml"

// TokenRequestorID is Mastercard's Click to Pay token requestor ID.
const TokenRequestorID = "50123197928"

func init() { simulator.Register(ID, func() simulator.Network { return &Network{} }) }

// Network is one Mastercard emulation; every simulator gets its own.
type Network struct {
	env *simulator.Env

	credMu      sync.RWMutex
	consumerKey string
	signingKey  *rsa.PrivateKey // the sandbox issuer's signing key (private half handed out)
	signingPub  *rsa.PublicKey  // verifies signatures; replaceable by the issuer's own
	encKey      *rsa.PrivateKey // the simulator's encryption key: issuers encrypt cards to it
	encCertPEM  string          // the same key in a self-signed certificate, as Mastercard hands it out
	encKid      string
	keys        encryption.KeyRing
	srcClientID string
	serviceID   string
	directoryID string
	issuerFLE   *rsa.PrivateKey // the sandbox issuer's callback encryption key (private half handed out)
	issuerPub   *rsa.PublicKey  // Authorize Service payloads are encrypted to this; replaceable

	verifier *oauth1.Verifier

	tc *tokenConnect // MDES Token Connect

	batchDelay, slowDelay, activationCodeTTL  time.Duration
	sendServiceActivated, issuerValidatesCode bool

	// mu serialises every change that spans several tables (enrolment,
	// Credential Directory updates and deletes, batch acceptance).
	mu              sync.Mutex
	cards           store.Table[digitalCard]    // by card reference (SHA-256 of the PAN)
	directory       store.Table[string]         // externalConsumerId + externalCredentialId → card reference
	consumers       store.Table[consumerRecord] // by externalConsumerId
	batches         store.Table[batch]          // by batchId
	externalBatches store.Table[string]         // externalBatchId → batchId
	lostAnswers     store.Table[bool]           // cards whose first putCard answer was lost (test card)

	// ntuSent remembers what each requestId of Notify Token Updated carried
	// (the last maxRememberedNTU), so a trigger can redeliver one as it was.
	// A token's notifications go out in the order of its changes: the token
	// is their callbacks' OrderKey.
	ntuMu    sync.Mutex
	ntuSent  map[string]notification
	ntuOrder []string
}

// Index names.
const (
	byToken       = "token"
	byTokenNumber = "tokenNumber"
	byPAN         = "pan"
	byConsumer    = "consumer"
)

// maxRememberedNTU bounds the notifications kept for redelivery.
const maxRememberedNTU = 10_000

var (
	_ simulator.Network            = (*Network)(nil)
	_ simulator.TaskRunner         = (*Network)(nil)
	_ simulator.CredentialProvider = (*Network)(nil)
	_ simulator.TestCardLister     = (*Network)(nil)
	_ simulator.SettingsDeclarer   = (*Network)(nil)
	_ simulator.Resetter           = (*Network)(nil)
)

// Describe implements simulator.Network.
func (n *Network) Describe() simulator.Description {
	return simulator.Description{
		ID:        ID,
		Name:      "Mastercard Click to Pay (Enroll API)",
		Specs:     []string{Spec, MDESSpec, TokenConnectSpec},
		Callbacks: []string{CallbackSpec},
		AuthSchemes: []string{
			"OAuth 1.0a one-legged, RSA-SHA256 or RSA-PSS, with oauth_body_hash",
			"JWE RSA-OAEP-256/A256GCM for encryptedCard (kid = key fingerprint)",
		},
		UnknownFields: true,
	}
}

// The settings (c2psim --set mastercard.<key>=<value>).
var (
	oauthWindowSetting = simulator.Key[time.Duration]{Name: "oauthWindow", Default: 5 * time.Minute,
		Description: "accepted oauth_timestamp clock skew either way", Check: simulator.Positive[time.Duration]}
	serviceIDSetting = simulator.Key[string]{Name: "serviceId", Default: "SRC_ISSUER_SANDBOX",
		Description: "the serviceId of the issuer's onboarded programme; any other is INVALID_STATE", Check: notEmpty}
	slowDelaySetting = simulator.Key[time.Duration]{Name: "slowDelay", Default: 10 * time.Second,
		Description: "how long the enrolment of the slow test card takes, on the simulator clock", Check: simulator.NotNegative[time.Duration]}
	activationCodeTTLSetting = simulator.Key[time.Duration]{Name: "activationCodeTTL", Default: 30 * time.Minute,
		Description: "validity of the activation code of a token awaiting additional authentication", Check: simulator.Positive[time.Duration]}
	batchDelaySetting = simulator.Key[time.Duration]{Name: "batchDelay", Default: 5 * time.Second,
		Description: "time from a batch's 202 to the processing of its records", Check: simulator.NotNegative[time.Duration]}
	notifyServiceActivatedSetting = simulator.Key[bool]{Name: "notifyServiceActivated", Default: true,
		Description: "send Notify Service Activated when a token is provisioned ACTIVE (optional for issuers)"}
	issuerValidatesCodeSetting = simulator.Key[bool]{Name: "issuerValidatesCode", Default: false,
		Description: "the issuer generates and validates its own activation codes: Deliver Activation Code carries no code and the cardholder's code goes to Validate Activation Code"}
)

func notEmpty(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// Settings implements simulator.SettingsDeclarer.
func (n *Network) Settings() []simulator.Setting {
	return []simulator.Setting{oauthWindowSetting.Setting(), serviceIDSetting.Setting(), slowDelaySetting.Setting(),
		activationCodeTTLSetting.Setting(), batchDelaySetting.Setting(), notifyServiceActivatedSetting.Setting(),
		issuerValidatesCodeSetting.Setting()}
}

// Setup implements simulator.Network: it generates the sandbox credentials.
func (n *Network) Setup(env *simulator.Env) error {
	n.env = env
	n.tc = &tokenConnect{n: n}
	n.serviceID = serviceIDSetting.Get(env.Settings)
	n.batchDelay = batchDelaySetting.Get(env.Settings)
	n.slowDelay = slowDelaySetting.Get(env.Settings)
	n.activationCodeTTL = activationCodeTTLSetting.Get(env.Settings)
	n.sendServiceActivated = notifyServiceActivatedSetting.Get(env.Settings)
	n.issuerValidatesCode = issuerValidatesCodeSetting.Get(env.Settings)
	// Every lookup a request makes is indexed: by token, by the token's
	// number, by PAN; directory entries by consumer.
	n.cards = store.NewTable[digitalCard](env.Store, "cards",
		store.By(byToken, func(_ string, c digitalCard) []string { return []string{c.TokenUniqueRef} }),
		store.By(byTokenNumber, func(_ string, c digitalCard) []string { return []string{tokenNumber(c.TokenUniqueRef)} }),
		store.By(byPAN, func(_ string, c digitalCard) []string { return []string{c.PanRef} }))
	n.directory = store.NewTable[string](env.Store, "directory",
		store.By(byConsumer, func(key string, _ string) []string {
			ext, _, _ := strings.Cut(key, "\x00")
			return []string{ext}
		}))
	n.consumers = store.NewTable[consumerRecord](env.Store, "consumers")
	n.batches = store.NewTable[batch](env.Store, "batches")
	n.externalBatches = store.NewTable[string](env.Store, "external-batches")
	n.lostAnswers = store.NewTable[bool](env.Store, "lost-answers")
	var err error
	if n.signingKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	if n.encKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	n.signingPub = &n.signingKey.PublicKey
	if n.issuerFLE, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	n.issuerPub = &n.issuerFLE.PublicKey
	n.keys = encryption.KeyRing{}
	if n.encKid, err = n.keys.Add(n.encKey); err != nil {
		return err
	}
	if n.encCertPEM, err = selfSignedCertificate(n.encKey, "c2psim Mastercard Click to Pay encryption", env.Clock.Now()); err != nil {
		return err
	}
	// Mastercard consumer keys: 24 characters, '!', 48 hex characters.
	n.consumerKey = env.IDs.Hex(12) + "!" + env.IDs.Hex(24)
	n.srcClientID = env.IDs.UUID()
	n.directoryID = env.IDs.UUID()
	n.verifier = &oauth1.Verifier{
		Keys:   n.keyFor,
		Window: oauthWindowSetting.Get(env.Settings),
		Now:    env.Clock.Now,
	}
	return nil
}

func (n *Network) keyFor(ck string) (*rsa.PublicKey, bool) {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.signingPub, ck == n.consumerKey
}

// Reset implements simulator.Resetter: it forgets the nonces seen and the
// notifications remembered for redelivery.
func (n *Network) Reset() {
	n.verifier.Forget()
	n.ntuMu.Lock()
	n.ntuSent, n.ntuOrder = nil, nil
	n.ntuMu.Unlock()
	n.tc.mu.Lock()
	n.tc.receipts, n.tc.order = nil, nil
	n.tc.mu.Unlock()
}

// Authenticate implements simulator.Network: OAuth 1.0a over the URL as
// received, with or without the /mastercard mount prefix.
func (n *Network) Authenticate(req *simulator.Request) error {
	r := req.HTTP
	res, err := n.verifier.VerifyAny(r.Header.Get("Authorization"), r.Method, req.SignedURLs(), req.Body)
	if err != nil {
		msg := err.Error()
		switch {
		case errors.Is(err, oauth1.ErrMissingHeader):
			msg = "OAuth 1.0a Authorization header is missing: sign every call with your consumer key and signing key"
		case errors.Is(err, oauth1.ErrBadSignature):
			msg = "OAuth signatures did not match (RSA-SHA256 over the signature base string of method, URL and parameters)"
		}
		return &simulator.Error{Status: http.StatusUnauthorized, Kind: simulator.KindAuth, Code: "AUTHENTICATION_FAILED", Message: msg}
	}
	req.SetPrincipal("consumer-key:" + res.ConsumerKey)
	return nil
}

// Credentials implements simulator.CredentialProvider.
func (n *Network) Credentials() []simulator.Credential {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	out := []simulator.Credential{
		{Name: "consumer-key", Kind: "id", Value: n.consumerKey, Description: "OAuth 1.0a oauth_consumer_key of the sandbox project"},
		{Name: "signing-private-key", Kind: "rsa-private-key", Value: pemkey.EncodePrivate(n.signingKey), Description: "signs OAuth 1.0a requests while signing-public-key is the generated one"},
		{Name: "signing-public-key", Kind: "rsa-public-key", Value: pemkey.EncodePublic(n.signingPub), Description: "verifies OAuth 1.0a signatures; register your own signing public key under this name"},
		{Name: "encryption-public-key", Kind: "rsa-public-key", KeyID: n.encKid, Value: pemkey.EncodePublic(&n.encKey.PublicKey), Description: "encrypt encryptedCard to this key; the JWE kid is keyId (hex SHA-256 of its SubjectPublicKeyInfo)"},
		{Name: "encryption-certificate", Kind: "certificate", KeyID: n.encKid, Value: n.encCertPEM, Description: "the same encryption key as a certificate, the form Mastercard's client encryption libraries read (encryptionCertificate)"},
		{Name: "src-client-id", Kind: "id", Value: n.srcClientID, Description: "srcClientId of the onboarded programme"},
		{Name: "service-id", Kind: "id", Value: n.serviceID, Description: "serviceId of the onboarded programme"},
		{Name: "issuer-fle-public-key", Kind: "rsa-public-key", KeyID: mustFingerprint(n.issuerPub), Value: pemkey.EncodePublic(n.issuerPub), Description: "Authorize Service encryptedPayload and the encryptedCardData of Credential Directory answers (JWE kid = keyId) are encrypted to this key (publicKeyFingerprint = keyId); register your own under this name"},
		{Name: "issuer-fle-private-key", Kind: "rsa-private-key", Value: pemkey.EncodePrivate(n.issuerFLE), Description: "decrypts encryptedPayload and encryptedCardData while issuer-fle-public-key is the generated one"},
		{Name: "directory-id", Kind: "id", Value: n.directoryID, Description: "directoryId of the issuer's segregated Credential Directory"},
	}
	if pub, err := n.tc.publicKey(); err == nil {
		out = append(out, simulator.Credential{Name: "token-connect-signing-public-key", Kind: "rsa-public-key", KeyID: mustFingerprint(pub), Value: pemkey.EncodePublic(pub),
			Description: "verifies the RS256 signature of pushMultipleAccounts answers (JWS kid = keyId); Token Connect payloads are encrypted to encryption-public-key, its fingerprint as publicKeyFingerprint"})
	}
	return out
}

// RegisterCredential implements simulator.CredentialProvider: the issuer's
// own signing public key, consumer key, srcClientId or serviceId.
func (n *Network) RegisterCredential(c simulator.Credential) error {
	n.credMu.Lock()
	defer n.credMu.Unlock()
	switch {
	case c.Name == "signing-public-key" && c.Kind == "rsa-public-key":
		pub, err := pemkey.ParsePublicAtLeast(c.Value, 2048)
		if err != nil {
			return fmt.Errorf("the signing key must be RSA, at least 2048 bits: %w", err)
		}
		n.signingPub = pub
	case c.Name == "issuer-fle-public-key" && c.Kind == "rsa-public-key":
		pub, err := pemkey.ParsePublicAtLeast(c.Value, 2048)
		if err != nil {
			return fmt.Errorf("the issuer FLE key must be RSA, at least 2048 bits: %w", err)
		}
		n.issuerPub = pub
	case c.Name == "consumer-key" && c.Kind == "id":
		if c.Value == "" {
			return errors.New("consumer-key must not be empty")
		}
		n.consumerKey = c.Value
	case c.Name == "src-client-id" && c.Kind == "id":
		n.srcClientID = c.Value
	case c.Name == "service-id" && c.Kind == "id":
		n.serviceID = c.Value
	default:
		return fmt.Errorf("mastercard takes signing-public-key (rsa-public-key), issuer-fle-public-key (rsa-public-key), consumer-key (id), src-client-id (id) or service-id (id); got %s (%s)", c.Name, c.Kind)
	}
	return nil
}

func (n *Network) programme() (srcClientID, serviceID string) {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.srcClientID, n.serviceID
}

// clientID is the project's client ID as issuers send it in
// x-openapi-clientid: the first 48 characters of the consumer key.
func (n *Network) clientID() string {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	if len(n.consumerKey) > 48 {
		return n.consumerKey[:48]
	}
	return n.consumerKey
}

func (n *Network) serviceIDNow() string {
	_, s := n.programme()
	return s
}

func (n *Network) currentDirectoryID() string {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.directoryID
}

func (n *Network) issuerFLEKey() *rsa.PublicKey {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	return n.issuerPub
}

func mustFingerprint(k *rsa.PublicKey) string {
	fp, _ := encryption.Fingerprint(k)
	return fp
}

// selfSignedCertificate wraps key in a self-signed X.509 certificate (PEM),
// the form in which Mastercard hands out its encryption key.
func selfSignedCertificate(key *rsa.PrivateKey, name string, now time.Time) (string, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: []string{"c2psim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", fmt.Errorf("encryption certificate: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}
