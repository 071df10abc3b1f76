// Package discover is the bundled issuer client's Discover adapter, over the
// Discover Click to Pay issuer API as c2psim emulates it
// (openapi/discover/clicktopay.yaml): the transport is the Discover Partner
// Product Portal developer guide's, the Click to Pay operations are
// inferred, token suspension, resumption and unlinking use the Stored Token
// Services token-state operation.
//
// Every call carries what the guide makes mandatory: a bearer token from
// the client-credentials token call (scope and API plan, HTTP Basic or
// form-body client authentication; cached and refreshed early, never one per
// call), X-DFS-API-PLAN, a fresh X-Request-ID, Cache-Control: no-store,
// Accept, and the second factor of the operation's family: the Second
// Factor JWT (X-DFS-C-APP-JWT, RS256 with the content hash of the body) on
// enrolment and token lifecycle calls, the consumer application certificate
// (X-DFS-C-APP-CERT) on reads. Card data travels as a JWS-in-JWE.
// Notifications from Discover are verified with Discover's published keys
// (the JWKS at /dfs/jwk/v1/public-keys) and, when NotificationCAs is set,
// must arrive over mutual TLS with Discover's client certificate.
//
// The wire security lives beside it: oauth2, secondfactor, cardjwe, jwks.
package discover

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/discover/cardjwe"
	"github.com/c2psim/c2psim/client/discover/jwks"
	"github.com/c2psim/c2psim/client/discover/oauth2"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/client/internal/uuid"
	"github.com/c2psim/c2psim/client/pan"
)

// Header names of every call (the developer guide's).
const (
	HeaderRequestID = "X-Request-ID"
	HeaderAPIPlan   = oauth2.HeaderAPIPlan
)

// Config is what the Discover adapter needs.
type Config struct {
	// BaseURL is the API host: https://sandbox.apis.discover.com (Sandbox
	// and Certification), https://apis.discover.com (Production), or the
	// simulator's http://127.0.0.1:8080/discover.
	BaseURL string
	// ClientID and ClientSecret authenticate the token call, by HTTP Basic
	// or, with ClientAuth oauth2.ClientSecretPost, in the form body.
	ClientID, ClientSecret string
	ClientAuth             oauth2.ClientAuth
	// Scope is the scope name issued with the application; APIPlan the API
	// plan (X-DFS-API-PLAN, which also selects the environment).
	Scope, APIPlan string
	// SigningKey and SigningKeyID are the partner's registered signing key:
	// they sign the Second Factor JWT and the card data JWS.
	SigningKey   *rsa.PrivateKey
	SigningKeyID string
	// AppCertificate is the Discover-issued consumer application
	// certificate, presented on reads.
	AppCertificate *x509.Certificate
	// EncryptionKey and EncryptionKeyID are Discover's card data encryption
	// key; when nil, the first "enc" key of Discover's JWKS is used.
	EncryptionKey   *rsa.PublicKey
	EncryptionKeyID string
	// NotificationCAs, when set, makes DecodeCallback require mutual TLS: the
	// notification must arrive over TLS with a client certificate that
	// chains to one of them. Without it, terminate mutual TLS in front of the
	// callback handler (ServerTLSConfig builds a server configuration that
	// does).
	NotificationCAs *x509.CertPool
	HTTPClient      *http.Client
	Now             func() time.Time
	// NewRequestID returns a fresh X-Request-ID; default a random UUID.
	NewRequestID func() string
}

// Adapter implements the unified client for Discover.
type Adapter struct {
	cfg    Config
	tokens *oauth2.TokenSource
	keys   *jwks.Source
}

var (
	_ client.Enroller        = (*Adapter)(nil)
	_ client.ConsumerUpdater = (*Adapter)(nil)
	_ client.CardUpdater     = (*Adapter)(nil)
	_ client.CardSuspender   = (*Adapter)(nil)
	_ client.CardDeleter     = (*Adapter)(nil)
	_ client.ConsumerDeleter = (*Adapter)(nil)
	_ client.ProfileReader   = (*Adapter)(nil)
	_ client.OperationReader = (*Adapter)(nil)
)

// New checks cfg and returns an adapter; every problem is reported.
func New(cfg Config) (*Adapter, error) {
	var errs []error
	if !strings.HasPrefix(cfg.BaseURL, "http") {
		errs = append(errs, fmt.Errorf("base URL %q must be http(s)", cfg.BaseURL))
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		errs = append(errs, errors.New("client ID and secret are required"))
	}
	if cfg.Scope == "" || cfg.APIPlan == "" {
		errs = append(errs, errors.New("the scope and the API plan are required"))
	}
	if cfg.SigningKey == nil || cfg.SigningKeyID == "" {
		errs = append(errs, errors.New("the partner's signing key and its key ID are required (Second Factor JWT, card data JWS)"))
	}
	if cfg.AppCertificate == nil {
		errs = append(errs, errors.New("the consumer application certificate is required (reads)"))
	}
	if (cfg.EncryptionKey == nil) != (cfg.EncryptionKeyID == "") {
		errs = append(errs, errors.New("give Discover's encryption key with its key ID, or neither (it is then read from the JWKS)"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("discover adapter: %w", err)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = uuid.New
	}
	return &Adapter{cfg: cfg,
		tokens: &oauth2.TokenSource{TokenURL: cfg.BaseURL + "/auth/oauth/v2/token", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Scope: cfg.Scope, APIPlan: cfg.APIPlan, Auth: cfg.ClientAuth, HTTP: cfg.HTTPClient, Now: cfg.Now},
		keys: &jwks.Source{URL: cfg.BaseURL + jwks.Path, HTTP: cfg.HTTPClient, Now: cfg.Now},
	}, nil
}

// Network implements client.Adapter.
func (a *Adapter) Network() client.Network { return client.Discover }

// TokenFetches reports how many access tokens were fetched (SEC-08: reuse).
func (a *Adapter) TokenFetches() int { return a.tokens.Fetches() }

func (a *Adapter) consumer(c client.Consumer) map[string]any {
	m := map[string]any{"consumerId": c.Ref, "firstName": c.FirstName, "lastName": c.LastName,
		"email": c.Emails[0], "phone": c.Phones[0], "locale": c.Locale, "country": c.Country}
	if c.MiddleName != "" {
		m["middleName"] = c.MiddleName
	}
	return m
}

// card seals the card JSON as JWS-in-JWE.
func (a *Adapter) card(ctx context.Context, c client.Card) (map[string]any, error) {
	ad := c.BillingAddress
	addr := map[string]string{"line1": ad.Line1, "city": ad.City, "postalCode": ad.PostalCode, "country": ad.Country}
	for k, v := range map[string]string{"line2": ad.Line2, "line3": ad.Line3, "state": ad.State} {
		if v != "" {
			addr[k] = v
		}
	}
	plain, err := json.Marshal(map[string]any{"pan": c.PAN.Reveal(), "expiryMonth": c.Expiry.Month, "expiryYear": c.Expiry.Year,
		"nameOnCard": c.NameOnCard, "billingAddress": addr})
	if err != nil {
		return nil, err
	}
	encKey, encKid := a.cfg.EncryptionKey, a.cfg.EncryptionKeyID
	if encKey == nil {
		k, err := a.keys.First(ctx, jwks.UseEnc)
		if err != nil {
			return nil, fmt.Errorf("encrypting card %s: %w", c.Ref, err)
		}
		encKey, encKid = k.Key, k.ID
	}
	enc, err := cardjwe.Seal(plain, a.cfg.SigningKey, a.cfg.SigningKeyID, encKey, encKid)
	if err != nil {
		return nil, fmt.Errorf("encrypting card %s: %w", c.Ref, err)
	}
	return map[string]any{"cardId": c.Ref, "encryptedCard": enc}, nil
}

// Paths of the emulated API.
const (
	api            = "/dci/clicktopay/v1"
	tokenStatePath = "/globalpymt/ddx/stored-payment-token/operations/v1/token/state"
)

// factor is the second factor an operation family requires.
type factor int

const (
	factorJWT  factor = iota // enrolment and token lifecycle
	factorCert               // reads
)

// EnrolCard implements client.Enroller.
func (a *Adapter) EnrolCard(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	card, err := a.card(ctx, k)
	if err != nil {
		return nil, err
	}
	return a.operation(ctx, http.MethodPost, api+"/enrolments", map[string]any{"consumer": a.consumer(c), "card": card}, factorJWT)
}

// AddCard implements client.Enroller.
func (a *Adapter) AddCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	card, err := a.card(ctx, k)
	if err != nil {
		return nil, err
	}
	return a.operation(ctx, http.MethodPost, api+"/consumers/"+url.PathEscape(consumerRef)+"/cards", card, factorJWT)
}

// UpdateConsumer implements client.ConsumerUpdater.
func (a *Adapter) UpdateConsumer(ctx context.Context, c client.Consumer) (*client.Operation, error) {
	return a.operation(ctx, http.MethodPut, api+"/consumers/"+url.PathEscape(c.Ref), a.consumer(c), factorJWT)
}

// UpdateCard implements client.CardUpdater.
func (a *Adapter) UpdateCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	card, err := a.card(ctx, k)
	if err != nil {
		return nil, err
	}
	return a.operation(ctx, http.MethodPut, api+"/consumers/"+url.PathEscape(consumerRef)+"/cards/"+url.PathEscape(k.Ref), card, factorJWT)
}

// DeleteConsumer implements client.ConsumerDeleter.
func (a *Adapter) DeleteConsumer(ctx context.Context, consumerRef string) (*client.Operation, error) {
	return a.operation(ctx, http.MethodDelete, api+"/consumers/"+url.PathEscape(consumerRef), nil, factorJWT)
}

// GetOperation implements client.OperationReader.
func (a *Adapter) GetOperation(ctx context.Context, op *client.Operation) (*client.Operation, error) {
	return a.operation(ctx, http.MethodGet, api+"/operations/"+url.PathEscape(op.ID), nil, factorCert)
}

// The operationType values of the token-state operation.
const (
	opSuspend = "Suspend"
	opResume  = "Resume"
	opUnlink  = "Unlink"
)

// SuspendCard implements client.CardSuspender with the token-state
// operation (Suspend).
func (a *Adapter) SuspendCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.tokenState(ctx, opSuspend, act)
}

// ResumeCard implements client.CardSuspender (Resume).
func (a *Adapter) ResumeCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.tokenState(ctx, opResume, act)
}

// DeleteCard implements client.CardDeleter: the card's token is unlinked
// (Unlink), which takes the card out of Click to Pay.
func (a *Adapter) DeleteCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.tokenState(ctx, opUnlink, act)
}

var reasons = map[string]string{
	"LOST": "LOST", "STOLEN": "STOLEN", "FRAUDULENT": "FRAUDULENT", "FRAUD": "FRAUDULENT", "SUSPECTED_FRAUD": "FRAUDULENT",
	"BLOCKED": "TEMPORARY_BLOCK", "TEMPORARY_BLOCK": "TEMPORARY_BLOCK", "FOUND": "FOUND",
	"ACCOUNT_CLOSED": "ACCOUNT_CLOSED", "CARD_CLOSED": "ACCOUNT_CLOSED", "CLOSED": "ACCOUNT_CLOSED",
	"CARDHOLDER_REQUEST": "CARDHOLDER_REQUEST", "ISSUER_REQUEST": "ISSUER_REQUEST", "OTHER": "OTHER",
}

// tokenState changes a card's token by its reference, found in the
// consumer's profile when the action does not carry it. The change is
// synchronous: the operation is done when the answer comes.
func (a *Adapter) tokenState(ctx context.Context, operationType string, act client.CardAction) (*client.Operation, error) {
	ref := act.TokenRef
	if ref == "" {
		var err error
		if ref, err = a.findToken(ctx, act); err != nil {
			return nil, err
		}
	}
	requestID := a.cfg.NewRequestID()
	body := map[string]string{"requestId": requestID, "tokenReferenceId": ref, "operationType": operationType}
	if act.Reason != "" {
		r, ok := reasons[strings.ToUpper(act.Reason)]
		if !ok {
			r = "OTHER"
		}
		body["reason"] = r
	}
	var out struct {
		TokenReferenceID string `json:"tokenReferenceId"`
		TokenStatus      string `json:"tokenStatus"`
	}
	if err := a.do(ctx, http.MethodPost, tokenStatePath, body, &out, factorJWT); err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	status := client.Succeeded
	if out.TokenStatus == "" {
		status = client.Pending // a state this client cannot read is never taken for the change made
	}
	if out.TokenReferenceID == "" {
		out.TokenReferenceID = ref
	}
	return &client.Operation{ID: requestID, Network: client.Discover, Status: status, NetworkStatus: out.TokenStatus,
		TokenRef: out.TokenReferenceID, CorrelationID: requestID, StartedAt: now, UpdatedAt: now}, nil
}

// findToken finds a card's token in its consumer's profile, by card
// reference or else by BIN and last four.
func (a *Adapter) findToken(ctx context.Context, act client.CardAction) (string, error) {
	p, err := a.GetProfile(ctx, act.ConsumerRef)
	if err != nil {
		return "", err
	}
	for _, c := range p.Cards {
		if act.Card.Ref != "" && c.CardRef == act.Card.Ref && c.TokenRef != "" {
			return c.TokenRef, nil
		}
	}
	for _, c := range p.Cards {
		if !act.Card.PAN.IsZero() && c.Last4 == act.Card.PAN.Last4() && c.BIN == act.Card.PAN.BIN() && c.TokenRef != "" {
			return c.TokenRef, nil
		}
	}
	return "", fmt.Errorf("%w: consumer %s has no token for card %s", client.ErrNotEnrolled, act.ConsumerRef, act.Card.Ref)
}

// GetProfile implements client.ProfileReader; an unknown consumer is an
// empty profile, not an error.
func (a *Adapter) GetProfile(ctx context.Context, consumerRef string) (*client.Profile, error) {
	var out struct {
		FirstName, LastName, Email, Phone string
		Cards                             []struct {
			CardID, BIN, Last4, Status, PAR string
			TokenReferenceID                string `json:"tokenReferenceId"`
		}
	}
	p := &client.Profile{Network: client.Discover, ConsumerRef: consumerRef, Cards: []client.ProfileCard{}}
	err := a.do(ctx, http.MethodGet, api+"/consumers/"+url.PathEscape(consumerRef), nil, &out, factorCert)
	if errors.Is(err, client.ErrNotEnrolled) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.Enrolled, p.FirstName, p.LastName = true, out.FirstName, out.LastName
	p.Emails, p.Phones = []string{out.Email}, []string{out.Phone}
	for _, k := range out.Cards {
		p.Cards = append(p.Cards, client.ProfileCard{CardRef: k.CardID, BIN: k.BIN, Last4: k.Last4, Status: k.Status, TokenRef: k.TokenReferenceID, PAR: k.PAR})
	}
	return p, nil
}

type wireOp struct {
	OperationID      string `json:"operationId"`
	Type             string `json:"type"`
	Status           string `json:"status"`
	TokenReferenceID string `json:"tokenReferenceId"`
	Error            *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (a *Adapter) operation(ctx context.Context, method, path string, body any, f factor) (*client.Operation, error) {
	var w wireOp
	if err := a.do(ctx, method, path, body, &w, f); err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	op := &client.Operation{ID: w.OperationID, Network: client.Discover, NetworkStatus: w.Status, TokenRef: w.TokenReferenceID,
		CorrelationID: w.OperationID, StartedAt: now, UpdatedAt: now}
	switch w.Status {
	case "SUCCEEDED":
		op.Status = client.Succeeded
	case "FAILED":
		op.Status = client.Failed
		if w.Error != nil {
			op.Errors = []client.OperationError{{Code: w.Error.Code, Message: pan.RedactText(w.Error.Message), Retryable: retryableCode(w.Error.Code)}}
		}
	default:
		op.Status = client.Pending
	}
	return op, nil
}

// do sends one authenticated call; a 401 drops the cached token and the
// call is retried once with a new one (and a new request ID).
func (a *Adapter) do(ctx context.Context, method, path string, body, out any, f factor) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Token(ctx)
		if err != nil {
			return &client.NetworkError{Network: client.Discover, HTTPStatus: http.StatusUnauthorized, Code: "1001", Message: pan.RedactText(err.Error()), Kind: client.ErrAuth}
		}
		req, err := http.NewRequestWithContext(ctx, method, a.cfg.BaseURL+path, bytes.NewReader(raw))
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set(HeaderAPIPlan, a.cfg.APIPlan)
		req.Header.Set(HeaderRequestID, a.cfg.NewRequestID())
		req.Header.Set("Cache-Control", "no-store")
		switch f {
		case factorCert:
			req.Header.Set(secondfactor.HeaderCert, secondfactor.CertificateHeader(a.cfg.AppCertificate))
		default:
			jwt, err := secondfactor.Sign(a.cfg.SigningKey, a.cfg.SigningKeyID, raw, a.cfg.Now())
			if err != nil {
				return fmt.Errorf("signing the second factor: %w", err)
			}
			req.Header.Set(secondfactor.HeaderJWT, jwt)
		}
		resp, err := a.cfg.HTTPClient.Do(req)
		if err != nil {
			return fmt.Errorf("discover %s %s: %w", method, path, err)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			a.tokens.Invalidate() // expired or revoked: one fresh token, once
			continue
		}
		if resp.StatusCode >= 300 {
			var e struct{ Code, Message string }
			_ = json.Unmarshal(b, &e)
			return mapError(resp.StatusCode, e.Code, e.Message)
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}
}

// retryableCode reports the published codes that say "try again later":
// processing and downstream errors, maintenance, and c2psim's 2009 (an
// operation on the consumer still in progress).
func retryableCode(code string) bool {
	switch code {
	case "6", "1006", "30001", "30002", "2009":
		return true
	}
	return false
}

// mapError classifies a refusal by its published code (the status alone is
// ambiguous: most codes come with 400).
func mapError(status int, code, msg string) error {
	e := &client.NetworkError{Network: client.Discover, HTTPStatus: status, Code: code, Message: pan.RedactText(msg)}
	switch {
	case code == "1001" || code == "1003" || status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = client.ErrAuth
	case code == "2009":
		e.Kind, e.Retryable = client.ErrConflict, true
	case code == "10009":
		e.Kind = client.ErrAlreadyEnrolled
	case code == "10014" || code == "10127" || code == "10034" || status == http.StatusNotFound:
		e.Kind = client.ErrNotEnrolled
	case code == "10002" || code == "10012" || code == "10007" || code == "70004":
		e.Kind = client.ErrIneligible
	case code == "10103":
		e.Kind = client.ErrIllegalTransition
	case retryableCode(code) || status >= 500:
		e.Kind, e.Retryable = client.ErrUnavailable, true
	default:
		e.Kind = client.ErrValidation
	}
	return e
}
