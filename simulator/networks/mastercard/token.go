package mastercard

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// Token statuses (MDES).
const (
	statusInactive    = "INACTIVE"
	statusActive      = "ACTIVE"
	statusSuspended   = "SUSPENDED"
	statusDeactivated = "DEACTIVATED"
)

// tokenMeta is what MDES keeps about a token beyond the enrolled card's
// status: the provisioning decision, when the status last changed, its
// suspenders, the yellow path's methods and code, history and comments.
// Keyed by Token Unique Reference.
type tokenMeta struct {
	CorrelationID      string                `json:"correlationId,omitempty"`
	Decision           string                `json:"decision,omitempty"` // A approved, R additional authentication required
	StatusAt           time.Time             `json:"statusAt"`
	ActivatedAt        *time.Time            `json:"activatedAt,omitempty"`
	Suspenders         []string              `json:"suspenders,omitempty"` // I issuer, W token requestor, C cardholder
	ActivationMethods  []activationMethod    `json:"activationMethods,omitempty"`
	ChosenMethod       activationMethod      `json:"chosenMethod,omitzero"`
	ActivationCode     string                `json:"activationCode,omitempty"`
	ActivationExpiry   time.Time             `json:"activationCodeExpiry,omitzero"`
	ActivationAttempts int                   `json:"activationAttempts,omitempty"`
	IssuerCode         bool                  `json:"issuerCode,omitempty"` // the issuer issues and validates the code
	LastCommentID      string                `json:"lastCommentId,omitempty"`
	TokenExpiry        string                `json:"tokenExpiry,omitempty"` // MMYY
	AssuranceLevel     string                `json:"assuranceLevel,omitempty"`
	ProductConfigID    string                `json:"productConfigId,omitempty"`
	FLE                encryption.FLEOptions `json:"fle"`
	History            []statusEvent         `json:"history,omitempty"`
	Comments           []comment             `json:"comments,omitempty"`
}

// statusEvent is one entry of a token's status history.
type statusEvent struct {
	Code      string     `json:"code"` // U, A, S, D
	At        time.Time  `json:"at"`
	Initiator string     `json:"initiator,omitempty"` // I, W, C
	Reason    string     `json:"reason,omitempty"`
	CommentID string     `json:"commentId,omitempty"`
	Audit     *auditInfo `json:"audit,omitempty"`
}

// comment is one Customer Service comment of a token.
type comment struct {
	ID    string    `json:"id"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	Audit auditInfo `json:"audit"`
}

type auditInfo struct {
	UserID       string `json:"UserId"`
	UserName     string `json:"UserName"`
	Organization string `json:"Organization"`
	Phone        string `json:"Phone,omitempty"`
}

// activationMethod is one way the cardholder can get or use an activation
// code (Issuer Outbound API ActivationMethod).
type activationMethod struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// codeMethods are the activation methods by which MDES hands the issuer a
// code to deliver.
var codeMethods = map[string]bool{"TEXT_TO_CARDHOLDER_NUMBER": true, "EMAIL_TO_CARDHOLDER_ADDRESS": true, "ISSUER_TO_CALL_CARDHOLDER_NUMBER": true}

// suspendedByNames maps Customer Service suspender codes to Notify Token
// Updated's suspendedBy values.
var suspendedByNames = map[string]string{"I": "ISSUER", "W": "TOKEN_REQUESTOR", "C": "CARDHOLDER", "P": "MOBILE_PIN_LOCKED", "M": "MOBILE_PIN_LOCKED"}

// tokenExpiry is a new token's expiry: three years on, MMYY.
func tokenExpiry(now time.Time) string { return now.AddDate(3, 0, 0).Format("0106") }

// meta returns a token's metadata, or what can be derived from the card when
// none was recorded.
func (s *state) meta(ctx context.Context, c digitalCard) tokenMeta {
	m, err := s.tokens.Get(ctx, c.TokenUniqueRef)
	return metaOf(c, m, err == nil)
}

// metaOf is a token's metadata m as kept (exists), completed from its card.
func metaOf(c digitalCard, m tokenMeta, exists bool) tokenMeta {
	if !exists {
		m = tokenMeta{Decision: "A", StatusAt: c.EnrolledAt, FLE: encryption.FLEOptions{OAEPHashing: "SHA256"}}
	}
	if m.StatusAt.IsZero() {
		m.StatusAt = c.EnrolledAt
	}
	if m.TokenExpiry == "" {
		m.TokenExpiry = tokenExpiry(c.EnrolledAt)
	}
	if m.ActivatedAt == nil && c.Status != statusInactive && m.Decision != "R" {
		at := c.EnrolledAt
		m.ActivatedAt = &at
	}
	return m
}

// csStatus maps an MDES token status to Customer Service's status code.
func csStatus(status string) (code, description string) {
	switch status {
	case statusActive:
		return "A", "Active"
	case statusSuspended:
		return "S", "Suspended"
	case statusDeactivated:
		return "D", "Deleted"
	}
	return "U", "Unmapped (tokenisation in progress)"
}

// addComment records comment text given with an action in the token's
// metadata and returns its CommentId ("" when no text was given: Customer
// Service returns a CommentId only then). The tokens table finds a token by
// its comments' IDs (byComment), so a comment is kept with the change it
// came with, in the same write.
func (s *state) addComment(m *tokenMeta, text string, audit auditInfo) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	id := s.env.IDs.Digits(8)
	m.Comments = append(m.Comments, comment{ID: id, Text: text, At: s.env.Clock.Now(), Audit: audit})
	m.LastCommentID = id
	return id
}

// tokenByComment returns the Token Unique Reference of the token a comment
// was made on.
func (s *state) tokenByComment(ctx context.Context, id string) (string, error) {
	row, err := s.tokens.Find(ctx, byComment, id)
	if errors.Is(err, store.ErrNotFound) {
		return s.comments.Get(ctx, id) // kept apart before byComment
	}
	return row.Key, err
}

// suspendBy adds suspender to a token: ACTIVE becomes SUSPENDED; a token
// already SUSPENDED by someone else gains the suspender. A suspender that
// already suspended the token is refused.
func (s *state) suspendBy(ctx context.Context, tur, suspender, reason, text string, audit *auditInfo, commentID *string) (digitalCard, error) {
	return s.transition(ctx, tur, func(c *digitalCard, m *tokenMeta) error {
		switch c.Status {
		case statusSuspended:
			if contains(m.Suspenders, suspender) {
				return wrongStatus("token %s is already SUSPENDED by %s; nothing was changed", tur, suspenderName(suspender))
			}
			m.Suspenders = append(m.Suspenders, suspender)
			m.History = append(m.History, statusEvent{Code: "S", At: s.env.Clock.Now(), Initiator: suspender, Reason: reason, Audit: audit})
			if commentID != nil && audit != nil {
				*commentID = s.addComment(m, text, *audit)
			}
			return nil
		case statusActive:
			return s.moveStatus(c, m, statusSuspended, suspender, reason, audit, func(m *tokenMeta) error {
				m.Suspenders = []string{suspender}
				if commentID != nil && audit != nil {
					*commentID = s.addComment(m, text, *audit)
				}
				return nil
			})
		}
		return wrongStatus("token %s is %s: suspend needs a token that is %s or %s; nothing was changed", tur, c.Status, statusActive, statusSuspended)
	})
}

// unsuspendBy lifts suspender's suspension: the token is ACTIVE again only
// when no suspender remains. A suspender that did not suspend the token is
// refused.
func (s *state) unsuspendBy(ctx context.Context, tur, suspender, reason, text string, audit *auditInfo, commentID *string) (digitalCard, error) {
	return s.transition(ctx, tur, func(c *digitalCard, m *tokenMeta) error {
		if c.Status != statusSuspended {
			return wrongStatus("token %s is %s: unsuspend needs a token that is %s; nothing was changed", tur, c.Status, statusSuspended)
		}
		if !contains(m.Suspenders, suspender) {
			return wrongStatus("token %s is SUSPENDED by %s, not by %s: a suspender lifts only its own suspension; nothing was changed",
				tur, suspenderNames(m.Suspenders), suspenderName(suspender))
		}
		if len(m.Suspenders) > 1 {
			var rest []string
			for _, x := range m.Suspenders {
				if x != suspender {
					rest = append(rest, x)
				}
			}
			m.Suspenders = rest
			if commentID != nil && audit != nil {
				*commentID = s.addComment(m, text, *audit)
			}
			return nil
		}
		return s.moveStatus(c, m, statusActive, suspender, reason, audit, func(m *tokenMeta) error {
			if commentID != nil && audit != nil {
				*commentID = s.addComment(m, text, *audit)
			}
			return nil
		})
	})
}

func suspenderName(code string) string {
	if s := suspendedByNames[code]; s != "" {
		return s
	}
	return code
}

func suspenderNames(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = suspenderName(c)
	}
	return strings.Join(names, " and ")
}

// changeStatus moves a token from one of the statuses in from to status
// to, in one atomic step of the store (transition), and updates its
// metadata. An unknown token is EMPTY_RESULT (404); a token in another
// status is INVALID_TOKEN_STATUS (400) and nothing changes. edit, when
// given, sees the metadata before the change and may veto it by returning
// an error.
func (s *state) changeStatus(ctx context.Context, tur, change string, from []string, to string, edit func(*tokenMeta) error) (digitalCard, error) {
	return s.changeStatusBy(ctx, tur, change, from, to, "", "", nil, edit)
}

// changeStatusBy is changeStatus recording who made the change, why, and
// which agent, in the token's status history.
func (s *state) changeStatusBy(ctx context.Context, tur, change string, from []string, to, initiator, reason string, audit *auditInfo, edit func(*tokenMeta) error) (digitalCard, error) {
	return s.transition(ctx, tur, func(c *digitalCard, m *tokenMeta) error {
		if !contains(from, c.Status) {
			return wrongStatus("token %s is %s: %s needs a token that is %s; nothing was changed", tur, c.Status, change, strings.Join(from, " or "))
		}
		return s.moveStatus(c, m, to, initiator, reason, audit, edit)
	})
}

// transition decides a change of a token on its card and its metadata as
// they are, and writes both in one atomic step of the store (Atomic): of
// two changes raced by two replicas, the second is decided on what the
// first wrote, so an illegal transition is refused however the requests
// are spread. change gets the card and the metadata (completed from the
// card when none was kept) and may modify both; an error leaves both
// untouched. It must not call the store. The card is returned as the change
// left it (or as it was, when refused).
func (s *state) transition(ctx context.Context, tur string, change func(*digitalCard, *tokenMeta) error) (digitalCard, error) {
	found, err := s.cardByToken(ctx, tur)
	if errors.Is(err, store.ErrNotFound) {
		return found, noToken(tur)
	}
	if err != nil {
		return found, err
	}
	var out digitalCard
	err = store.Update2(ctx, s.cards, found.CardRef, s.tokens, tur, func(card *store.Held[digitalCard], meta *store.Held[tokenMeta]) error {
		if !card.Exists || card.Value.TokenUniqueRef != tur {
			return noToken(tur) // deleted or enrolled again since it was found
		}
		out = card.Value
		m := metaOf(card.Value, meta.Value, meta.Exists)
		c := card.Value
		if err := change(&c, &m); err != nil {
			return err
		}
		card.Value, meta.Value, out = c, m, c
		return nil
	})
	return out, err
}

// moveStatus moves the card's token to status to and records it in m
// (edit, when given, sees m first and may veto the change).
func (s *state) moveStatus(c *digitalCard, m *tokenMeta, to, initiator, reason string, audit *auditInfo, edit func(*tokenMeta) error) error {
	if edit != nil {
		if err := edit(m); err != nil {
			return err
		}
	}
	now := s.env.Clock.Now()
	c.Status = to
	m.StatusAt = now
	code, _ := csStatus(to)
	m.History = append(m.History, statusEvent{Code: code, At: now, Initiator: initiator, Reason: reason, CommentID: m.LastCommentID, Audit: audit})
	switch to {
	case statusActive:
		m.Suspenders = nil
		if m.ActivatedAt == nil {
			m.ActivatedAt = &now
		}
		m.ActivationCode, m.ActivationExpiry = "", time.Time{}
	case statusDeactivated:
		m.Suspenders = nil
		m.ActivationCode, m.ActivationExpiry = "", time.Time{}
	}
	return nil
}

// The lifecycle's two refusals, in the token service's terms (the reason
// code and the field concerned): Customer Service renders them in its
// envelope, the admin API (triggers) as they are.

// noToken is 404 EMPTY_RESULT: no token has this reference.
func noToken(tur string) *simulator.Error {
	return tokenRefusal(http.StatusNotFound, simulator.KindNotFound, "EMPTY_RESULT", "Empty result for the given request: no token %s", tur)
}

// wrongStatus is 400 INVALID_TOKEN_STATUS: the token is not in a status
// the change starts from; nothing was changed.
func wrongStatus(format string, args ...any) *simulator.Error {
	return tokenRefusal(http.StatusBadRequest, simulator.KindState, "INVALID_TOKEN_STATUS", format, args...)
}

func tokenRefusal(status int, kind simulator.Kind, reason, format string, args ...any) *simulator.Error {
	e := simulator.Errorf(status, kind, format, args...)
	e.Code = reason
	e.Fields = []simulator.FieldError{{Field: "TokenUniqueReference", In: "body", Rule: reason, Message: e.Message}}
	return e
}
