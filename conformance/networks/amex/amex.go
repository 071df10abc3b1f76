// Package amex registers American Express with the conformance harness: the
// bundled adapter (callback codec included) built from a simulator's
// sandbox credentials.
package amex

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/c2psim/c2psim/client"
	axclient "github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/amex"
)

func init() {
	conformance.RegisterNetwork(conformance.Network{ID: requirements.Amex,
		Waits:          []string{"notificationDelay"},
		EnrolOperation: "enrolCard",
		ServerError:    conformance.Refusal{Status: 503, Code: "SERVICE_UNAVAILABLE"},
		Validation:     conformance.Refusal{Status: 400, Code: "VALIDATION_ERROR"},
		Wire: func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
			return New(creds, baseURL, hc)
		},
		WrapCodec: func(a client.Adapter, event func(*client.NetworkEvent)) client.Adapter {
			return codec{a.(*axclient.Adapter), event}
		},
		Resign: resign,
	})
}

// codec changes every call it decodes (the mutation tests' defects).
type codec struct {
	*axclient.Adapter
	event func(*client.NetworkEvent)
}

// DecodeCallback decodes the call, then changes it.
func (c codec) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	ev, err := c.Adapter.DecodeCallback(r)
	if err == nil {
		c.event(ev)
	}
	return ev, err
}

// resign makes an issuer that takes token notifications whatever their MAC:
// each one is signed again with the issuer's own MAC key, over the URL it
// arrived at, before the issuer reads it.
func resign(creds []simulator.Credential) (conformance.Unverified, error) {
	byName := map[string]string{}
	for _, c := range creds {
		byName[c.Name] = c.Value
	}
	signer := &mac.Signer{ID: byName["mac-key-id"], Secret: byName["mac-secret"]}
	return conformance.Unverified{Creds: creds, Resign: func(r *http.Request) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
		h, err := signer.Header(r.Method, u, body)
		if err != nil {
			return err
		}
		r.Header.Set(mac.HeaderAuthorization, h)
		return nil
	}}, nil
}

// New builds the adapter from the credentials the simulator hands out:
// api-key, mac-key-id, mac-secret, encryption-key (base64, with its kid)
// and token-requester-id.
func New(creds []simulator.Credential, baseURL string, hc *http.Client) (*axclient.Adapter, error) {
	byName := map[string]simulator.Credential{}
	for _, c := range creds {
		byName[c.Name] = c
	}
	enc, ok := byName["encryption-key"]
	if !ok {
		return nil, errors.New("the simulator handed out no encryption key")
	}
	key, err := jwe.ParseKey(enc.Value)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	return axclient.New(axclient.Config{BaseURL: baseURL, APIKey: byName["api-key"].Value, MACKeyID: byName["mac-key-id"].Value,
		Secret: byName["mac-secret"].Value, EncryptionKeyID: enc.KeyID, EncryptionKey: key,
		TokenRequesterID: byName["token-requester-id"].Value, HTTPClient: hc})
}
