package visa

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/xpaytoken"
)

// Config is what the Visa adapter needs: the VICA base URL and the
// project's credentials.
type Config struct {
	// BaseURL of VICA, e.g. https://sandbox.api.visa.com/visaIdCredential/v1
	// or http://127.0.0.1:8080/visa/visaIdCredential/v1 for c2psim.
	BaseURL string
	// APIKey and SharedSecret authenticate with X-Pay-Token. Leave both
	// empty for two-way SSL.
	APIKey, SharedSecret string
	// UserID and Password authenticate with two-way SSL: HTTPClient must
	// present the project's Visa-issued client certificate, and every
	// request carries the user ID and password as HTTP Basic (Visa refuses
	// the certificate alone).
	UserID, Password string
	// LegacyIntent selects the product with the legacy intent object
	// instead of products[] (for integrations certified that way).
	LegacyIntent bool
	// CorrelationID returns the eX-Correlation-Id of each request; nil
	// means a fresh random one per request.
	CorrelationID func() string
	// KeyID is the MLE Key ID; ServerKey encrypts requests to Visa,
	// ClientKey decrypts Visa's answers.
	KeyID     string
	ServerKey *rsa.PublicKey
	ClientKey *rsa.PrivateKey
	// BID is the issuer's business ID: externalConsumerIDOwnerBID.
	BID string
	// HTTPClient; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock for X-Pay-Token and MLE iat; nil means time.Now.
	Now func() time.Time
}

// Adapter is the unified client's Visa adapter over VICA with product code
// CLICK_TO_PAY. VICA has no suspend or resume, so those are unsupported.
type Adapter struct{ cfg Config }

var (
	_ client.Enroller         = (*Adapter)(nil)
	_ client.ConsumerUpdater  = (*Adapter)(nil)
	_ client.CardUpdater      = (*Adapter)(nil)
	_ client.CardDeleter      = (*Adapter)(nil)
	_ client.ConsumerDeleter  = (*Adapter)(nil)
	_ client.ExistingEnroller = (*Adapter)(nil)
	_ client.ProfileReader    = (*Adapter)(nil)
	_ client.OperationReader  = (*Adapter)(nil)
)

// New checks cfg and returns an adapter; every problem is reported.
func New(cfg Config) (*Adapter, error) {
	var errs []error
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("base URL %q must be http(s)", cfg.BaseURL))
	}
	if (cfg.APIKey == "") != (cfg.SharedSecret == "") {
		errs = append(errs, errors.New("X-Pay-Token needs both the API key and the shared secret"))
	}
	if (cfg.UserID == "") != (cfg.Password == "") {
		errs = append(errs, errors.New("two-way SSL needs both the user ID and the password"))
	}
	if cfg.APIKey != "" && cfg.UserID != "" {
		errs = append(errs, errors.New("choose X-Pay-Token (API key and shared secret) or two-way SSL (user ID and password): Visa refuses a request carrying both"))
	}
	if cfg.APIKey == "" && cfg.UserID == "" {
		errs = append(errs, errors.New("no credentials: set the API key and shared secret (X-Pay-Token), or the user ID and password with a client certificate in HTTPClient (two-way SSL)"))
	}
	if cfg.KeyID == "" || cfg.ServerKey == nil || cfg.ClientKey == nil {
		errs = append(errs, errors.New("MLE needs the Key ID, Visa's server public key and the client private key"))
	}
	if cfg.BID == "" || len(cfg.BID) > 8 {
		errs = append(errs, errors.New("BID (externalConsumerIDOwnerBID) must be 1-8 characters"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("visa adapter: %w", err)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CorrelationID == nil {
		cfg.CorrelationID = randomCorrelationID
	}
	return &Adapter{cfg: cfg}, nil
}

// Network implements client.Adapter.
func (a *Adapter) Network() client.Network { return client.Visa }

// CorrelationHeader is the optional tracing header of every VICA call.
const CorrelationHeader = "eX-Correlation-Id"

func randomCorrelationID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// body starts a request body with the product selector: products[] (the
// current pattern), or the legacy intent when configured.
func (a *Adapter) body(fields map[string]any) map[string]any {
	if a.cfg.LegacyIntent {
		fields["intent"] = map[string]string{"type": "PRODUCT_CODE", "value": "CLICK_TO_PAY"}
	} else {
		fields["products"] = []map[string]string{{"productCode": "CLICK_TO_PAY"}}
	}
	return fields
}

func (a *Adapter) ref(consumerRef string) map[string]string {
	return map[string]string{"externalConsumerID": consumerRef, "externalConsumerIDOwnerBID": a.cfg.BID}
}

func (a *Adapter) consumer(c client.Consumer) map[string]any {
	m := map[string]any{
		"externalConsumerID": c.Ref, "externalConsumerIDOwnerBID": a.cfg.BID,
		"firstName": c.FirstName, "lastName": c.LastName, "emails": c.Emails, "phones": c.Phones,
		"locale": strings.Replace(c.Locale, "-", "_", 1), "countryCode": c.Country,
	}
	if c.MiddleName != "" {
		m["middleName"] = c.MiddleName
	}
	return m
}

func address(ad client.Address) map[string]string {
	m := map[string]string{"addressLine1": ad.Line1, "city": ad.City, "postalCode": ad.PostalCode, "country": ad.Country}
	for k, v := range map[string]string{"addressLine2": ad.Line2, "addressLine3": ad.Line3, "state": ad.State} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

func instrument(c client.Card) map[string]any {
	return map[string]any{"type": "CARD", "accountNumber": c.PAN.Reveal(), "nameOnCard": c.NameOnCard,
		"expirationDate": c.Expiry.String(), "billingAddress": address(c.BillingAddress)}
}

// EnrolCard implements client.Enroller with enrollData.
func (a *Adapter) EnrolCard(ctx context.Context, c client.Consumer, card client.Card) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPost, "enrollData", a.body(map[string]any{
		"consumerInformation": a.consumer(c), "paymentInstruments": []any{instrument(card)}}))
}

// AddCard implements client.Enroller with enrollPaymentInstruments.
func (a *Adapter) AddCard(ctx context.Context, consumerRef string, card client.Card) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPost, "enrollPaymentInstruments", a.body(map[string]any{
		"consumerInformation": a.ref(consumerRef), "paymentInstruments": []any{instrument(card)}}))
}

// UpdateConsumer implements client.ConsumerUpdater (full replacement).
func (a *Adapter) UpdateConsumer(ctx context.Context, c client.Consumer) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPut, "manageConsumerInformation", a.body(map[string]any{
		"consumerInformation": a.consumer(c)}))
}

// UpdateCard implements client.CardUpdater.
func (a *Adapter) UpdateCard(ctx context.Context, consumerRef string, card client.Card) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPut, "managePaymentInstruments", a.body(map[string]any{
		"consumerInformation": a.ref(consumerRef), "paymentInstruments": []any{instrument(card)}}))
}

// DeleteCard implements client.CardDeleter.
func (a *Adapter) DeleteCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPost, "deletePaymentInstruments", a.body(map[string]any{
		"consumerInformation": a.ref(act.ConsumerRef),
		"paymentInstruments":  []any{map[string]string{"type": "CARD", "accountNumber": act.Card.PAN.Reveal()}}}))
}

// DeleteConsumer implements client.ConsumerDeleter; Visa deletes the
// consumer's cards with it.
func (a *Adapter) DeleteConsumer(ctx context.Context, consumerRef string) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPost, "deleteConsumerInformation", a.body(map[string]any{
		"consumerInformation": a.ref(consumerRef)}))
}

// EnrolExisting enrols into Click to Pay a consumer Visa already knows from
// another Visa product, with a full payment instrument (Enroll Existing
// Issuer Data with Payment Instrument).
func (a *Adapter) EnrolExisting(ctx context.Context, consumerRef string, card client.Card) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPut, "enrollData/"+url.PathEscape(consumerRef), a.body(map[string]any{
		"consumerInformation": map[string]string{"externalConsumerIDOwnerBID": a.cfg.BID},
		"paymentInstruments":  []any{instrument(card)}}))
}

// EnrolExistingByReference enrols into Click to Pay a consumer Visa already
// knows from another Visa product, naming one of its registered payment
// instruments by the ID Visa gave it (Enroll Existing Issuer Data with
// Payment Instrument Reference): no card data travels.
func (a *Adapter) EnrolExistingByReference(ctx context.Context, consumerRef, instrumentRef string) (*client.Operation, error) {
	return a.accepted(ctx, http.MethodPut, "enrollData/"+url.PathEscape(consumerRef)+"/paymentInstrumentReference", a.body(map[string]any{
		"consumerInformation":         map[string]string{"externalConsumerIDOwnerBID": a.cfg.BID},
		"paymentInstrumentReferences": []any{map[string]string{"type": "CARD", "paymentInstrumentReferenceID": instrumentRef}}}))
}

// accepted sends a request VICA answers with 202 + requestTraceId.
func (a *Adapter) accepted(ctx context.Context, method, op string, body any) (*client.Operation, error) {
	var out struct {
		RequestTraceID string `json:"requestTraceId"`
	}
	if err := a.do(ctx, method, op, body, &out); err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	return &client.Operation{ID: out.RequestTraceID, Network: client.Visa, Status: client.Pending, NetworkStatus: "IN_PROGRESS",
		CorrelationID: out.RequestTraceID, StartedAt: now, UpdatedAt: now}, nil
}

// GetOperation implements client.OperationReader with requestStatus:
// IN_PROGRESS is Pending; COMPLETED is Succeeded when every item succeeded,
// Failed otherwise, with the items' VIDC codes.
func (a *Adapter) GetOperation(ctx context.Context, op *client.Operation) (*client.Operation, error) {
	var st struct {
		Status  string `json:"status"`
		Details []struct {
			AccountNumberLast4 string `json:"accountNumberLast4"`
			Status             string `json:"status"`
			TokenReferenceID   string `json:"tokenReferenceId"`
			ErrorDetail        *struct {
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"errorDetail"`
		} `json:"details"`
	}
	if err := a.do(ctx, http.MethodGet, "requestStatus/"+op.ID, nil, &st); err != nil {
		return nil, err
	}
	cur := *op
	cur.NetworkStatus, cur.UpdatedAt, cur.Errors = st.Status, a.cfg.Now(), nil
	switch st.Status {
	case "COMPLETED":
		cur.Status = client.Succeeded
		for _, d := range st.Details {
			if d.TokenReferenceID != "" && cur.TokenRef == "" {
				cur.TokenRef = d.TokenReferenceID
			}
			if d.Status != "SUCCESS" {
				cur.Status = client.Failed
				e := client.OperationError{Code: "FAILURE", CardLast4: d.AccountNumberLast4}
				if d.ErrorDetail != nil {
					e.Code, e.Message = d.ErrorDetail.Reason, d.ErrorDetail.Message
					e.Retryable = e.Code == "VIDC-5000"
				}
				cur.Errors = append(cur.Errors, e)
			}
		}
	default: // IN_PROGRESS and any status Visa may add later
		cur.Status = client.Pending
	}
	return &cur, nil
}

// GetProfile implements client.ProfileReader with getData.
func (a *Adapter) GetProfile(ctx context.Context, consumerRef string) (*client.Profile, error) {
	var out struct {
		Data []struct {
			ConsumerInformation *struct {
				FirstName string   `json:"firstName"`
				LastName  string   `json:"lastName"`
				Emails    []string `json:"emails"`
				Phones    []string `json:"phones"`
			} `json:"consumerInformation"`
			PaymentInstruments []struct {
				AccountNumber string `json:"accountNumber"`
				Status        string `json:"status"`
				PAR           string `json:"paymentAccountReference"`
				TokenDetails  struct {
					TokenReferenceID string `json:"tokenReferenceId"`
				} `json:"tokenDetails"`
			} `json:"paymentInstruments"`
			ErrorDetail *struct {
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"errorDetail"`
		} `json:"data"`
	}
	if err := a.do(ctx, http.MethodPost, "getData", a.body(map[string]any{"consumerInformation": a.ref(consumerRef)}), &out); err != nil {
		return nil, err
	}
	p := &client.Profile{Network: client.Visa, ConsumerRef: consumerRef, Cards: []client.ProfileCard{}}
	for _, d := range out.Data {
		if d.ErrorDetail != nil {
			if d.ErrorDetail.Reason == "VIDC-2001" {
				continue // not enrolled: an empty profile, not an error
			}
			return nil, a.mapError(http.StatusOK, d.ErrorDetail.Reason, d.ErrorDetail.Message)
		}
		if ci := d.ConsumerInformation; ci != nil {
			p.Enrolled, p.FirstName, p.LastName, p.Emails, p.Phones = true, ci.FirstName, ci.LastName, ci.Emails, ci.Phones
		}
		for _, pi := range d.PaymentInstruments {
			card := client.ProfileCard{Status: pi.Status, TokenRef: pi.TokenDetails.TokenReferenceID, PAR: pi.PAR}
			if n, err := pan.Parse(pi.AccountNumber); err == nil {
				card.BIN, card.Last4 = n.BIN(), n.Last4()
			} else if len(pi.AccountNumber) >= 4 {
				card.Last4 = pi.AccountNumber[len(pi.AccountNumber)-4:]
			}
			p.Cards = append(p.Cards, card)
		}
	}
	return p, nil
}

// do sends one MLE request signed with X-Pay-Token and decrypts the answer
// into out; a non-2xx answer is a *client.NetworkError.
func (a *Adapter) do(ctx context.Context, method, op string, body, out any) error {
	now := a.cfg.Now()
	var wire []byte
	if body != nil {
		plain, err := json.Marshal(body)
		if err != nil {
			return err
		}
		if wire, err = mle.Seal(plain, a.cfg.ServerKey, a.cfg.KeyID, now); err != nil {
			return fmt.Errorf("encrypting %s: %w", op, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, a.cfg.BaseURL+"/"+op, bytes.NewReader(wire))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(mle.KeyIDHeader, a.cfg.KeyID)
	if id := a.cfg.CorrelationID(); id != "" {
		req.Header.Set(CorrelationHeader, id)
	}
	if a.cfg.APIKey != "" {
		xpaytoken.Sign(req, a.cfg.APIKey, a.cfg.SharedSecret, now, wire)
	} else {
		req.SetBasicAuth(a.cfg.UserID, a.cfg.Password)
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("visa %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("visa %s: reading the answer: %w", op, err)
	}
	plain := raw
	if opened, err := mle.Open(raw, a.cfg.ClientKey, a.cfg.KeyID); err == nil {
		plain = opened.Payload
	} else if resp.StatusCode < 300 {
		return fmt.Errorf("visa %s: the answer is not MLE-encrypted to our key: %w", op, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
			// The gateway's envelope (401): responseStatus{status, code, message}.
			ResponseStatus *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"responseStatus"`
		}
		_ = json.Unmarshal(plain, &e)
		if rs := e.ResponseStatus; rs != nil && e.Reason == "" {
			e.Reason, e.Message = rs.Code, rs.Message
		}
		return a.mapError(resp.StatusCode, e.Reason, e.Message)
	}
	if out != nil {
		if err := json.Unmarshal(plain, out); err != nil {
			return fmt.Errorf("visa %s: decoding the answer: %w", op, err)
		}
	}
	return nil
}

// mapError turns Visa's status and VIDC code into a NetworkError with the
// unified sentinel and whether a retry can help.
func (a *Adapter) mapError(status int, reason, message string) error {
	e := &client.NetworkError{Network: client.Visa, HTTPStatus: status, Code: reason, Message: pan.RedactText(message)}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = client.ErrAuth
	case reason == "VIDC-3000" || status == http.StatusConflict:
		e.Kind, e.Retryable = client.ErrConflict, true
	case reason == "VIDC-2000" || reason == "VIDC-2004":
		e.Kind = client.ErrAlreadyEnrolled
	case reason == "VIDC-2001" || reason == "VIDC-2005":
		e.Kind = client.ErrNotEnrolled
	case reason == "VIDC-2002" || reason == "VIDC-2003" || reason == "VIDC-2006" || reason == "VIDC-2007" || reason == "VIDC-7000":
		e.Kind = client.ErrIneligible
	case status == http.StatusUnprocessableEntity:
		e.Kind = client.ErrUnsupported
	case status >= 500 || reason == "VIDC-5000" || status == http.StatusTooManyRequests:
		e.Kind, e.Retryable = client.ErrUnavailable, true
	default:
		e.Kind = client.ErrValidation
	}
	return e
}
