// Package visa registers Visa with the conformance harness: the bundled
// adapter, callbacks included, built from a simulator's sandbox credentials,
// and the deliberate defects the harness's own mutation tests build into it.
package visa

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client"
	visaclient "github.com/c2psim/c2psim/client/visa"
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
		// VICA files a consumer's calls under its owner BID and its ID.
		ConsumerKey: func(ids conformance.NetworkIDs) string { return ids.Owner + "/" + ids.Consumer },
		Defects: map[string]func(client.Adapter) client.Adapter{
			"retry-terminal": func(a client.Adapter) client.Adapter { return retriesTerminal{a.(*visaclient.CallbackAdapter)} },
		},
	})
}

// New builds the adapter with its callback codec.
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
	a, err := visaclient.New(visaclient.Config{
		BaseURL: baseURL, APIKey: byName["api-key"].Value, SharedSecret: byName["shared-secret"].Value,
		KeyID: byName["mle-key-id"].Value, ServerKey: pub, ClientKey: priv, BID: BID,
		HTTPClient: hc,
	})
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
	return a.WithCallbacks(visaclient.CallbackConfig{
		SigningKeys: func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == signing.KeyID },
	}), nil
}

// retriesTerminal is an issuer defect: it marks every refusal retryable, so
// terminal errors (an expired or foreign card) are sent again and again.
type retriesTerminal struct{ *visaclient.CallbackAdapter }

func (r retriesTerminal) mark(err error) error {
	var ne *client.NetworkError
	if errors.As(err, &ne) {
		cp := *ne
		cp.Retryable = true
		return &cp
	}
	return err
}

// EnrolCard retries what must not be retried.
func (r retriesTerminal) EnrolCard(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	op, err := r.Adapter.EnrolCard(ctx, c, k)
	return op, r.mark(err)
}

// AddCard retries what must not be retried.
func (r retriesTerminal) AddCard(ctx context.Context, ref string, k client.Card) (*client.Operation, error) {
	op, err := r.Adapter.AddCard(ctx, ref, k)
	return op, r.mark(err)
}
