// Package visa registers Visa with the conformance harness: the bundled
// adapter, callbacks included, built from a simulator's sandbox credentials,
// and the deliberate defects the harness's own mutation tests build into it.
package visa

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/c2psim/c2psim/client"
	visaclient "github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/visa"
)

// BID is the issuer business ID the bundled issuer enrols under.
const BID = "10000001"

func init() {
	conformance.RegisterNetwork(conformance.Network{ID: requirements.Visa, Owner: BID,
		Waits:          []string{"asyncDelay"},
		EnrolOperation: "enrollData",
		ServerError:    conformance.Refusal{Status: 503, Code: "VIDC-5000"},
		Validation:     conformance.Refusal{Status: 400, Code: "VIDC-1001"},
		Wire: func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
			return New(creds, baseURL, hc)
		},
		// The bundled issuer authenticates with two-way SSL, Visa's
		// standard method (the independent jose issuer covers X-Pay-Token).
		ClientCertificate: clientCertificate,
		// VICA files a consumer's calls under its owner BID and its ID.
		ConsumerKey: func(ids conformance.NetworkIDs) string { return ids.Owner + "/" + ids.Consumer },
		WrapCodec: func(a client.Adapter, event func(*client.NetworkEvent)) client.Adapter {
			return codec{a.(*visaclient.CallbackAdapter), event}
		},
		Resign: resign,
	})
}

// New builds the adapter with its callback codec: over an https base URL
// (hc presenting the client certificate) it authenticates with two-way SSL
// and the project's Basic credentials, otherwise with X-Pay-Token.
func New(creds []simulator.Credential, baseURL string, hc *http.Client) (*visaclient.CallbackAdapter, error) {
	byName := map[string]simulator.Credential{}
	for _, c := range creds {
		byName[c.Name] = c
	}
	var errs []error
	pub, err := pemkey.ParsePublic(byName["mle-server-public-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("mle-server-public-key: %w", err))
	}
	priv, err := pemkey.ParsePrivate(byName["mle-client-private-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("mle-client-private-key: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the simulator handed out no usable MLE keys: %w", err)
	}
	cfg := visaclient.Config{BaseURL: baseURL, KeyID: byName["mle-key-id"].Value, ServerKey: pub, ClientKey: priv, BID: BID, HTTPClient: hc}
	if strings.HasPrefix(baseURL, "https://") {
		// Two-way SSL (the bundled target's TLS listener, hc presenting the
		// client certificate): the certificate with the project's Basic
		// credentials.
		cfg.UserID, cfg.Password = byName["two-way-ssl-user-id"].Value, byName["two-way-ssl-password"].Value
	} else {
		cfg.APIKey, cfg.SharedSecret = byName["api-key"].Value, byName["shared-secret"].Value
	}
	a, err := visaclient.New(cfg)
	if err != nil {
		return nil, err
	}
	// With the callback codec the issuer also receives Visa's calls:
	// enrolment attempts, Approve Provisioning, status notifications.
	signing := byName["notification-signing-public-key"]
	signPub, err := visaclient.ParsePublicKeyPEM(signing.Value)
	if err != nil {
		return nil, fmt.Errorf("notification signing key: %w", err)
	}
	// VTS's Approve Provisioning JWE is keyed by the API key's shared
	// secret whichever way the issuer authenticates its VICA calls.
	return a.WithCallbacks(visaclient.CallbackConfig{
		SigningKeys: func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == signing.KeyID },
		APIKey:      byName["api-key"].Value, SharedSecret: byName["shared-secret"].Value,
	}), nil
}

// clientCertificate is the sandbox client certificate of Visa's two-way SSL.
func clientCertificate(creds []simulator.Credential) (tls.Certificate, error) {
	var cert, key string
	for _, c := range creds {
		switch c.Name {
		case "mtls-client-certificate":
			cert = c.Value
		case "mtls-client-private-key":
			key = c.Value
		}
	}
	return tls.X509KeyPair([]byte(cert), []byte(key))
}

// codec changes every call it decodes (the mutation tests' defects).
type codec struct {
	*visaclient.CallbackAdapter
	event func(*client.NetworkEvent)
}

// DecodeCallback decodes the call, then changes it.
func (c codec) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	ev, err := c.CallbackAdapter.DecodeCallback(r)
	if err == nil {
		c.event(ev)
	}
	return ev, err
}

// resign makes an issuer that takes enrolment-attempt notifications
// whatever their JWS signature: the issuer trusts a key of its own, and
// every notification is signed again with it, under Visa's kid, before the
// issuer reads it.
func resign(creds []simulator.Credential) (conformance.Unverified, error) {
	own, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return conformance.Unverified{}, err
	}
	der, err := x509.MarshalPKIXPublicKey(&own.PublicKey)
	if err != nil {
		return conformance.Unverified{}, err
	}
	out := append([]simulator.Credential(nil), creds...)
	kid := ""
	for i, c := range out {
		if c.Name == "notification-signing-public-key" {
			out[i].Value = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
			kid = c.KeyID
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: own, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JOSE").WithContentType("JWE"))
	if err != nil {
		return conformance.Unverified{}, err
	}
	return conformance.Unverified{Creds: out, Resign: func(r *http.Request) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var b notification.Body
		parts := []string{}
		if json.Unmarshal(body, &b) == nil {
			parts = strings.Split(b.EncryptedData, ".")
		}
		if len(parts) != 3 {
			return nil // not an enrolment-attempt notification
		}
		inner, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return nil
		}
		jws, err := signer.Sign(inner)
		if err != nil {
			return err
		}
		compact, err := jws.CompactSerialize()
		if err != nil {
			return err
		}
		body, _ = json.Marshal(notification.Body{EncryptedData: compact})
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		return nil
	}}, nil
}
