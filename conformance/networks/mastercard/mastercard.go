// Package mastercard registers Mastercard with the conformance harness:
// the bundled adapter built from a simulator's sandbox credentials (a
// working example of the keys and IDs an issuer needs), and the deliberate
// defects the harness's own mutation tests build into it.
package mastercard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client"
	mcclient "github.com/c2psim/c2psim/client/mastercard"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/mastercard"
)

func init() {
	conformance.RegisterNetwork(conformance.Network{ID: requirements.Mastercard,
		Waits:          []string{"batchDelay"},
		EnrolOperation: "putCard",
		ServerError:    conformance.Refusal{Status: 503, Code: "UNAVAILABLE"},
		Validation:     conformance.Refusal{Status: 400, Code: "INVALID_ARGUMENT"},
		Wire: func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
			return New(creds, baseURL, hc)
		},
		WrapCodec: func(a client.Adapter, event func(*client.NetworkEvent)) client.Adapter {
			return codec{a.(*mcclient.Adapter), event}
		},
	})
}

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

// codec changes every call it decodes (the mutation tests' defects).
type codec struct {
	*mcclient.Adapter
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
