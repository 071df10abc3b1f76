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
	if err != nil {
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

// addComment records comment text given with an action and returns its
// CommentId ("" when no text was given: Customer Service returns a
// CommentId only then).
func (s *state) addComment(ctx context.Context, m *tokenMeta, tur, text string, audit auditInfo) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	id := s.env.IDs.Digits(8)
	m.Comments = append(m.Comments, comment{ID: id, Text: text, At: s.env.Clock.Now(), Audit: audit})
	m.LastCommentID = id
	_ = s.comments.Put(ctx, id, tur)
	return id
}

// suspendBy adds suspender to a token: ACTIVE becomes SUSPENDED; a token
// already SUSPENDED by someone else gains the suspender. A suspender that
// already suspended the token is refused.
func (s *state) suspendBy(ctx context.Context, tur, suspender, reason, text string, audit *auditInfo, commentID *string) (digitalCard, error) {
	s.mu.Lock()
	c, err := s.cardByToken(ctx, tur)
	if err == nil && c.Status == statusSuspended {
		defer s.mu.Unlock()
		m := s.meta(ctx, c)
		if contains(m.Suspenders, suspender) {
			return c, wrongStatus("token %s is already SUSPENDED by %s; nothing was changed", tur, suspenderName(suspender))
		}
		m.Suspenders = append(m.Suspenders, suspender)
		m.History = append(m.History, statusEvent{Code: "S", At: s.env.Clock.Now(), Initiator: suspender, Reason: reason, Audit: audit})
		if commentID != nil && audit != nil {
			*commentID = s.addComment(ctx, &m, tur, text, *audit)
		}
		return c, s.tokens.Put(ctx, tur, m)
	}
	s.mu.Unlock()
	return s.changeStatusBy(ctx, tur, "suspend", []string{statusActive, statusSuspended}, statusSuspended, suspender, reason, audit, func(m *tokenMeta) error {
		m.Suspenders = []string{suspender}
		if commentID != nil && audit != nil {
			*commentID = s.addComment(ctx, m, tur, text, *audit)
		}
		return nil
	})
}

// unsuspendBy lifts suspender's suspension: the token is ACTIVE again only
// when no suspender remains. A suspender that did not suspend the token is
// refused.
func (s *state) unsuspendBy(ctx context.Context, tur, suspender, reason, text string, audit *auditInfo, commentID *string) (digitalCard, error) {
	s.mu.Lock()
	c, err := s.cardByToken(ctx, tur)
	if errors.Is(err, store.ErrNotFound) {
		s.mu.Unlock()
		return c, noToken(tur)
	}
	if err != nil {
		s.mu.Unlock()
		return c, err
	}
	m := s.meta(ctx, c)
	if c.Status == statusSuspended && !contains(m.Suspenders, suspender) {
		s.mu.Unlock()
		return c, wrongStatus("token %s is SUSPENDED by %s, not by %s: a suspender lifts only its own suspension; nothing was changed",
			tur, suspenderNames(m.Suspenders), suspenderName(suspender))
	}
	if c.Status == statusSuspended && len(m.Suspenders) > 1 {
		defer s.mu.Unlock()
		var rest []string
		for _, x := range m.Suspenders {
			if x != suspender {
				rest = append(rest, x)
			}
		}
		m.Suspenders = rest
		if commentID != nil && audit != nil {
			*commentID = s.addComment(ctx, &m, tur, text, *audit)
		}
		return c, s.tokens.Put(ctx, tur, m)
	}
	s.mu.Unlock()
	return s.changeStatusBy(ctx, tur, "unsuspend", []string{statusSuspended}, statusActive, suspender, reason, audit, func(m *tokenMeta) error {
		if commentID != nil && audit != nil {
			*commentID = s.addComment(ctx, m, tur, text, *audit)
		}
		return nil
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
// to, under the plugin's state lock, and updates its metadata. An unknown
// token is EMPTY_RESULT (404); a token in another status is
// INVALID_TOKEN_STATUS (400) and nothing changes. edit, when given, sees the
// metadata before the change and may veto it by returning an error.
func (s *state) changeStatus(ctx context.Context, tur, change string, from []string, to string, edit func(*tokenMeta) error) (digitalCard, error) {
	return s.changeStatusBy(ctx, tur, change, from, to, "", "", nil, edit)
}

// changeStatusBy is changeStatus recording who made the change, why, and
// which agent, in the token's status history.
func (s *state) changeStatusBy(ctx context.Context, tur, change string, from []string, to, initiator, reason string, audit *auditInfo, edit func(*tokenMeta) error) (digitalCard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cardByToken(ctx, tur)
	if errors.Is(err, store.ErrNotFound) {
		return c, noToken(tur)
	}
	if err != nil {
		return c, err
	}
	if !contains(from, c.Status) {
		return c, wrongStatus("token %s is %s: %s needs a token that is %s; nothing was changed", tur, c.Status, change, strings.Join(from, " or "))
	}
	m := s.meta(ctx, c)
	if edit != nil {
		if err := edit(&m); err != nil {
			return c, err
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
	if err := s.cards.Put(ctx, c.CardRef, c); err != nil {
		return c, err
	}
	if err := s.tokens.Put(ctx, tur, m); err != nil {
		return c, err
	}
	return c, nil
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
