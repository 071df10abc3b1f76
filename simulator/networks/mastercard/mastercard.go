// Package mastercard emulates Mastercard's issuer-facing Click to Pay
// enrolment: the synchronous and batch Enroll APIs and the Credential
// Directory (openapi/mastercard/enrollment.yaml), MDES Customer Service,
// MDES Token Connect and the issuer-hosted Pre-Digitization callbacks. Each
// API is one type in one file over the state they share (state.go,
// token.go); Network composes them.
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
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/oauth1"
	"github.com/c2psim/c2psim/simulator"
)

// ID is the network's registry key and path prefix.
const ID = "mastercard"

// Spec is the served document.
const Spec = "mastercard/enrollment.yaml"

// UnknownField is the undeclared field the unknownFields setting adds.
const UnknownField = simulator.UnknownField

func init() { simulator.Register(ID, func() simulator.Network { return &Network{} }) }

// Network is one Mastercard emulation; every simulator gets its own. It
// composes one type per API over one shared state (state.go): the Enroll
// API (enrol.go), the Credential Directory (directory.go), batch enrolment
// (batch.go), MDES Customer Service (mdes.go), Token Connect
// (tokenconnect.go) and MDES's calls to the issuer (notifier.go). It owns
// only what they share: OAuth 1.0a, the credentials, the gateway envelope
// and which document's envelope an error takes.
type Network struct {
	state    *state
	verifier *oauth1.Verifier

	enrol     *enrolAPI
	directory *directoryAPI
	batch     *batchAPI
	mdes      *customerService
	tc        *tokenConnect
	notify    *notifier

	// envelopes renders an error in the envelope of the document the route
	// came from.
	envelopes map[string]envelope
}

// envelope renders an error in one document's error envelope; msg is the
// message to show.
type envelope func(req *simulator.Request, e *simulator.Error, msg string) *simulator.Response

var (
	_ simulator.Network            = (*Network)(nil)
	_ simulator.TaskRunner         = (*Network)(nil)
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

var oauthWindowSetting = simulator.Key[time.Duration]{Name: "oauthWindow", Default: 5 * time.Minute,
	Description: "accepted oauth_timestamp clock skew either way", Check: simulator.Positive[time.Duration]}

// Settings implements simulator.SettingsDeclarer; each is declared beside
// the API it tunes.
func (n *Network) Settings() []simulator.Setting {
	return []simulator.Setting{oauthWindowSetting.Setting(), serviceIDSetting.Setting(), slowDelaySetting.Setting(),
		activationCodeTTLSetting.Setting(), batchDelaySetting.Setting(), notifyServiceActivatedSetting.Setting(),
		issuerValidatesCodeSetting.Setting()}
}

// Setup implements simulator.Network: it generates the sandbox credentials
// and builds the APIs over one state.
func (n *Network) Setup(env *simulator.Env) error {
	creds, err := newCredentials(env)
	if err != nil {
		return err
	}
	n.state = newState(env, creds)
	n.notify = newNotifier(n.state)
	n.tc = &tokenConnect{state: n.state}
	if n.tc.key, err = env.RSAKey("token-connect-signing-private-key"); err != nil {
		return err
	}
	n.enrol = newEnrolAPI(n.state, n.notify, n.tc)
	n.batch = newBatchAPI(n.state, n.enrol)
	n.directory = &directoryAPI{state: n.state, notify: n.notify}
	n.mdes = &customerService{state: n.state, notify: n.notify}
	n.envelopes = map[string]envelope{Spec: renderServiceError, MDESSpec: n.mdes.renderError, TokenConnectSpec: n.tc.renderError}
	n.verifier = &oauth1.Verifier{Keys: creds.keyFor, Window: oauthWindowSetting.Get(env.Settings), Now: env.Clock.Now}
	return nil
}

// Operations implements simulator.Network: the APIs' operation tables.
func (n *Network) Operations() []simulator.Operation {
	return slices.Concat(n.enrol.operations(), n.directory.operations(), n.batch.operations(), n.mdes.operations(), n.tc.operations())
}

// Tasks implements simulator.TaskRunner: a batch's processing and what
// follows a new token's enrolment. The engine declares them before Setup,
// so each calls the API that Setup builds.
func (n *Network) Tasks() []simulator.Task {
	return []simulator.Task{
		{Kind: taskProcessBatch, Run: func(ctx context.Context, p []byte) error { return n.batch.runBatch(ctx, p) }},
		{Kind: taskAfterStored, Run: func(ctx context.Context, p []byte) error { return n.notify.runAfterStored(ctx, p) }},
	}
}

// Triggers implements simulator.Triggerer.
func (n *Network) Triggers() []string { return n.notify.triggers() }

// Trigger implements simulator.Triggerer.
func (n *Network) Trigger(ctx context.Context, name string, p map[string]any) (map[string]any, error) {
	return n.notify.trigger(ctx, name, p)
}

// Reset implements simulator.Resetter: it forgets the nonces seen, the
// notifications remembered for redelivery and the pushed cards.
func (n *Network) Reset() {
	n.verifier.Forget()
	n.notify.reset()
	n.tc.reset()
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

// RenderError implements simulator.Network: the gateway envelope for
// authentication, routing, size, media type and rate limits; otherwise the
// envelope of the document the route came from (the enrolment service's
// when no route matched).
func (n *Network) RenderError(req *simulator.Request, e *simulator.Error) *simulator.Response {
	msg := e.Message
	if msg == "" {
		msg = e.Summary()
	}
	if isGatewayError(req, e) {
		return renderGatewayError(e, msg)
	}
	render, ok := n.envelopes[req.Spec]
	if !ok {
		render = renderServiceError
	}
	return render(req, e, msg)
}

// Credentials implements simulator.CredentialProvider.
func (n *Network) Credentials() []simulator.Credential {
	return append(n.state.creds.list(), n.tc.credentials()...)
}

// RegisterCredential implements simulator.CredentialProvider: the issuer's
// own signing public key, consumer key, srcClientId or serviceId.
func (n *Network) RegisterCredential(c simulator.Credential) error {
	return n.state.creds.register(c)
}
