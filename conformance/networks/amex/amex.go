// Package amex registers American Express with the conformance harness: the
// bundled adapter (callback codec included) built from a simulator's
// sandbox credentials.
package amex

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client"
	axclient "github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/client/amex/jwe"
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
	})
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
