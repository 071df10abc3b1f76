package mastercard

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client"
)

const mdesAPI = "/mdes/csapi/v2"

var (
	_ client.CardSuspender = (*Adapter)(nil)
)

// MDES Customer Service reason codes per action, from the unified reasons.
var (
	suspendReasons   = map[string]string{"LOST": "L", "STOLEN": "S", "FRAUDULENT": "T"}
	unsuspendReasons = map[string]string{"FOUND": "F", "FRAUDULENT": "T"}
)

func reasonCode(table map[string]string, reason string) string {
	if c, ok := table[reason]; ok {
		return c
	}
	return "Z"
}

func (a *Adapter) audit() map[string]string {
	return map[string]string{"UserId": a.cfg.AuditUserID, "UserName": a.cfg.AuditUserName, "Organization": a.cfg.AuditOrganization}
}

// clickToPayToken is the card's Click to Pay token reference: the one the
// issuer recorded, or the one the consumer's Credential Directory entry
// names for the card. (A search by Account PAN would list every consumer's
// token of the card, so it is not used to pick one.)
func (a *Adapter) clickToPayToken(ctx context.Context, act client.CardAction) (string, error) {
	if act.TokenRef != "" {
		return act.TokenRef, nil
	}
	w, err := a.getConsumer(ctx, act.ConsumerRef)
	if err != nil {
		return "", err
	}
	for _, c := range w.Credentials {
		if c.ExternalCredentialID == act.Card.Ref && c.TokenUniqueReference != "" {
			return c.TokenUniqueReference, nil
		}
	}
	return "", &client.NetworkError{Network: client.Mastercard, HTTPStatus: http.StatusNotFound, Code: "NOT_FOUND",
		Message: fmt.Sprintf("consumer %s has no Click to Pay token for card %s", act.ConsumerRef, act.Card.Ref), Kind: client.ErrNotEnrolled}
}

func (a *Adapter) tokenAction(ctx context.Context, act client.CardAction, action, reason, status string) (*client.Operation, error) {
	tur, err := a.clickToPayToken(ctx, act)
	if err != nil {
		return nil, err
	}
	wrapper := map[string]string{"suspend": "TokenSuspendRequest", "unsuspend": "TokenUnsuspendRequest", "delete": "TokenDeleteRequest"}[action]
	if wrapper == "" {
		return nil, errors.New("unknown MDES token action " + action)
	}
	body := map[string]any{wrapper: map[string]any{"TokenUniqueReference": tur, "ReasonCode": reason, "AuditInfo": a.audit()}}
	if err := a.do(ctx, http.MethodPost, mdesAPI+"/token/"+action, body, nil); err != nil {
		return nil, err
	}
	if action == "unsuspend" {
		// A token can have several suspenders: the issuer lifting its own
		// suspension leaves it SUSPENDED while the token requestor's (or
		// the cardholder's) remains. Read back what it is now.
		if now, err := a.tokenStatus(ctx, tur); err == nil && now != "" {
			status = now
		}
	}
	return a.synchronous(ref{act.ConsumerRef, act.Card.Ref}, action+"-"+tur, "", status, client.Succeeded, tur), nil
}

// tokenStatus reads a token's current status through Customer Service
// search.
func (a *Adapter) tokenStatus(ctx context.Context, tur string) (string, error) {
	var out struct {
		SearchResponse struct {
			Accounts struct {
				Account []struct {
					Tokens struct {
						Token []struct {
							TokenUniqueReference string `json:"TokenUniqueReference"`
							CurrentStatusCode    string `json:"CurrentStatusCode"`
						} `json:"Token"`
					} `json:"Tokens"`
				} `json:"Account"`
			} `json:"Accounts"`
		} `json:"SearchResponse"`
	}
	body := map[string]any{"SearchRequest": map[string]any{"TokenUniqueReference": tur, "AuditInfo": a.audit()}}
	if err := a.do(ctx, http.MethodPost, mdesAPI+"/search", body, &out); err != nil {
		return "", err
	}
	for _, acct := range out.SearchResponse.Accounts.Account {
		for _, t := range acct.Tokens.Token {
			if t.TokenUniqueReference == tur {
				return map[string]string{"A": "ACTIVE", "S": "SUSPENDED", "D": "DEACTIVATED", "U": "INACTIVE"}[t.CurrentStatusCode], nil
			}
		}
	}
	return "", nil
}

// SuspendCard implements client.CardSuspender with MDES Customer Service
// token suspend (ACTIVE → SUSPENDED).
func (a *Adapter) SuspendCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.tokenAction(ctx, act, "suspend", reasonCode(suspendReasons, act.Reason), "SUSPENDED")
}

// ResumeCard implements client.CardSuspender with MDES Customer Service
// token unsuspend (SUSPENDED → ACTIVE).
func (a *Adapter) ResumeCard(ctx context.Context, act client.CardAction) (*client.Operation, error) {
	return a.tokenAction(ctx, act, "unsuspend", reasonCode(unsuspendReasons, act.Reason), "ACTIVE")
}
