package discover

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// transitions: operationType → the token statuses it applies to and the one
// it leads to.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"Suspend": {from: []string{statusActive}, to: statusSuspended},
	"Resume":  {from: []string{statusSuspended}, to: statusActive},
	"Unlink":  {from: []string{statusActive, statusSuspended}, to: statusUnlinked},
}

// updateTokenState is the Stored Token Services token-state operation:
// synchronous, by token reference; an illegal change is 10103 and changes
// nothing.
func (n *Network) updateTokenState(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var body struct {
		RequestID        string `json:"requestId"`
		TokenReferenceID string `json:"tokenReferenceId"`
		OperationType    string `json:"operationType"`
		Reason           string `json:"reason"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return nil, err
	}
	rec, k, err := n.changeToken(ctx, body.TokenReferenceID, body.OperationType)
	if err != nil {
		return nil, err
	}
	if notifyChangesSetting.Get(n.env.Settings) {
		reason := "ISSUER_REQUEST"
		if body.Reason == "CARDHOLDER_REQUEST" {
			reason = body.Reason
		}
		n.notifyIssuer(ctx, rec.ConsumerID, k, rec.Status, reason)
	}
	return simulator.JSON(http.StatusOK, map[string]any{"requestId": body.RequestID, "tokenReferenceId": body.TokenReferenceID,
		"operationType": body.OperationType, "tokenStatus": rec.Status, "consumerId": rec.ConsumerID, "cardId": rec.CardID,
		"statusUpdatedAt": rec.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")}), nil
}

// changeToken applies an operationType to a token and its card, or refuses
// it without changing anything. It returns the token's new record and the
// card as it was before the change. The token and the profile holding its
// card change in one atomic step (row locks where replicas share the
// store), so of two changes raced through two replicas an illegal second
// one is refused.
func (n *Network) changeToken(ctx context.Context, ref, operationType string) (tokenRecord, card, error) {
	tr, ok := transitions[operationType]
	if !ok {
		return tokenRecord{}, card{}, dsError(http.StatusBadRequest, simulator.KindValidation, codeValue, "Invalid field value: operationType must be Suspend, Resume or Unlink")
	}
	noToken := func() error {
		return dsError(http.StatusBadRequest, simulator.KindNotFound, codeNoToken, "Token not found: %s", clip(ref, 64))
	}
	found, err := n.cardTokens.Get(ctx, ref) // whose token it is never changes
	if errors.Is(err, store.ErrNotFound) {
		return tokenRecord{}, card{}, noToken()
	}
	if err != nil {
		return tokenRecord{}, card{}, err
	}
	var rec tokenRecord
	var before card
	err = store.Update2(ctx, n.cardTokens, ref, n.consumers, found.ConsumerID, func(t *store.Held[tokenRecord], c *store.Held[consumer]) error {
		if !t.Exists {
			return noToken()
		}
		legal := false
		for _, f := range tr.from {
			legal = legal || t.Value.Status == f
		}
		if !legal {
			return dsError(http.StatusBadRequest, simulator.KindState, codeTokenStatus,
				"The status associated with token %s is %s: %s applies to %s only; nothing was changed", ref, t.Value.Status, operationType, strings.Join(tr.from, " or "))
		}
		k := findCard(c.Value.Cards, t.Value.CardID)
		if !c.Exists || k == nil || k.TokenRef != ref {
			return errNoCard // a token whose card is gone is the simulator's own bug
		}
		before = *k
		if tr.to != statusUnlinked {
			k.Status = tr.to
		} else {
			kept := c.Value.Cards[:0]
			for _, x := range c.Value.Cards {
				if x.CardID != t.Value.CardID {
					kept = append(kept, x)
				}
			}
			c.Value.Cards = kept
		}
		t.Value.Status, t.Value.UpdatedAt = tr.to, n.env.Clock.Now().UTC()
		rec = t.Value
		return nil
	})
	if err != nil {
		return tokenRecord{}, card{}, err
	}
	return rec, before, nil
}
