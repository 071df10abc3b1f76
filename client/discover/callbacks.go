package discover

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/discover/jwks"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
)

var _ client.CallbackCodec = (*Adapter)(nil)

// DecodeCallback implements client.CallbackCodec for Discover's token
// lifecycle notifications, secured as the developer guide's "Outgoing API
// Authentication" says: over mutual TLS (checked here when NotificationCAs
// is set) and with a Discover-signed JWS in X-DFS-C-APP-JWT, verified with
// the signing key its kid names in Discover's JWKS, before anything is read
// from the body.
func (a *Adapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	if a.cfg.NotificationCAs != nil {
		if err := a.checkPeer(r); err != nil {
			return nil, err
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("reading the notification: %w", err)
	}
	v := &secondfactor.Verifier{Now: a.cfg.Now, Keys: func(kid string) (*rsa.PublicKey, bool) {
		k, err := a.keys.Key(r.Context(), kid, jwks.UseSig)
		return k, err == nil
	}}
	if _, err := v.Verify(r.Header.Get(secondfactor.HeaderJWT), body); err != nil {
		return nil, fmt.Errorf("%w: %v", client.ErrAuth, err)
	}
	var ev struct {
		EventID, ConsumerID, CardID, BIN, Last4, Status, Reason, OccurredAt string
		TokenReferenceID                                                    string `json:"tokenReferenceId"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.EventID == "" {
		return nil, fmt.Errorf("notification is not a token event: %v", err)
	}
	at, _ := time.Parse(time.RFC3339, ev.OccurredAt)
	return &client.NetworkEvent{ID: ev.EventID, Type: client.EventTokenStatusChanged, ReceivedAt: at, CardLast4: ev.Last4, CardBIN: ev.BIN,
		TokenRef: ev.TokenReferenceID, TokenStatus: ev.Status,
		Payload: map[string]any{"consumerId": ev.ConsumerID, "cardId": ev.CardID, "status": ev.Status, "reason": ev.Reason}}, nil
}

// checkPeer requires the call to have come over TLS with a client
// certificate that chains to one of NotificationCAs.
func (a *Adapter) checkPeer(r *http.Request) error {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return fmt.Errorf("%w: a Discover notification must come over mutual TLS with Discover's client certificate", client.ErrAuth)
	}
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := r.TLS.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: a.cfg.NotificationCAs, Intermediates: inter,
		CurrentTime: a.cfg.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return fmt.Errorf("%w: the client certificate is not Discover's: %v", client.ErrAuth, err)
	}
	return nil
}

// ServerTLSConfig is a TLS configuration for the issuer's notification
// endpoint that requires Discover's client certificate (chained to cas).
func ServerTLSConfig(cert tls.Certificate, cas *x509.CertPool) (*tls.Config, error) {
	if cas == nil {
		return nil, errors.New("discover: the notification endpoint needs the certificate authority of Discover's client certificate")
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: cas, MinVersion: tls.VersionTLS12}, nil
}

// WriteReply implements client.CallbackCodec: 204, also for a redelivery.
func (a *Adapter) WriteReply(w http.ResponseWriter, _ *client.NetworkEvent) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
