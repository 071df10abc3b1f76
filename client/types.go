package client

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
)

// Network is a card network's Click to Pay program.
type Network string

// The networks c2psim knows.
const (
	Mastercard Network = "mastercard"
	Visa       Network = "visa"
	Amex       Network = "amex"
	Discover   Network = "discover"
)

// Address is a billing address. Country is ISO 3166 alpha-3 ("GBR"); adapters
// convert where a network wants another form.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	Line3      string `json:"line3,omitempty"`
	City       string `json:"city"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

// Consumer is the cardholder identity the issuer owns. Ref is the issuer's
// stable identifier for the person: the same on every call and every card
// (ENR-04), at most 64 of [A-Za-z0-9_-] so it fits every network.
type Consumer struct {
	Ref        string   `json:"ref"`
	FirstName  string   `json:"firstName"`
	MiddleName string   `json:"middleName,omitempty"`
	LastName   string   `json:"lastName"`
	Emails     []string `json:"emails"`
	Phones     []string `json:"phones"`  // digits with country code, e.g. 16504005555
	Locale     string   `json:"locale"`  // BCP 47 language-region, e.g. en-US
	Country    string   `json:"country"` // ISO 3166 alpha-3
}

var (
	refPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	phonePattern  = regexp.MustCompile(`^[0-9]{8,15}$`)
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	localePattern = regexp.MustCompile(`^[a-z]{2}-[A-Z]{2}$`)
	alpha3        = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Validate reports every problem with the consumer at once.
func (c Consumer) Validate() error {
	var errs []error
	if !refPattern.MatchString(c.Ref) {
		errs = append(errs, errors.New("consumer ref must be 1-64 of [A-Za-z0-9_-]"))
	}
	if c.FirstName == "" || c.LastName == "" {
		errs = append(errs, errors.New("first and last name are required"))
	}
	if len(c.Emails) == 0 {
		errs = append(errs, errors.New("at least one email is required"))
	}
	for _, e := range c.Emails {
		if !emailPattern.MatchString(e) {
			errs = append(errs, fmt.Errorf("email %q is not valid", e))
		}
	}
	if len(c.Phones) == 0 {
		errs = append(errs, errors.New("at least one mobile number with country code is required"))
	}
	for _, p := range c.Phones {
		if !phonePattern.MatchString(p) {
			errs = append(errs, fmt.Errorf("phone %q must be 8-15 digits including the country code", p))
		}
	}
	if !localePattern.MatchString(c.Locale) {
		errs = append(errs, fmt.Errorf("locale %q must look like en-US", c.Locale))
	}
	if !alpha3.MatchString(c.Country) {
		errs = append(errs, fmt.Errorf("country %q must be ISO 3166 alpha-3, e.g. USA", c.Country))
	}
	return errors.Join(errs...)
}

// Expiry is a card's expiry month.
type Expiry struct {
	Year  int `json:"year"`
	Month int `json:"month"`
}

// String renders YYYY-MM.
func (e Expiry) String() string { return fmt.Sprintf("%04d-%02d", e.Year, e.Month) }

// Before reports whether the card expired before t's month.
func (e Expiry) Before(t time.Time) bool {
	return e.Year < t.Year() || (e.Year == t.Year() && e.Month < int(t.Month()))
}

// ParseExpiry reads YYYY-MM.
func ParseExpiry(s string) (Expiry, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Expiry{}, fmt.Errorf("expiry %q: want YYYY-MM", s)
	}
	return Expiry{Year: t.Year(), Month: int(t.Month())}, nil
}

// Card is an issuer's funding card. The PAN never prints in full.
type Card struct {
	Ref            string  `json:"ref"` // issuer's card ID, 1-48 of [A-Za-z0-9_-]
	PAN            pan.PAN `json:"pan"`
	Expiry         Expiry  `json:"expiry"`
	NameOnCard     string  `json:"nameOnCard"`
	BillingAddress Address `json:"billingAddress"`
	// Network, when set, overrides routing by BIN.
	Network Network `json:"network,omitempty"`
}

// Validate reports every problem with the card at once.
func (c Card) Validate() error {
	var errs []error
	if len(c.Ref) > 48 || !refPattern.MatchString(c.Ref) {
		errs = append(errs, errors.New("card ref must be 1-48 of [A-Za-z0-9_-]"))
	}
	if c.PAN.IsZero() {
		errs = append(errs, errors.New("card number is required"))
	}
	if c.Expiry.Month < 1 || c.Expiry.Month > 12 || c.Expiry.Year < 2000 {
		errs = append(errs, fmt.Errorf("expiry %s is not a valid month", c.Expiry))
	}
	if c.NameOnCard == "" {
		errs = append(errs, errors.New("name on card is required"))
	}
	a := c.BillingAddress
	if a.Line1 == "" || a.City == "" || a.PostalCode == "" || !alpha3.MatchString(a.Country) {
		errs = append(errs, errors.New("billing address needs line1, city, postal code and an alpha-3 country"))
	}
	return errors.Join(errs...)
}

// OperationKind names a unified operation.
type OperationKind string

// Operation kinds.
const (
	KindEnrol          OperationKind = "ENROL"
	KindAddCard        OperationKind = "ADD_CARD"
	KindUpdateConsumer OperationKind = "UPDATE_CONSUMER"
	KindUpdateCard     OperationKind = "UPDATE_CARD"
	KindReplaceCard    OperationKind = "REPLACE_CARD"
	KindSuspend        OperationKind = "SUSPEND"
	KindResume         OperationKind = "RESUME"
	KindDeleteCard     OperationKind = "DELETE_CARD"
	KindDeleteConsumer OperationKind = "DELETE_CONSUMER"
)

// OperationStatus is normalised across networks.
type OperationStatus string

// Operation statuses.
const (
	Pending   OperationStatus = "PENDING"
	Succeeded OperationStatus = "SUCCEEDED"
	Failed    OperationStatus = "FAILED"
)

// Terminal reports whether no further change will come.
func (s OperationStatus) Terminal() bool { return s == Succeeded || s == Failed }

// Operation is one network request and its outcome, normalised: Visa's
// IN_PROGRESS and Mastercard's PENDING are both Pending, and so on.
type Operation struct {
	ID            string           `json:"id"` // the network's reference (requestTraceId, batchId, ...) or ours for synchronous calls
	Kind          OperationKind    `json:"kind"`
	Network       Network          `json:"network"`
	Status        OperationStatus  `json:"status"`
	NetworkStatus string           `json:"networkStatus,omitempty"` // the raw status as the network said it
	ConsumerRef   string           `json:"consumerRef,omitempty"`
	CardRef       string           `json:"cardRef,omitempty"`
	TokenRef      string           `json:"tokenRef,omitempty"`
	CorrelationID string           `json:"correlationId,omitempty"`
	Errors        []OperationError `json:"errors,omitempty"`
	StartedAt     time.Time        `json:"startedAt"`
	UpdatedAt     time.Time        `json:"updatedAt"`
}

// OperationError is one problem inside an operation's outcome.
type OperationError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
	CardLast4 string `json:"cardLast4,omitempty"`
}

// Profile is what a network holds for a consumer, as read back (masked).
type Profile struct {
	Network     Network       `json:"network"`
	ConsumerRef string        `json:"consumerRef"`
	Enrolled    bool          `json:"enrolled"`
	FirstName   string        `json:"firstName,omitempty"`
	LastName    string        `json:"lastName,omitempty"`
	Emails      []string      `json:"emails,omitempty"`
	Phones      []string      `json:"phones,omitempty"`
	Cards       []ProfileCard `json:"cards"`
}

// ProfileCard is a card in a network profile: never the full PAN.
type ProfileCard struct {
	CardRef  string `json:"cardRef,omitempty"`
	BIN      string `json:"bin"`
	Last4    string `json:"last4"`
	Status   string `json:"status"`
	TokenRef string `json:"tokenRef,omitempty"`
	PAR      string `json:"par,omitempty"`
}

// Masked returns the card's BIN and last four as one string.
func (p ProfileCard) Masked() string { return p.BIN + strings.Repeat("*", 6) + p.Last4 }

// EventType is the kind of network-to-issuer call.
type EventType string

// Event types.
const (
	EventTokenizationAuth   EventType = "TOKENIZATION_AUTH_REQUEST"
	EventActivationMethods  EventType = "ACTIVATION_METHODS_REQUEST"
	EventActivationCode     EventType = "ACTIVATION_CODE_DELIVERY"
	EventTokenStatusChanged EventType = "TOKEN_STATUS_CHANGED"
	EventEnrolmentAttempt   EventType = "ENROLMENT_ATTEMPT"
	EventOperationCompleted EventType = "OPERATION_COMPLETED"
	// EventActivationCodeCheck asks the issuer whether a code the cardholder
	// entered is one it issued (Payload "result").
	EventActivationCodeCheck EventType = "ACTIVATION_CODE_VALIDATION"
	// EventServiceActivated informs the issuer that a token was provisioned
	// and activated (it moves no state: the ordered status changes do).
	EventServiceActivated EventType = "SERVICE_ACTIVATED"
	// EventSuspiciousActivity informs the issuer of suspicious use of a token.
	EventSuspiciousActivity EventType = "SUSPICIOUS_ACTIVITY"
	// EventAccountInformation asks the issuer about a funding account.
	EventAccountInformation EventType = "ACCOUNT_INFORMATION_REQUEST"
)

// NetworkEvent is a network-to-issuer call, decoded (card data masked).
type NetworkEvent struct {
	ID         string    `json:"id"` // the network's request or event ID: duplicates share it (NTF-05)
	Network    Network   `json:"network"`
	Type       EventType `json:"type"`
	ReceivedAt time.Time `json:"receivedAt"`
	CardLast4  string    `json:"cardLast4,omitempty"`
	CardBIN    string    `json:"cardBin,omitempty"`
	// Card is the card number the call carries (decrypted), for the
	// issuer's decision: the Issuer matches it to its enrolments exactly
	// and clears it once the call is decided, before the event is recorded
	// or kept. It is never serialised.
	Card        pan.PAN        `json:"-"`
	TokenRef    string         `json:"tokenRef,omitempty"`
	TokenStatus string         `json:"tokenStatus,omitempty"`
	OperationID string         `json:"operationId,omitempty"`
	Payload     map[string]any `json:"payload,omitempty"` // decrypted and redacted
	Decision    Decision       `json:"decision,omitempty"`
	Duplicate   bool           `json:"duplicate,omitempty"`
	// Tokens are further token status changes the same call carries (a
	// Mastercard Notify Token Updated may list several); each is applied
	// like TokenRef/TokenStatus.
	Tokens []TokenUpdate `json:"tokens,omitempty"`
}

// TokenUpdate is one token's new status in a network event.
type TokenUpdate struct {
	TokenRef string `json:"tokenRef"`
	Status   string `json:"status"`
}

// Decision is the issuer's answer to a tokenisation authorisation request.
type Decision string

// Decisions.
const (
	Approve       Decision = "APPROVED"
	Decline       Decision = "DECLINED"
	RequireStepUp Decision = "REQUIRE_ADDITIONAL_AUTHENTICATION"
	Acknowledge   Decision = "ACKNOWLEDGED"
)
