package amex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/client/pan"
)

// Config is what the American Express adapter needs: the API base URL and
// the credentials American Express issues (the Token Service SDK's
// CLIENT_KEY, CLIENT_SECRET, encryption key and key ID, token requester ID).
type Config struct {
	// BaseURL is the API root, e.g.
	// https://api.qasb.americanexpress.com/payments/digital/v2, or
	// http://127.0.0.1:8080/amex/payments/digital/v2 for c2psim.
	BaseURL string
	// APIKey is the client id: the x-amex-api-key header and, unless
	// MACKeyID says otherwise, the MAC header's id (the SDK uses one value).
	APIKey   string
	MACKeyID string
	// Secret is the client secret: the HMAC-SHA256 key of the MAC header.
	// Notifications from American Express are signed with it too.
	Secret string
	// EncryptionKeyID and EncryptionKey (AES-256, 32 bytes) encrypt
	// account_data as JWE A256KW/A128GCM with kid = EncryptionKeyID.
	EncryptionKeyID string
	EncryptionKey   []byte
	// DecryptionKeys, when set, find the shared key a notification's kid
	// names (for a key rotation's overlap); nil means the encryption key only.
	DecryptionKeys jwe.KeyLookup
	// TokenRequesterID is the 11-digit x-amex-token-requester-id.
	TokenRequesterID string
	// AccountInputMethod goes in risk_assessment_data as the SDK's
	// AccountInputMethod.getValue() sends it (default "On File": the issuer
	// enrols cards it holds; the SDK's other value is "User Input").
	AccountInputMethod string
	// CallbackURL, when set, is the notification URL as American Express
	// calls it (…/tokens/status-notifications): the MAC of a notification
	// covers its scheme, host, port and path. Unset means the URL the request
	// arrived at (Host header and request URI), right unless a proxy
	// rewrites them.
	CallbackURL string
	// CallbackWindow bounds a notification MAC's ts either way (default 5m).
	CallbackWindow time.Duration
	// HTTPClient; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock of MAC timestamps; nil means time.Now.
	Now func() time.Time
	// NewRequestID makes each x-amex-request-id; nil means a random GUID.
	NewRequestID func() string
}

// Adapter is the unified client's American Express adapter. It enrols
// synchronously (the token is ACTIVE in the answer), suspends, resumes and
// deletes tokens, replaces the Card Member's data and reads the profile
// back. The emulated API has no card update and no consumer delete, so
// those are unsupported; as every call completes inline there is no
// operation to poll.
type Adapter struct {
	cfg      Config
	signer   *mac.Signer
	verifier *mac.Verifier
}

var (
	_ client.Enroller        = (*Adapter)(nil)
	_ client.ConsumerUpdater = (*Adapter)(nil)
	_ client.CardSuspender   = (*Adapter)(nil)
	_ client.CardDeleter     = (*Adapter)(nil)
	_ client.ProfileReader   = (*Adapter)(nil)
)

var tridPattern = regexp.MustCompile(`^[0-9]{11}$`)

// New checks cfg and returns an adapter; every problem is reported.
func New(cfg Config) (*Adapter, error) {
	var errs []error
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("base URL %q must be http(s)", cfg.BaseURL))
	}
	if cfg.APIKey == "" || cfg.Secret == "" {
		errs = append(errs, errors.New("the client id (API key) and client secret are required"))
	}
	if cfg.EncryptionKeyID == "" || len(cfg.EncryptionKey) != jwe.KeySize {
		errs = append(errs, fmt.Errorf("the encryption key ID and a %d-byte shared encryption key are required", jwe.KeySize))
	}
	if !tridPattern.MatchString(cfg.TokenRequesterID) {
		errs = append(errs, errors.New("the token requester ID must be 11 digits"))
	}
	if cfg.CallbackURL != "" {
		if u, err := url.Parse(cfg.CallbackURL); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("callback URL %q is not an absolute URL", cfg.CallbackURL))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("amex adapter: %w", err)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.MACKeyID == "" {
		cfg.MACKeyID = cfg.APIKey
	}
	if cfg.DecryptionKeys == nil {
		cfg.DecryptionKeys = jwe.SingleKey(cfg.EncryptionKeyID, cfg.EncryptionKey)
	}
	if cfg.AccountInputMethod == "" {
		cfg.AccountInputMethod = "On File"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = mac.NewUUID
	}
	a := &Adapter{cfg: cfg, signer: &mac.Signer{ID: cfg.MACKeyID, Secret: cfg.Secret, Now: cfg.Now}}
	a.verifier = &mac.Verifier{Secrets: a.secretFor, Window: cfg.CallbackWindow, Now: cfg.Now}
	return a, nil
}

func (a *Adapter) secretFor(id string) (string, bool) { return a.cfg.Secret, id == a.cfg.MACKeyID }

// Network implements client.Adapter.
func (a *Adapter) Network() client.Network { return client.Amex }

type userData struct {
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Name    string `json:"name"`
	Locale  string `json:"locale"`
	Country string `json:"country"`
}

// user is the SDK's user_data: the name joined as first|middle|last, the
// phone led by + as in the SDK sample.
func user(c client.Consumer) (userData, error) {
	for _, n := range []string{c.FirstName, c.MiddleName, c.LastName} {
		if strings.Contains(n, "|") {
			return userData{}, fmt.Errorf("%w: names may not contain '|', the separator of user_data.name", client.ErrValidation)
		}
	}
	if len(c.Emails) == 0 || len(c.Phones) == 0 {
		return userData{}, fmt.Errorf("%w: an email and a phone are required", client.ErrValidation)
	}
	return userData{Email: c.Emails[0], Phone: "+" + strings.TrimPrefix(c.Phones[0], "+"),
		Name: c.FirstName + "|" + c.MiddleName + "|" + c.LastName, Locale: c.Locale, Country: c.Country}, nil
}

type creditCard struct {
	AccountNumber string `json:"account_number"`
	ExpiryMonth   int    `json:"expiry_month"`
	ExpiryYear    int    `json:"expiry_year"`
	NameOnCard    string `json:"name_on_card"`
}

type billingAddress struct {
	Line1      string `json:"address_line1"`
	Line2      string `json:"address_line2,omitempty"`
	Line3      string `json:"address_line3,omitempty"`
	City       string `json:"city"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type accountData struct {
	AccountType    string         `json:"account_type"`
	CreditCard     creditCard     `json:"credit_card"`
	BillingAddress billingAddress `json:"billing_address"`
}

// accountData encrypts the card as the SDK's account_data JWE.
func (a *Adapter) accountData(k client.Card) (string, error) {
	ad := k.BillingAddress
	plain, err := json.Marshal(accountData{
		AccountType: "credit_card",
		CreditCard:  creditCard{AccountNumber: k.PAN.Reveal(), ExpiryMonth: k.Expiry.Month, ExpiryYear: k.Expiry.Year, NameOnCard: k.NameOnCard},
		BillingAddress: billingAddress{Line1: ad.Line1, Line2: ad.Line2, Line3: ad.Line3, City: ad.City, State: ad.State,
			PostalCode: ad.PostalCode, Country: ad.Country},
	})
	if err != nil {
		return "", err
	}
	enc, err := jwe.Encrypt(plain, a.cfg.EncryptionKeyID, a.cfg.EncryptionKey)
	if err != nil {
		return "", fmt.Errorf("encrypting card %s: %w", k.Ref, err)
	}
	return enc, nil
}

// token is a token as American Express describes it (EnrolResponse,
// TokenStatus, TokenMetadata).
type token struct {
	TokenRefID   string `json:"token_ref_id"`
	TokenStatus  string `json:"token_status"`
	StatusReason string `json:"status_reason"`
	ConsumerRef  string `json:"consumer_ref"`
	CardRef      string `json:"card_ref"`
	AccountBIN   string `json:"account_bin"`
	AccountLast4 string `json:"account_last4"`
	TokenLast4   string `json:"token_last4"`
}

// Token statuses; others may come and are tolerated.
const (
	tokenActive    = "ACTIVE"
	tokenSuspended = "SUSPENDED"
	tokenDeleted   = "DELETED"
)

const (
	pathProvisioning  = "/tokens/provisioning"
	pathNotifications = "/tokens/notifications"
)

func consumerPath(ref string) string { return "/consumers/" + url.PathEscape(ref) }

// EnrolCard implements client.Enroller: tokens/provisioning with the
// Card Member's user_data and the card as account_data. A card already
// enrolled is client.ErrAlreadyEnrolled.
func (a *Adapter) EnrolCard(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	u, err := user(c)
	if err != nil {
		return nil, err
	}
	return a.provision(ctx, c.Ref, u, k)
}

// AddCard implements client.Enroller. Every enrolment carries user_data, so
// the profile's current data is read back first and sent with the new card
// under the same consumer_ref (the card joins that profile). Without a
// profile it is client.ErrNotEnrolled.
func (a *Adapter) AddCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	var p profile
	if _, err := a.do(ctx, http.MethodGet, consumerPath(consumerRef), nil, &p); err != nil {
		return nil, fmt.Errorf("reading the Card Member's data to add a card: %w", err)
	}
	return a.provision(ctx, consumerRef, p.UserData, k)
}

func (a *Adapter) provision(ctx context.Context, consumerRef string, u userData, k client.Card) (*client.Operation, error) {
	enc, err := a.accountData(k)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"consumer_ref": consumerRef, "user_data": u, "account_data": enc,
		"risk_assessment_data": map[string]string{"account_input_method": a.cfg.AccountInputMethod}}
	if k.Ref != "" {
		body["card_ref"] = k.Ref
	}
	var t token
	rid, err := a.do(ctx, http.MethodPost, pathProvisioning, body, &t)
	if err != nil {
		return nil, err
	}
	if t.TokenRefID == "" {
		return nil, errors.New("amex enrolment: the answer names no token_ref_id")
	}
	return a.done(rid, t), nil
}

// done is the Operation of a call American Express answered inline: its ID
// and correlation ID are the call's x-amex-request-id, its status the
// answer's token_status.
func (a *Adapter) done(requestID string, t token) *client.Operation {
	now := a.cfg.Now()
	return &client.Operation{ID: requestID, Network: client.Amex, Status: tokenStatus(t.TokenStatus), NetworkStatus: t.TokenStatus,
		TokenRef: t.TokenRefID, CorrelationID: requestID, StartedAt: now, UpdatedAt: now}
}

// tokenStatus is the operation status of an answer's token_status: the
// token states American Express documents are a change made; a status not
// given, or one this client does not know yet (PENDING, say), is Pending,
// never taken for an active token.
func tokenStatus(s string) client.OperationStatus {
	switch strings.ToUpper(s) {
	case tokenActive, tokenSuspended, tokenDeleted:
		return client.Succeeded
	}
	return client.Pending
}

// UpdateConsumer implements client.ConsumerUpdater: the profile's user_data
// is replaced in full (DAT-06).
func (a *Adapter) UpdateConsumer(ctx context.Context, c client.Consumer) (*client.Operation, error) {
	u, err := user(c)
	if err != nil {
		return nil, err
	}
	var p profile
	rid, err := a.do(ctx, http.MethodPut, consumerPath(c.Ref), map[string]any{"user_data": u}, &p)
	if err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	return &client.Operation{ID: rid, Network: client.Amex, Status: client.Succeeded, NetworkStatus: "UPDATED",
		CorrelationID: rid, StartedAt: now, UpdatedAt: now}, nil
}

// reasons maps the unified reasons to the notification's reason values.
var reasons = map[string]string{
	"LOST": "LOST", "STOLEN": "STOLEN", "FRAUDULENT": "FRAUDULENT", "FRAUD": "FRAUDULENT", "FOUND": "FOUND",
	"ACCOUNT_CLOSED": "CARD_CLOSED", "CARD_CLOSED": "CARD_CLOSED", "CLOSED": "CARD_CLOSED",
	"BLOCKED": "TEMPORARY_BLOCK", "TEMPORARY_BLOCK": "TEMPORARY_BLOCK",
	"CARDHOLDER_REQUEST": "CARDHOLDER_REQUEST", "ISSUER_REQUEST": "ISSUER_REQUEST", "OTHER": "OTHER",
}

// SuspendCard implements client.CardSuspender (notification_type suspend).
func (a *Adapter) SuspendCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.lifecycle(ctx, "suspend", act)
}

// ResumeCard implements client.CardSuspender (notification_type resume).
func (a *Adapter) ResumeCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.lifecycle(ctx, "resume", act)
}

// DeleteCard implements client.CardDeleter (notification_type delete; final).
func (a *Adapter) DeleteCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.lifecycle(ctx, "delete", act)
}

// lifecycle sends tokens/notifications for the action's token; without a
// token reference the token is found in the consumer's profile.
func (a *Adapter) lifecycle(ctx context.Context, kind string, act client.CardAction) (*client.Operation, error) {
	ref := act.TokenRef
	if ref == "" {
		var err error
		if ref, err = a.findToken(ctx, act); err != nil {
			return nil, err
		}
	}
	body := map[string]string{"token_ref_id": ref, "notification_type": kind}
	if act.Reason != "" {
		r, ok := reasons[strings.ToUpper(act.Reason)]
		if !ok {
			r = "OTHER"
		}
		body["reason"] = r
	}
	var t token
	rid, err := a.do(ctx, http.MethodPost, pathNotifications, body, &t)
	if err != nil {
		return nil, err
	}
	if t.TokenRefID == "" {
		t.TokenRefID = ref
	}
	return a.done(rid, t), nil
}

// findToken finds the live token of a card in its consumer's profile, by
// card reference or else by BIN and last four.
func (a *Adapter) findToken(ctx context.Context, act client.CardAction) (string, error) {
	p, err := a.GetProfile(ctx, act.ConsumerRef)
	if err != nil {
		return "", err
	}
	for _, c := range p.Cards {
		if act.Card.Ref != "" && c.CardRef == act.Card.Ref {
			return c.TokenRef, nil
		}
	}
	for _, c := range p.Cards {
		if !act.Card.PAN.IsZero() && c.Last4 == act.Card.PAN.Last4() && c.BIN == act.Card.PAN.BIN() {
			return c.TokenRef, nil
		}
	}
	return "", fmt.Errorf("%w: consumer %s has no live token for card %s", client.ErrNotEnrolled, act.ConsumerRef, act.Card.Ref)
}

type profile struct {
	ConsumerRef string   `json:"consumer_ref"`
	UserData    userData `json:"user_data"`
	Tokens      []token  `json:"tokens"`
}

// GetProfile implements client.ProfileReader. An unknown consumer is an
// empty profile, not an error. Deleted tokens, which American Express keeps
// listing, are left out: the profile shows what is enrolled.
func (a *Adapter) GetProfile(ctx context.Context, consumerRef string) (*client.Profile, error) {
	out := &client.Profile{Network: client.Amex, ConsumerRef: consumerRef, Cards: []client.ProfileCard{}}
	var p profile
	_, err := a.do(ctx, http.MethodGet, consumerPath(consumerRef), nil, &p)
	if errors.Is(err, client.ErrNotEnrolled) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	first, _, last := splitName(p.UserData.Name)
	out.FirstName, out.LastName = first, last
	if p.UserData.Email != "" {
		out.Emails = []string{p.UserData.Email}
	}
	if p.UserData.Phone != "" {
		out.Phones = []string{strings.TrimPrefix(p.UserData.Phone, "+")}
	}
	for _, t := range p.Tokens {
		if strings.EqualFold(t.TokenStatus, tokenDeleted) {
			continue
		}
		out.Cards = append(out.Cards, profileCard(t))
	}
	out.Enrolled = len(out.Cards) > 0
	return out, nil
}

func profileCard(t token) client.ProfileCard {
	return client.ProfileCard{CardRef: t.CardRef, BIN: t.AccountBIN, Last4: t.AccountLast4, Status: t.TokenStatus, TokenRef: t.TokenRefID}
}

// Token reads one token's metadata (tokens/{token_ref_id}/metadata): masked
// card, references and status, deleted tokens included.
func (a *Adapter) Token(ctx context.Context, tokenRef string) (client.ProfileCard, error) {
	var t token
	if _, err := a.do(ctx, http.MethodGet, "/tokens/"+url.PathEscape(tokenRef)+"/metadata", nil, &t); err != nil {
		return client.ProfileCard{}, err
	}
	return profileCard(t), nil
}

// TokenStatus reads one token's status (tokens/{token_ref_id}/status).
func (a *Adapter) TokenStatus(ctx context.Context, tokenRef string) (string, error) {
	var t token
	if _, err := a.do(ctx, http.MethodGet, "/tokens/"+url.PathEscape(tokenRef)+"/status", nil, &t); err != nil {
		return "", err
	}
	return t.TokenStatus, nil
}

func splitName(s string) (first, middle, last string) {
	parts := strings.SplitN(s, "|", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// maxAnswer bounds what an answer may hold.
const maxAnswer = 4 << 20

// do sends one call with the SDK's headers (a fresh x-amex-request-id, the
// api key, the token requester ID and the MAC header over the exact bytes
// sent) and decodes the answer into out. It returns the request ID; a non-2xx
// answer is a *client.NetworkError. Each call is a new request with a new
// ID: the Issuer's retries are new requests too.
func (a *Adapter) do(ctx context.Context, method, path string, body, out any) (string, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return "", err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, a.cfg.BaseURL+path, bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	rid := a.requestID()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(mac.HeaderAPIKey, a.cfg.APIKey)
	req.Header.Set(mac.HeaderRequestID, rid)
	req.Header.Set(mac.HeaderTokenRequesterID, a.cfg.TokenRequesterID)
	if err := a.signer.Sign(req, raw); err != nil {
		return "", fmt.Errorf("signing amex %s %s: %w", method, path, err)
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("amex %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("amex %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Code        string `json:"error_code"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(b, &e)
		return rid, mapError(resp.StatusCode, e.Code, e.Description)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return rid, fmt.Errorf("amex %s %s: decoding the answer: %w", method, path, err)
		}
	}
	return rid, nil
}

// requestID returns a fresh x-amex-request-id.
func (a *Adapter) requestID() string { return a.cfg.NewRequestID() }

// mapError turns the Amex envelope's status and error_code into a
// NetworkError with the unified sentinel and whether a retry can help.
// Unknown codes are classified by status.
func mapError(status int, code, msg string) error {
	e := &client.NetworkError{Network: client.Amex, HTTPStatus: status, Code: code, Message: pan.RedactText(msg)}
	switch code {
	case "AUTHENTICATION_FAILED", "FORBIDDEN", "ENCRYPTION_ERROR":
		// Credentials, clock or keys: a configuration problem, not retried.
		e.Kind = client.ErrAuth
	case "ALREADY_ENROLLED":
		e.Kind = client.ErrAlreadyEnrolled
	case "NOT_FOUND":
		// The operation knows no such token or consumer.
		e.Kind = client.ErrNotEnrolled
	case "CARD_INELIGIBLE", "CARD_DECLINED":
		e.Kind = client.ErrIneligible
	case "INVALID_STATE_TRANSITION":
		e.Kind = client.ErrIllegalTransition
	case "DUPLICATE_REQUEST_ID":
		// The ID was in use (a request still running, or an ID collision):
		// a retry is a new request with a fresh ID.
		e.Kind, e.Retryable = client.ErrConflict, true
	case "VALIDATION_ERROR", "CLEAR_CARD_DATA", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE":
		e.Kind = client.ErrValidation
	case "SERVICE_ERROR", "SERVICE_UNAVAILABLE":
		e.Kind, e.Retryable = client.ErrUnavailable, true
	default:
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			e.Kind = client.ErrAuth
		case status == http.StatusNotFound:
			// No operation at the path (RESOURCE_NOT_FOUND, or a 404 from
			// something other than the API): a wrong base URL, a
			// configuration problem, never "not enrolled".
			e.Kind = client.ErrNotFound
		case status == http.StatusConflict:
			// Only DUPLICATE_REQUEST_ID says a request is in flight; any
			// other conflict is with the token's or profile's state, and
			// sending the same request again meets the same state.
			e.Kind = client.ErrIllegalTransition
		case status == http.StatusUnprocessableEntity:
			e.Kind = client.ErrIneligible
		case status >= 500 || status == http.StatusTooManyRequests:
			e.Kind, e.Retryable = client.ErrUnavailable, true
		default:
			e.Kind = client.ErrValidation
		}
	}
	return e
}
