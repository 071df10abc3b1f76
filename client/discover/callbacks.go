package discover

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/c2psim/c2psim/client"
)

var _ client.CallbackCodec = (*Adapter)(nil)

// DecodeCallback implements client.CallbackCodec for Discover's token
// lifecycle notifications: the x-dfs-signature HMAC-SHA256 of the raw body
// under the client secret is verified before anything is read from it.
func (a *Adapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("reading the notification: %w", err)
	}
	got, err := hex.DecodeString(r.Header.Get("x-dfs-signature"))
	if err != nil || len(got) != sha256.Size {
		return nil, fmt.Errorf("%w: x-dfs-signature must be 64 hex digits", client.ErrAuth)
	}
	m := hmac.New(sha256.New, []byte(a.cfg.ClientSecret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return nil, fmt.Errorf("%w: x-dfs-signature does not verify", client.ErrAuth)
	}
	var ev struct {
		EventID, ConsumerID, CardID, TokenRef, BIN, Last4, Status, Reason, OccurredAt string
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.EventID == "" {
		return nil, fmt.Errorf("notification is not a token event: %v", err)
	}
	at, _ := time.Parse(time.RFC3339, ev.OccurredAt)
	return &client.NetworkEvent{ID: ev.EventID, Type: client.EventTokenStatusChanged, ReceivedAt: at, CardLast4: ev.Last4, CardBIN: ev.BIN,
		TokenRef: ev.TokenRef, TokenStatus: ev.Status,
		Payload: map[string]any{"consumerId": ev.ConsumerID, "cardId": ev.CardID, "status": ev.Status, "reason": ev.Reason}}, nil
}

// WriteReply implements client.CallbackCodec: 204, also for a redelivery.
func (a *Adapter) WriteReply(w http.ResponseWriter, _ *client.NetworkEvent) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
