// Package discover is the bundled issuer client's Discover adapter, over the
// Discover Click to Pay issuer API as c2psim emulates it
// (openapi/discover/clicktopay.yaml; the operations are inferred, the token
// endpoint documented). Its wire security lives beside it: oauth2 (client
// credentials with a cached, early-refreshed token) and cardjwe (card data
// JWE).
package discover

import (
	"bytes"
	"context"
	"crypto/rsa"
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
	"github.com/c2psim/c2psim/client/discover/oauth2"
	"github.com/c2psim/c2psim/client/pan"
)

// Config is what the Discover adapter needs.
type Config struct {
	// BaseURL is the API host, e.g. http://127.0.0.1:8080/discover; the
	// token endpoint is BaseURL + /auth/oauth/v2/token.
	BaseURL                string
	ClientID, ClientSecret string
	AppSecret, APIPlan     string
	CardKey                *rsa.PublicKey
	CardKeyID              string
	HTTPClient             *http.Client
	Now                    func() time.Time
}

// Adapter implements the unified client for Discover.
type Adapter struct {
	cfg    Config
	tokens *oauth2.TokenSource
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
	if cfg.AppSecret == "" || cfg.APIPlan == "" {
		errs = append(errs, errors.New("the application secret and API plan name are required"))
	}
	if cfg.CardKey == nil || cfg.CardKeyID == "" {
		errs = append(errs, errors.New("the network's card encryption key and its key ID are required"))
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
	return &Adapter{cfg: cfg, tokens: &oauth2.TokenSource{TokenURL: cfg.BaseURL + "/auth/oauth/v2/token",
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, HTTP: cfg.HTTPClient, Now: cfg.Now}}, nil
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

func (a *Adapter) card(c client.Card) (map[string]any, error) {
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
	enc, err := cardjwe.Encrypt(plain, a.cfg.CardKey, a.cfg.CardKeyID)
	if err != nil {
		return nil, fmt.Errorf("encrypting card %s: %w", c.Ref, err)
	}
	return map[string]any{"cardId": c.Ref, "encryptedCard": enc}, nil
}

const api = "/dci/clicktopay/v1"

// EnrolCard implements client.Enroller.
func (a *Adapter) EnrolCard(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	card, err := a.card(k)
	if err != nil {
		return nil, err
	}
	return a.operation(ctx, http.MethodPost, api+"/enrolments", map[string]any{"consumer": a.consumer(c), "card": card})
}

// AddCard implements client.Enroller.
func (a *Adapter) AddCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	card, err := a.card(k)
	if err != nil {
		return nil, err
	}
	return a.operation(ctx, http.MethodPost, api+"/consumers/"+url.PathEscape(consumerRef)+"/cards", card)
}

// UpdateConsumer implements client.ConsumerUpdater.
func (a *Adapter) UpdateConsumer(ctx context.Context, c client.Consumer) (*client.Operation, error) {
	return a.operation(ctx, http.MethodPut, api+"/consumers/"+url.PathEscape(c.Ref), a.consumer(c))
}

// UpdateCard implements client.CardUpdater.
func (a *Adapter) UpdateCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	card, err := a.card(k)
	if err != nil {
		return nil, err
	}
	return a.operation(ctx, http.MethodPut, api+"/consumers/"+url.PathEscape(consumerRef)+"/cards/"+url.PathEscape(k.Ref), card)
}

func (a *Adapter) cardPath(act client.CardAction) string {
	return api + "/consumers/" + url.PathEscape(act.ConsumerRef) + "/cards/" + url.PathEscape(act.Card.Ref)
}

var reasons = map[string]bool{"LOST": true, "STOLEN": true, "FRAUDULENT": true, "FOUND": true, "CARDHOLDER_REQUEST": true, "OTHER": true}

func reasonBody(r string) map[string]string {
	if r == "" {
		return map[string]string{}
	}
	if !reasons[r] {
		r = "OTHER"
	}
	return map[string]string{"reason": r}
}

// SuspendCard implements client.CardSuspender.
func (a *Adapter) SuspendCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.operation(ctx, http.MethodPost, a.cardPath(act)+"/suspend", reasonBody(act.Reason))
}

// ResumeCard implements client.CardSuspender.
func (a *Adapter) ResumeCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.operation(ctx, http.MethodPost, a.cardPath(act)+"/resume", reasonBody(act.Reason))
}

// DeleteCard implements client.CardDeleter.
func (a *Adapter) DeleteCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.operation(ctx, http.MethodDelete, a.cardPath(act), nil)
}

// DeleteConsumer implements client.ConsumerDeleter.
func (a *Adapter) DeleteConsumer(ctx context.Context, consumerRef string) (*client.Operation, error) {
	return a.operation(ctx, http.MethodDelete, api+"/consumers/"+url.PathEscape(consumerRef), nil)
}

// GetOperation implements client.OperationReader.
func (a *Adapter) GetOperation(ctx context.Context, op *client.Operation) (*client.Operation, error) {
	return a.operation(ctx, http.MethodGet, api+"/operations/"+url.PathEscape(op.ID), nil)
}

// GetProfile implements client.ProfileReader; an unknown consumer is an
// empty profile, not an error.
func (a *Adapter) GetProfile(ctx context.Context, consumerRef string) (*client.Profile, error) {
	var out struct {
		FirstName, LastName, Email, Phone string
		Cards                             []struct {
			CardID, BIN, Last4, Status, TokenRef, PAR string
		}
	}
	p := &client.Profile{Network: client.Discover, ConsumerRef: consumerRef, Cards: []client.ProfileCard{}}
	err := a.do(ctx, http.MethodGet, api+"/consumers/"+url.PathEscape(consumerRef), nil, &out)
	if errors.Is(err, client.ErrNotEnrolled) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.Enrolled, p.FirstName, p.LastName = true, out.FirstName, out.LastName
	p.Emails, p.Phones = []string{out.Email}, []string{out.Phone}
	for _, k := range out.Cards {
		p.Cards = append(p.Cards, client.ProfileCard{CardRef: k.CardID, BIN: k.BIN, Last4: k.Last4, Status: k.Status, TokenRef: k.TokenRef, PAR: k.PAR})
	}
	return p, nil
}

type wireOp struct {
	OperationID string `json:"operationId"`
	Type        string `json:"type"`
	Status      string `json:"status"`
	TokenRef    string `json:"tokenRef"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (a *Adapter) operation(ctx context.Context, method, path string, body any) (*client.Operation, error) {
	var w wireOp
	if err := a.do(ctx, method, path, body, &w); err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	op := &client.Operation{ID: w.OperationID, Network: client.Discover, NetworkStatus: w.Status, TokenRef: w.TokenRef,
		CorrelationID: w.OperationID, StartedAt: now, UpdatedAt: now}
	switch w.Status {
	case "SUCCEEDED":
		op.Status = client.Succeeded
	case "FAILED":
		op.Status = client.Failed
		if w.Error != nil {
			op.Errors = []client.OperationError{{Code: w.Error.Code, Message: w.Error.Message, Retryable: w.Error.Code == "5000"}}
		}
	default:
		op.Status = client.Pending
	}
	return op, nil
}

// do sends one authenticated call; a 401 drops the cached token and the
// call is retried once with a new one.
func (a *Adapter) do(ctx context.Context, method, path string, body, out any) error {
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
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("x-dfs-api-plan", a.cfg.APIPlan)
		req.Header.Set("x-dfs-c-app-cert", a.cfg.AppSecret)
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

func mapError(status int, code, msg string) error {
	e := &client.NetworkError{Network: client.Discover, HTTPStatus: status, Code: code, Message: pan.RedactText(msg)}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = client.ErrAuth
	case code == "2009":
		e.Kind, e.Retryable = client.ErrConflict, true
	case code == "2002":
		e.Kind = client.ErrAlreadyEnrolled
	case code == "2001" || status == http.StatusNotFound:
		e.Kind = client.ErrNotEnrolled
	case code == "2003" || code == "2004" || code == "2005":
		e.Kind = client.ErrIneligible
	case status >= 500:
		e.Kind, e.Retryable = client.ErrUnavailable, true
	default:
		e.Kind = client.ErrValidation
	}
	return e
}
