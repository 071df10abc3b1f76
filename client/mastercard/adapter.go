package mastercard

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

	"golang.org/x/text/language"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/internal/uuid"
	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/mastercard/oauth1"
)

// Config is what the Mastercard adapter needs: the project's OAuth 1.0a
// consumer key and signing key, Mastercard's encryption key, and the
// programme identifiers from onboarding.
type Config struct {
	// BaseURL is the API host, e.g. http://127.0.0.1:8080/mastercard or
	// https://sandbox.api.mastercard.com.
	BaseURL     string
	ConsumerKey string
	SigningKey  *rsa.PrivateKey
	// EncryptionKey is Mastercard's public key; cards are encrypted to it,
	// with its fingerprint as the JWE kid.
	EncryptionKey *rsa.PublicKey
	SrcClientID   string
	ServiceID     string
	DirectoryID   string
	// DecryptionKey is the issuer's own private key: Mastercard encrypts
	// callback payloads (field-level encryption) and sensitive response
	// fields to its public half. Optional; without it callbacks cannot be
	// read.
	DecryptionKey *rsa.PrivateKey
	// AuditUserID, AuditUserName and AuditOrganization identify the
	// issuer's system in MDES Customer Service's AuditInfo; defaults name
	// an automated issuer system.
	AuditUserID, AuditUserName, AuditOrganization string
	// PrivacyNoticeURL and TermsURL are the Click to Pay privacy notice and
	// terms the consumer accepted (complianceSettings); defaults are
	// Mastercard's global pages.
	PrivacyNoticeURL, TermsURL string

	HTTPClient *http.Client
	Now        func() time.Time
}

// TokenRequestorID is Mastercard's Click to Pay token requestor.
const TokenRequestorID = "50123197928"

// Adapter implements the unified client for Mastercard.
type Adapter struct {
	cfg    Config
	signer *oauth1.Signer
	keys   encryption.KeyRing
	codes  activationCodes
}

var (
	_ client.Enroller      = (*Adapter)(nil)
	_ client.CardUpdater   = (*Adapter)(nil)
	_ client.CardDeleter   = (*Adapter)(nil)
	_ client.CallbackCodec = (*Adapter)(nil)
)

// New checks cfg and returns an adapter; every problem is reported.
func New(cfg Config) (*Adapter, error) {
	var errs []error
	if !strings.HasPrefix(cfg.BaseURL, "http") {
		errs = append(errs, fmt.Errorf("base URL %q must be http(s)", cfg.BaseURL))
	}
	if cfg.ConsumerKey == "" || cfg.SigningKey == nil {
		errs = append(errs, errors.New("the OAuth consumer key and signing key are required"))
	}
	if cfg.EncryptionKey == nil {
		errs = append(errs, errors.New("the encryption public key of Mastercard is required"))
	}
	if cfg.SrcClientID == "" || cfg.ServiceID == "" {
		errs = append(errs, errors.New("srcClientId and serviceId are required"))
	}
	if cfg.DirectoryID == "" {
		errs = append(errs, errors.New("the Credential Directory ID is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("mastercard adapter: %w", err)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AuditUserID == "" {
		cfg.AuditUserID = "ISSUER-SYSTEM"
	}
	if cfg.AuditUserName == "" {
		cfg.AuditUserName = "Issuer Click to Pay system"
	}
	if cfg.AuditOrganization == "" {
		cfg.AuditOrganization = "Issuer"
	}
	a := &Adapter{cfg: cfg, signer: &oauth1.Signer{ConsumerKey: cfg.ConsumerKey, Key: cfg.SigningKey, Now: cfg.Now}, keys: encryption.KeyRing{}}
	if cfg.DecryptionKey != nil {
		if _, err := a.keys.Add(cfg.DecryptionKey); err != nil {
			return nil, fmt.Errorf("mastercard adapter: issuer decryption key: %w", err)
		}
	}
	return a, nil
}

// Network implements client.Adapter.
func (a *Adapter) Network() client.Network { return client.Mastercard }

const enrolAPI = "/src/api/digital/payments"

// alpha2 converts the unified ISO 3166 alpha-3 country to Mastercard's
// alpha-2.
func alpha2(alpha3 string) (string, error) {
	r, err := language.ParseRegion(alpha3)
	if len(alpha3) != 3 || err != nil || !r.IsCountry() {
		return "", fmt.Errorf("country %q is not an ISO 3166 country", alpha3)
	}
	return r.String(), nil
}

// twoDigitCallingCodes are the two-digit E.164 country calling codes; 1 and
// 7 are one digit and every other code has three. E.164 codes are a prefix
// code, so this splits any international number.
var twoDigitCallingCodes = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true, "34": true, "36": true, "39": true,
	"40": true, "41": true, "43": true, "44": true, "45": true, "46": true, "47": true, "48": true, "49": true,
	"51": true, "52": true, "53": true, "54": true, "55": true, "56": true, "57": true, "58": true,
	"60": true, "61": true, "62": true, "63": true, "64": true, "65": true, "66": true,
	"81": true, "82": true, "84": true, "86": true, "90": true, "91": true, "92": true, "93": true, "94": true, "95": true, "98": true,
}

// splitPhone splits digits with country code into Mastercard's
// mobileNumber.
func splitPhone(p string) map[string]string {
	n := 3
	switch {
	case len(p) > 0 && (p[0] == '1' || p[0] == '7'):
		n = 1
	case len(p) > 1 && twoDigitCallingCodes[p[:2]]:
		n = 2
	}
	if len(p) <= n {
		return map[string]string{"countryCode": p, "phoneNumber": ""}
	}
	return map[string]string{"countryCode": p[:n], "phoneNumber": p[n:]}
}

func (a *Adapter) consumer(c client.Consumer) (map[string]any, error) {
	cc, err := alpha2(c.Country)
	if err != nil {
		return nil, err
	}
	m := map[string]any{"externalConsumerId": c.Ref, "firstName": c.FirstName, "lastName": c.LastName,
		"locale": strings.Replace(c.Locale, "-", "_", 1), "countryCode": cc}
	if len(c.Emails) > 0 {
		m["emailAddress"] = c.Emails[0]
	}
	if len(c.Phones) > 0 {
		m["mobileNumber"] = splitPhone(c.Phones[0])
	}
	return m, nil
}

// enrolConsumer is the consumer as the Enroll API takes it: identified by
// consumerIdentity (for an issuer, the email address), with its language.
func (a *Adapter) enrolConsumer(c client.Consumer) (map[string]any, error) {
	m, err := a.consumer(c)
	if err != nil {
		return nil, err
	}
	if e, ok := m["emailAddress"].(string); ok {
		m["consumerIdentity"] = map[string]string{"identityType": "EMAIL_ADDRESS", "identityValue": e}
		delete(m, "emailAddress")
	}
	m["languageCode"] = m["locale"]
	delete(m, "locale")
	return m, nil
}

// cardPlaintext is the card as Mastercard's EncryptedCardPlaintext.
func (a *Adapter) cardPlaintext(k client.Card) (map[string]any, error) {
	ad := k.BillingAddress
	cc, err := alpha2(ad.Country)
	if err != nil {
		return nil, fmt.Errorf("billing address: %w", err)
	}
	addr := map[string]string{"line1": ad.Line1, "city": ad.City, "countryCode": cc}
	for f, v := range map[string]string{"line2": ad.Line2, "line3": ad.Line3, "state": ad.State, "zip": ad.PostalCode} {
		if v != "" {
			addr[f] = v
		}
	}
	return map[string]any{
		"primaryAccountNumber": k.PAN.Reveal(),
		"panExpirationMonth":   fmt.Sprintf("%02d", k.Expiry.Month),
		"panExpirationYear":    fmt.Sprintf("%04d", k.Expiry.Year),
		"cardholderFullName":   k.NameOnCard,
		"billingAddress":       addr,
	}, nil
}

// encrypt is the compact JWE of v, to Mastercard's key with its
// fingerprint as kid.
func (a *Adapter) encrypt(v any, k client.Card) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	jwe, err := encryption.Encrypt(plain, a.cfg.EncryptionKey)
	if err != nil {
		return "", fmt.Errorf("encrypting card %s: %w", k.Ref, err)
	}
	return jwe, nil
}

// maskedCard is the Enroll API's masked card: clients read
// srcDigitalCardId and the digital card's status from it.
type maskedCard struct {
	SrcDigitalCardID     string `json:"srcDigitalCardId"`
	PanLastFour          string `json:"panLastFour"`
	PanBin               string `json:"panBin"`
	TokenLastFour        string `json:"tokenLastFour"`
	PanExpirationMonth   string `json:"panExpirationMonth"`
	PanExpirationYear    string `json:"panExpirationYear"`
	TokenUniqueReference string `json:"tokenUniqueReference"`
	DigitalCardData      struct {
		Status string `json:"status"`
	} `json:"digitalCardData"`
}

// tokenStatus normalises Mastercard's token status: ACTIVE is done,
// INACTIVE waits for activation (yellow path).
func tokenStatus(s string) client.OperationStatus {
	switch s {
	case "ACTIVE", "SUSPENDED":
		return client.Succeeded
	case "DEACTIVATED":
		return client.Failed
	}
	return client.Pending // INACTIVE, a status not given, or one this client does not know yet
}

// ref names what an operation is about.
type ref struct{ consumer, card string }

func (a *Adapter) synchronous(r ref, id, correlation, networkStatus string, status client.OperationStatus, tokenRef string) *client.Operation {
	now := a.cfg.Now()
	return &client.Operation{ID: id, Network: client.Mastercard, Status: status, NetworkStatus: networkStatus,
		ConsumerRef: r.consumer, CardRef: r.card, TokenRef: tokenRef, CorrelationID: correlation, StartedAt: now, UpdatedAt: now}
}

// EnrolCard implements client.Enroller with the synchronous Enroll API:
// the consumer and card in one call, the token's status inline.
func (a *Adapter) EnrolCard(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	cons, err := a.enrolConsumer(c)
	if err != nil {
		return nil, err
	}
	return a.putCard(ctx, cons, k)
}

// AddCard implements client.Enroller: Mastercard enrols every card with its
// consumer, so the consumer the network holds is sent again.
func (a *Adapter) AddCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	cons, err := a.heldConsumer(ctx, consumerRef)
	if err != nil {
		return nil, err
	}
	return a.putCard(ctx, cons, k)
}

func (a *Adapter) putCard(ctx context.Context, cons map[string]any, k client.Card) (*client.Operation, error) {
	plain, err := a.cardPlaintext(k)
	if err != nil {
		return nil, err
	}
	jwe, err := a.encrypt(plain, k)
	if err != nil {
		return nil, err
	}
	return a.enrolRequest(ctx, cons, k.Ref, map[string]any{"encryptedCard": jwe, "complianceSettings": a.compliance()})
}

// compliance is the privacy notice and terms the consumer accepted, which
// a PAN-based enrolment must carry.
func (a *Adapter) compliance() map[string]any {
	privacy, terms := a.cfg.PrivacyNoticeURL, a.cfg.TermsURL
	if privacy == "" {
		privacy = "https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"
	}
	if terms == "" {
		terms = "https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"
	}
	return map[string]any{"privacy": map[string]string{"latestVersionUri": privacy}, "tnc": map[string]string{"latestVersionUri": terms}}
}

// enrolRequest sends putCard with the card given as card (encryptedCard
// or enrolmentReferenceData).
func (a *Adapter) enrolRequest(ctx context.Context, cons map[string]any, cardRef string, card map[string]any) (*client.Operation, error) {
	corr := uuid.New()
	body := map[string]any{
		"srcClientId": a.cfg.SrcClientID, "serviceId": a.cfg.ServiceID, "srcCorrelationId": corr, "cardSource": "ISSUER",
		"externalCredentialId": cardRef, "consumer": cons,
	}
	for k, v := range card {
		body[k] = v
	}
	var out struct {
		SrcCorrelationID string     `json:"srcCorrelationId"`
		MaskedCard       maskedCard `json:"maskedCard"`
	}
	if err := a.do(ctx, http.MethodPost, enrolAPI+"/cards", body, &out); err != nil {
		return nil, err
	}
	consumerRef, _ := cons["externalConsumerId"].(string)
	status := out.MaskedCard.DigitalCardData.Status
	return a.synchronous(ref{consumerRef, cardRef}, out.MaskedCard.SrcDigitalCardID, corr, status, tokenStatus(status), out.MaskedCard.TokenUniqueReference), nil
}

func (a *Adapter) credentialPath(consumerRef, cardRef string) string {
	return enrolAPI + "/directories/" + url.PathEscape(a.cfg.DirectoryID) + "/consumers/" + url.PathEscape(consumerRef) +
		"/credentials/" + url.PathEscape(cardRef)
}

// UpdateCard implements client.CardUpdater: the Credential Directory takes a
// new expiry for the same PAN.
func (a *Adapter) UpdateCard(ctx context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	corr := uuid.New()
	var out wireCredential
	err := a.do(ctx, http.MethodPut, a.credentialPath(consumerRef, k.Ref), map[string]any{"srcCorrelationId": corr,
		"panExpirationMonth": fmt.Sprintf("%02d", k.Expiry.Month), "panExpirationYear": fmt.Sprintf("%04d", k.Expiry.Year)}, &out)
	if err != nil {
		return nil, err
	}
	return a.synchronous(ref{consumerRef, k.Ref}, out.SrcDigitalCardID, corr, out.Status, client.Succeeded, out.TokenUniqueReference), nil
}

// DeleteCard implements client.CardDeleter: the credential and its token go.
func (a *Adapter) DeleteCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	if err := a.do(ctx, http.MethodDelete, a.credentialPath(act.ConsumerRef, act.Card.Ref), nil, nil); err != nil {
		return nil, err
	}
	return a.synchronous(ref{act.ConsumerRef, act.Card.Ref}, "delete-"+act.Card.Ref, "", "DEACTIVATED", client.Succeeded, act.TokenRef), nil
}

// do sends one signed call and decodes the answer into out (when not nil).
func (a *Adapter) do(ctx context.Context, method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	u, err := url.Parse(a.cfg.BaseURL + path)
	if err != nil {
		return err
	}
	auth, err := a.signer.Header(method, u, raw)
	if err != nil {
		return fmt.Errorf("signing %s %s: %w", method, path, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("mastercard %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("mastercard %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return parseError(resp.StatusCode, b)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("mastercard %s %s: the answer is not the documented JSON: %w", method, path, err)
		}
	}
	return nil
}
