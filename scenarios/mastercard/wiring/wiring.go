// Package wiring builds the bundled Mastercard adapter from a simulator's
// sandbox credentials. The bundled target and the driver service both use it.
package wiring

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	mcclient "github.com/c2psim/c2psim/client/mastercard"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/mastercard"
)

// SampleCards enrol successfully on the Mastercard simulator (Mastercard's
// published sandbox cards).
var SampleCards = []string{"5186001700008785", "5186001700009726", "2223001850114872"}

// New builds the adapter (callback codec included). baseURL may be the
// network's mount (…/mastercard) or the Enroll API's base path under it:
// the adapter wants the API host, as Mastercard's APIs share one.
func New(creds []simulator.Credential, baseURL string, hc *http.Client) (*mcclient.Adapter, error) {
	baseURL = strings.TrimSuffix(strings.TrimSuffix(baseURL, "/"), "/src/api/digital/payments")
	byName := map[string]simulator.Credential{}
	for _, c := range creds {
		byName[c.Name] = c
	}
	var errs []error
	signing, err := pemkey.ParsePrivate(byName["signing-private-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("signing-private-key: %w", err))
	}
	fle, err := pemkey.ParsePrivate(byName["issuer-fle-private-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("issuer-fle-private-key: %w", err))
	}
	enc, err := pemkey.ParsePublic(byName["encryption-public-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("encryption-public-key: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the simulator's Mastercard credentials: %w", err)
	}
	return mcclient.New(mcclient.Config{BaseURL: baseURL, ConsumerKey: byName["consumer-key"].Value, SigningKey: signing,
		EncryptionKey: enc, SrcClientID: byName["src-client-id"].Value, ServiceID: byName["service-id"].Value,
		DirectoryID: byName["directory-id"].Value, DecryptionKey: fle, HTTPClient: hc})
}
