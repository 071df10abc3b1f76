package client

import (
	"context"
	"net/http"
	"time"
)

// Adapter is one network's wire implementation of the unified model. The
// core is only its identity; what it can do is declared by the capability
// interfaces below, found by type assertion. A capability an adapter lacks
// makes the matching Issuer call return ErrUnsupported.
//
// Adapters return *NetworkError (unwrapping to a sentinel) for the network's
// refusals, and plain errors for transport problems; they do not retry: the
// Issuer does.
type Adapter interface {
	Network() Network
}

// Enroller enrols a consumer's first card, and further cards.
type Enroller interface {
	EnrolCard(ctx context.Context, c Consumer, card Card) (*Operation, error)
	AddCard(ctx context.Context, consumerRef string, card Card) (*Operation, error)
}

// BatchEnroller enrols through the network's asynchronous bulk channel
// (Mastercard batch enrolment). The Issuer uses it for automatic (portfolio)
// enrolment where the adapter has it; the operation is PENDING until the
// network's batch status says otherwise (ENR-07).
type BatchEnroller interface {
	EnrolBatch(ctx context.Context, c Consumer, card Card) (*Operation, error)
}

// PushProvisioner pushes a card into the network's Click to Pay from the
// issuer's own app or website ("Add to Click to Pay"): the network confirms
// its Click to Pay wallet takes the card's account range, the issuer pushes
// the card to it, and the wallet's enrolment follows (tokenised like any
// other). A network without issuer push provisioning lacks it; the
// enrolment channel (Enroller) remains.
type PushProvisioner interface {
	PushCard(ctx context.Context, c Consumer, card Card) (*Operation, error)
}

// ConsumerUpdater replaces a consumer's data (full replacement, DAT-06).
type ConsumerUpdater interface {
	UpdateConsumer(ctx context.Context, c Consumer) (*Operation, error)
}

// CardUpdater changes an enrolled card's expiry, name or billing address
// (same PAN).
type CardUpdater interface {
	UpdateCard(ctx context.Context, consumerRef string, card Card) (*Operation, error)
}

// CardAction names an enrolled card and why it is acted on.
type CardAction struct {
	ConsumerRef string
	Card        Card
	TokenRef    string // when the network acts by token reference
	Reason      string // LOST, STOLEN, FRAUDULENT, ACCOUNT_CLOSED, CARDHOLDER_REQUEST, OTHER, FOUND ...
}

// CardSuspender suspends and resumes a card's Click to Pay token.
type CardSuspender interface {
	SuspendCard(ctx context.Context, a CardAction) (*Operation, error)
	ResumeCard(ctx context.Context, a CardAction) (*Operation, error)
}

// CardDeleter removes a card from Click to Pay (opt-out of one card).
type CardDeleter interface {
	DeleteCard(ctx context.Context, a CardAction) (*Operation, error)
}

// ConsumerDeleter removes a consumer and every card it has.
type ConsumerDeleter interface {
	DeleteConsumer(ctx context.Context, consumerRef string) (*Operation, error)
}

// CardReplacer relinks an enrolment to a new PAN in one call, where the
// network supports it; otherwise the Issuer deletes and re-enrols.
type CardReplacer interface {
	ReplaceCard(ctx context.Context, consumerRef string, old, replacement Card) (*Operation, error)
}

// ProfileReader reads back what the network holds for a consumer.
type ProfileReader interface {
	GetProfile(ctx context.Context, consumerRef string) (*Profile, error)
}

// OperationReader reads an asynchronous operation's current outcome.
type OperationReader interface {
	GetOperation(ctx context.Context, op *Operation) (*Operation, error)
}

// CallbackCodec is a network's wire format for network-to-issuer calls: it
// authenticates and decodes an inbound call into a NetworkEvent, and writes
// the network's reply for the issuer's decision.
type CallbackCodec interface {
	DecodeCallback(r *http.Request) (*NetworkEvent, error)
	WriteReply(w http.ResponseWriter, ev *NetworkEvent) error
}

// CallbackErrorWriter is implemented by codecs whose network expects the
// issuer's refusal of a call in its own error envelope (Mastercard
// Pre-Digitization: CRYPTOGRAPHY_ERROR for an envelope the issuer cannot
// decrypt). Without it a refusal is plain text: 401 for ErrAuth, else 400.
type CallbackErrorWriter interface {
	WriteError(w http.ResponseWriter, err error) error
}

// ActivationCodeIssuer is implemented by adapters whose network leaves a
// token's step-up code to the issuer (Mastercard: Deliver Activation Code
// without a code, checked later by the issuer's Validate Activation Code).
// IssuedCode is the code the issuer issued for the token and has not seen
// used, with its expiry: what the issuer's delivery channel sends the
// cardholder.
type ActivationCodeIssuer interface {
	IssuedCode(tokenRef string) (code string, expires time.Time, ok bool)
}
