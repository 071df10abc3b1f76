package mastercard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// state is what the plugin's APIs share: the environment, the credentials
// and the card and token model in the store. Each API owns its operations,
// handlers and errors over it; none keeps state of the model of its own.
// No change takes an in-process lock: each is decided on the records it
// spans in one atomic step of the store (store.Atomic), so replicas on one
// database decide a raced change once.
type state struct {
	env   *simulator.Env
	creds *credentials

	cards     store.Table[digitalCard]    // by card key (the PAN within a consumer)
	directory store.Table[string]         // externalConsumerId + externalCredentialId → card key
	consumers store.Table[consumerRecord] // by externalConsumerId
	tokens    store.Table[tokenMeta]      // by Token Unique Reference
	comments  store.Table[string]         // CommentId → Token Unique Reference, as kept before tokens' byComment index
}

// TokenRequestorID is Mastercard's Click to Pay token requestor ID: every
// token the simulator provisions is its.
const TokenRequestorID = "50123197928"

// Index names.
const (
	byToken       = "token"
	byTokenNumber = "tokenNumber"
	byPAN         = "pan"
	byConsumer    = "consumer"
	byComment     = "comment"
)

// newState opens the model's tables. Every lookup a request makes is
// indexed: cards by token, by the token's number and by PAN; directory
// entries by consumer.
func newState(env *simulator.Env, creds *credentials) *state {
	return &state{
		env:   env,
		creds: creds,
		cards: store.NewTable[digitalCard](env.Store, "cards",
			store.By(byToken, func(_ string, c digitalCard) []string { return []string{c.TokenUniqueRef} }),
			store.By(byTokenNumber, func(_ string, c digitalCard) []string { return []string{tokenNumber(c.TokenUniqueRef)} }),
			store.By(byPAN, func(_ string, c digitalCard) []string { return []string{c.PanRef} })),
		directory: store.NewTable[string](env.Store, "directory",
			store.By(byConsumer, func(key string, _ string) []string {
				ext, _, _ := strings.Cut(key, directorySep)
				return []string{ext}
			})),
		consumers: store.NewTable[consumerRecord](env.Store, "consumers"),
		tokens: store.NewTable[tokenMeta](env.Store, "tokens",
			store.By(byComment, func(_ string, m tokenMeta) []string {
				ids := make([]string, len(m.Comments))
				for i, c := range m.Comments {
					ids[i] = c.ID
				}
				return ids
			})),
		comments: store.NewTable[string](env.Store, "comments"),
	}
}

// digitalCard is an enrolled card with its consumer and token. The PAN is
// never stored: only its reference (SHA-256), BIN and last four digits.
type digitalCard struct {
	CardRef          string          `json:"cardRef"` // store key: PAN within consumer
	PanRef           string          `json:"panRef"`  // the PAN's reference, the same for every consumer
	SrcDigitalCardID string          `json:"srcDigitalCardId"`
	SrcConsumerID    string          `json:"srcConsumerId"`
	Consumer         consumer        `json:"consumer"`
	PanBIN           string          `json:"panBin"`
	PanLastFour      string          `json:"panLastFour"`
	ExpirationMonth  string          `json:"panExpirationMonth"`
	ExpirationYear   string          `json:"panExpirationYear"`
	CardholderName   string          `json:"cardholderFullName,omitempty"`
	BillingAddress   json.RawMessage `json:"billingAddress,omitempty"`
	TokenUniqueRef   string          `json:"tokenUniqueReference"`
	TokenRequestorID string          `json:"tokenRequestorId"`
	Status           string          `json:"status"`
	EnrolledAt       time.Time       `json:"enrolledAt"`
	// Outcome is the card's test-card outcome, known while the enrolment
	// runs (not stored).
	Outcome string `json:"-"`
	// Credential Directory address, when the enrolment gave both external IDs.
	ExternalConsumerID   string `json:"externalConsumerId,omitempty"`
	ExternalCredentialID string `json:"externalCredentialId,omitempty"`
}

// consumerIdentity is how the Enroll API identifies the consumer.
type consumerIdentity struct {
	IdentityType  string `json:"identityType"`
	IdentityValue string `json:"identityValue"`
}

type consumer struct {
	ConsumerIdentity   *consumerIdentity `json:"consumerIdentity,omitempty"`
	LanguageCode       string            `json:"languageCode,omitempty"`
	ExternalConsumerID string            `json:"externalConsumerId,omitempty"`
	FirstName          string            `json:"firstName,omitempty"`
	LastName           string            `json:"lastName,omitempty"`
	EmailAddress       string            `json:"emailAddress,omitempty"`
	MobileNumber       *mobileNumber     `json:"mobileNumber,omitempty"`
	Locale             string            `json:"locale,omitempty"`
	CountryCode        string            `json:"countryCode,omitempty"`
}

type mobileNumber struct {
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber"`
}

// cardPlaintext is EncryptedCardPlaintext: a card to enrol, however it
// arrived (putCard, a batch record, a push receipt).
type cardPlaintext struct {
	PrimaryAccountNumber string          `json:"primaryAccountNumber"`
	PanExpirationMonth   string          `json:"panExpirationMonth"`
	PanExpirationYear    string          `json:"panExpirationYear"`
	CardholderFullName   string          `json:"cardholderFullName"`
	CardSecurityCode     string          `json:"cardSecurityCode,omitempty"`
	BillingAddress       json.RawMessage `json:"billingAddress,omitempty"`
}

// consumerRecord is a consumer of the Credential Directory: the data of its
// latest enrolment or update, and the srcConsumerId every one of its cards
// shares. Revision counts its writes: an enrolment into the consumer and
// an update of it each write it, so an operation on all its cards that
// read them at one revision knows, in its atomic step, whether a card was
// added (or its data changed) since.
type consumerRecord struct {
	ExternalConsumerID string    `json:"externalConsumerId"`
	SrcConsumerID      string    `json:"srcConsumerId"`
	Consumer           consumer  `json:"consumer"`
	UpdatedAt          time.Time `json:"updatedAt"`
	Revision           uint64    `json:"revision,omitempty"`
}

// cardRef is a PAN's reference (SHA-256): the simulator never stores the PAN.
func cardRef(p string) string {
	s := sha256.Sum256([]byte("mastercard-card-ref:" + p))
	return hex.EncodeToString(s[:])
}

// cardKey keys an enrolled card by its PAN within one consumer: like
// Mastercard's sandbox, the same published test card may be enrolled by many
// consumers (each gets its own token); within one consumer it is enrolled
// once. Test card 5186001700004099 plays "already enrolled elsewhere".
func cardKey(p, externalConsumerID string) string {
	return cardRef(p + "\x00" + externalConsumerID)
}

// directoryKey keys a Credential Directory entry. The separator is not NUL,
// which PostgreSQL text cannot hold.
func directoryKey(extConsumer, extCredential string) string {
	return extConsumer + directorySep + extCredential
}

const directorySep = "\x1f"

// cardByToken finds the enrolled card whose token has this Token Unique
// Reference.
func (s *state) cardByToken(ctx context.Context, tur string) (digitalCard, error) {
	row, err := s.cards.Find(ctx, byToken, tur)
	return row.Value, err
}

// cardByTokenNumber finds the card whose token number is token.
func (s *state) cardByTokenNumber(ctx context.Context, token string) (digitalCard, error) {
	row, err := s.cards.Find(ctx, byTokenNumber, token)
	return row.Value, err
}

// cardsOfPAN lists every enrolment of one PAN (one per consumer), oldest
// first.
func (s *state) cardsOfPAN(ctx context.Context, panRef string) ([]digitalCard, error) {
	rows, err := s.cards.Lookup(ctx, byPAN, panRef)
	if err != nil {
		return nil, err
	}
	out := make([]digitalCard, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Value)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EnrolledAt.Before(out[j].EnrolledAt) })
	return out, nil
}

// activeTokens counts the ACTIVE tokens of a PAN.
func (s *state) activeTokens(ctx context.Context, panRef string) int {
	cards, _ := s.cardsOfPAN(ctx, panRef)
	count := 0
	for _, c := range cards {
		if c.Status == statusActive {
			count++
		}
	}
	return count
}

// directoryCard is one credential of a consumer with its directory key.
type directoryCard struct {
	key                  string
	externalCredentialID string
	card                 digitalCard
}

// credentialsOf lists a consumer's credentials, sorted by externalCredentialId.
func (s *state) credentialsOf(ctx context.Context, extConsumer string) ([]directoryCard, error) {
	rows, err := s.directory.Lookup(ctx, byConsumer, extConsumer)
	if err != nil {
		return nil, err
	}
	prefix := directoryKey(extConsumer, "")
	var out []directoryCard
	for _, e := range rows {
		ecr, ok := strings.CutPrefix(e.Key, prefix)
		if !ok {
			continue
		}
		ref := e.Value
		c, err := s.cards.Get(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, directoryCard{key: e.Key, externalCredentialID: ecr, card: c})
	}
	return out, nil
}

// errGone refuses an update of a record deleted since it was read;
// errConsumerGone, of a card whose consumer was.
var (
	errGone         = errors.New("deleted meanwhile")
	errConsumerGone = errors.New("consumer deleted meanwhile")
)

// shareConsumer gives every card consumer ext holds but except (the card
// an enrolment just wrote, in the same atomic step as the consumer's
// record) the consumer's data as its record holds it, each card in an
// atomic step with the record: an enrolment brings the consumer's other
// cards up to date with it, and an update or a later enrolment made
// meanwhile is not undone.
func (s *state) shareConsumer(ctx context.Context, ext, except string) error {
	rows, err := s.directory.Lookup(ctx, byConsumer, ext)
	if err != nil {
		return err
	}
	prefix := directoryKey(ext, "")
	for _, e := range rows {
		if e.Value == except || !strings.HasPrefix(e.Key, prefix) {
			continue
		}
		// Only the consumer data: a status change made meanwhile stays.
		err := store.Update2(ctx, s.consumers, ext, s.cards, e.Value, func(cons *store.Held[consumerRecord], card *store.Held[digitalCard]) error {
			switch {
			case !cons.Exists:
				return errConsumerGone
			case !card.Exists || card.Value.ExternalConsumerID != ext:
				return errGone
			}
			card.Value.Consumer = cons.Value.Consumer
			return nil
		})
		switch {
		case errors.Is(err, errConsumerGone):
			return nil // deleted meanwhile, with its cards
		case err != nil && !errors.Is(err, errGone):
			return err
		}
	}
	return nil
}

// tokenNumber is the token's own PAN (a Luhn-valid 16 digits in the
// 512035 token range), derived from its Token Unique Reference.
func tokenNumber(tur string) string {
	h := sha256.Sum256([]byte("mastercard-token:" + tur))
	var n [16]byte
	copy(n[:], "512035")
	for i := 6; i < 15; i++ {
		n[i] = '0' + h[i-6]%10
	}
	n[15] = pan.LuhnCheckDigit(string(n[:15]))
	return string(n[:])
}

// panUniqueReference is MDES's reference of the card's PAN (FPAN…), the same
// for every token of the PAN.
func panUniqueReference(c digitalCard) string {
	ref := c.PanRef
	if len(ref) < 28 {
		ref = c.CardRef // a record from before panRef was kept
	}
	if len(ref) > 28 {
		ref = ref[:28]
	}
	return "FPAN" + ref
}

// paymentAccountReference is the 29-character PAR of a PAN (BIN controller
// 5001 and 25 characters of its reference).
func paymentAccountReference(panRef string) string {
	return "5001" + strings.ToUpper(panRef[:25])
}

// alpha3 maps the ISO 3166 alpha-2 codes the Enroll API takes to the
// alpha-3 codes of the Issuer Outbound and Token Connect APIs (the common
// ones; an unknown country is left out of an address).
var alpha3 = map[string]string{
	"AT": "AUT", "AU": "AUS", "BE": "BEL", "BR": "BRA", "CA": "CAN", "CH": "CHE", "CZ": "CZE", "DE": "DEU", "DK": "DNK",
	"ES": "ESP", "FI": "FIN", "FR": "FRA", "GB": "GBR", "IE": "IRL", "IN": "IND", "IT": "ITA", "MX": "MEX", "NL": "NLD",
	"NO": "NOR", "PL": "POL", "PT": "PRT", "SE": "SWE", "US": "USA",
}

// expiry is the first instant after the card's expiry month.
func expiry(year, month string) time.Time {
	y, m := digits(year, 4), digits(month, 2)
	if y < 0 || m < 1 || m > 12 {
		return time.Time{}
	}
	return time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
}

// digits is s as a number when it is exactly n decimal digits, else -1.
func digits(s string, n int) int {
	if len(s) != n {
		return -1
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		v = v*10 + int(s[i]-'0')
	}
	return v
}

func yy(year string) string {
	if len(year) == 4 {
		return year[2:]
	}
	return year
}

// stamp is the RFC 3339 form of the Enroll and Customer Service APIs.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// timestamp is the ISO 8601 extended form the Issuer Outbound API takes
// (YYYY-MM-DDThh:mm:ss.sssZ).
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
