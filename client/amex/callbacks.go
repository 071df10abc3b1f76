package amex

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/client/pan"
)

var _ client.CallbackCodec = (*Adapter)(nil)

// NotificationPath is where American Express posts token status
// notifications, under the issuer's registered callback URL.
const NotificationPath = "/tokens/status-notifications"

// maxNotification bounds a notification's body.
const maxNotification = 64 << 10

// notification is the plaintext of notification_data.
type notification struct {
	NotificationID string `json:"notification_id"`
	TokenRefID     string `json:"token_ref_id"`
	ConsumerRef    string `json:"consumer_ref"`
	CardRef        string `json:"card_ref"`
	AccountLast4   string `json:"account_last4"`
	TokenStatus    string `json:"token_status"`
	PreviousStatus string `json:"previous_status"`
	Reason         string `json:"reason"`
	Initiator      string `json:"initiator"`
	OccurredAt     string `json:"occurred_at"`
}

// DecodeCallback implements client.CallbackCodec for the token status
// notifications (openapi/amex/issuer-notifications.yaml). Nothing is read
// from the body before the x-amex-api-key and the MAC header (over the
// notification URL and the exact body, fresh ts and unseen nonce) verify;
// a failure there is client.ErrAuth and the handler answers 401, so the
// network redelivers (NTF-06). notification_data is then decrypted with the
// shared key its kid names, and its notification_id must be the
// x-amex-request-id: the ID every redelivery repeats, which the Issuer
// uses to apply a notification once (NTF-05).
//
// A change the issuer requested itself comes back as a notification with
// initiator ISSUER. The issuer applied it from the synchronous answer
// already, and the echo may arrive after a later request of its own (a
// resume overtaking the suspend's echo), so such an event is recorded
// without a TokenStatus and changes nothing; the status stays in the
// payload. Changes the network or the Card Member made are applied
// (LCM-12).
func (a *Adapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("amex notifications are POST, got %s", r.Method)
	}
	if !strings.HasSuffix(r.URL.Path, NotificationPath) {
		return nil, fmt.Errorf("no American Express call is served at %s", r.URL.Path)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotification+1))
	if err != nil {
		return nil, fmt.Errorf("reading the notification: %w", err)
	}
	if len(body) > maxNotification {
		return nil, fmt.Errorf("the notification is larger than %d bytes", maxNotification)
	}
	if r.Header.Get(mac.HeaderAPIKey) != a.cfg.APIKey {
		return nil, fmt.Errorf("%w: x-amex-api-key is not this issuer's client id", client.ErrAuth)
	}
	if _, err := a.verifier.Verify(r.Header.Get(mac.HeaderAuthorization), r.Method, a.notificationURL(r), body); err != nil {
		return nil, fmt.Errorf("%w: notification MAC: %v", client.ErrAuth, err)
	}
	var wire struct {
		NotificationData string `json:"notification_data"`
	}
	if err := json.Unmarshal(body, &wire); err != nil || wire.NotificationData == "" {
		return nil, errors.New("the notification has no notification_data")
	}
	plain, _, err := jwe.Decrypt(wire.NotificationData, a.cfg.DecryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("notification_data: %w", err)
	}
	var n notification
	if err := json.Unmarshal(plain, &n); err != nil {
		return nil, errors.New("notification_data does not hold a token notification")
	}
	if n.NotificationID == "" || n.TokenRefID == "" || n.TokenStatus == "" {
		return nil, errors.New("the notification lacks notification_id, token_ref_id or token_status")
	}
	if rid := r.Header.Get(mac.HeaderRequestID); rid != n.NotificationID {
		return nil, fmt.Errorf("x-amex-request-id %q is not the notification's notification_id", clip(rid))
	}
	ev := &client.NetworkEvent{ID: n.NotificationID, Type: client.EventTokenStatusChanged, CardLast4: n.AccountLast4,
		TokenRef: n.TokenRefID, TokenStatus: n.TokenStatus, Payload: redacted(plain)}
	if strings.EqualFold(n.Initiator, "ISSUER") {
		ev.TokenStatus = ""
	}
	return ev, nil
}

// notificationURL is the URL the notification's MAC covers.
func (a *Adapter) notificationURL(r *http.Request) *url.URL {
	if a.cfg.CallbackURL != "" {
		u, _ := url.Parse(a.cfg.CallbackURL)
		return u
	}
	u := &url.URL{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	// The request URI as received: a handler mounted under a prefix
	// (http.StripPrefix) sees a shorter r.URL.Path than the network signed.
	if ru, err := url.ParseRequestURI(r.RequestURI); err == nil && r.RequestURI != "" {
		u.Path, u.RawPath = ru.Path, ru.RawPath
	} else {
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	}
	return u
}

// WriteReply implements client.CallbackCodec: 204, a redelivery included.
func (a *Adapter) WriteReply(w http.ResponseWriter, _ *client.NetworkEvent) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// redacted turns a decrypted payload into a map with card numbers masked.
func redacted(b []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(pan.RedactJSON(b), &m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
