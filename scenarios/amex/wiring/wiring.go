// Package wiring builds the bundled American Express adapter (callback
// codec included) from a simulator's sandbox credentials. The bundled
// target and the driver service both use it.
package wiring

import (
	"errors"
	"fmt"
	"net/http"

	axclient "github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/amex"
)

// SampleCards enrol successfully on the American Express simulator: the
// Token Service SDK's sample, the widely published test number and one of
// the 34 range. The simulator lets one card number have one live token, so
// a scenario that enrols one of these deletes it again.
var SampleCards = []string{"371111111111111", "378282246310005", "340000000000017"}

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
