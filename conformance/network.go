package conformance

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator"
)

// Network is what the harness needs to know of one network: how to build
// the bundled issuer's adapter for it, and how the simulator files a
// consumer's exchanges. Each network registers one, in init(), from its
// package under conformance/networks; conformance/networks/all chooses the
// compiled-in set. Adding a network to the harness is that one
// registration (and its scenarios and requirement statements).
type Network struct {
	ID requirements.Network
	// Wire builds the bundled client's adapter, callback codec included
	// where the network calls the issuer, from the simulator's sandbox
	// credentials and the network's base URL (simulator URL + base path).
	// The bundled target and the driver service (driverd) both use it.
	Wire func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error)
	// ClientCertificate, when set, is the client certificate the network's
	// two-way SSL takes, from the simulator's sandbox credentials. The
	// bundled target then also serves the simulator over TLS (requesting
	// client certificates) and wires the network over it: Wire gets an
	// https base URL and an HTTP client presenting the certificate.
	ClientCertificate func(creds []simulator.Credential) (tls.Certificate, error)
	// CallbackTLS, when set, is the TLS configuration of the issuer's
	// endpoint for the network's calls, where the network calls over mutual
	// TLS: it requires the network's client certificate. The bundled target
	// (and driverd) then serve that network's calls on a TLS listener of
	// their own, with a certificate of their own.
	CallbackTLS func(creds []simulator.Credential) (*tls.Config, error)
	// Owner is the issuer's own identifier at the network that the bundled
	// issuer enrols under (Visa's externalConsumerIDOwnerBID), empty when
	// the network has none.
	Owner string
	// ConsumerKey is the correlation ID the simulator journals a consumer's
	// calls under, from the identifiers the issuer reported; nil means the
	// consumer identifier itself.
	ConsumerKey func(ids NetworkIDs) string
	// EnrolOperation is the operation that carries a card to the network
	// when the issuer enrols it; ServerError and Validation are how that
	// operation refuses: a retryable server error and a terminal validation
	// refusal, each a status it declares with a code of the network's
	// envelope. The scenarios every network shares arm them as fault rules.
	EnrolOperation          string
	ServerError, Validation Refusal
	// Waits are the network's duration settings that delay an outcome the
	// cases wait for; the preflight refuses a value past 5 s, saying what
	// to set.
	Waits []string
	// The hooks the harness's own mutation tests build defects with
	// (Defect), never used in a real run. WrapCodec wraps the bundled
	// adapter so that event changes every call it decodes. Resign makes the
	// bundled issuer take the network's calls whatever their signature: the
	// credentials to wire it with, and what to do to each call before the
	// issuer reads it. FreshToken fetches a new access token.
	WrapCodec  func(a client.Adapter, event func(*client.NetworkEvent)) client.Adapter
	Resign     func(creds []simulator.Credential) (Unverified, error)
	FreshToken func(ctx context.Context, creds []simulator.Credential, baseURL string, hc *http.Client) (string, error)
}

// Unverified is what it takes to build an issuer that takes a network's
// calls whatever their signature (a mutation test's defect).
type Unverified struct {
	// Creds are the credentials to wire the issuer with.
	Creds []simulator.Credential
	// Transport, when set, wraps the issuer's client towards the network.
	Transport func(http.RoundTripper) http.RoundTripper
	// Resign is done to each of the network's calls before the issuer
	// reads it.
	Resign func(*http.Request) error
}

// Refusal is an HTTP status and the network's error code.
type Refusal struct {
	Status int
	Code   string
}

// NetworkIDs are the identifiers an issuer used on the wire for one
// consumer and card, as its driver reports them (openapi/driver.yaml): the
// issuer chooses them; the harness correlates through them.
type NetworkIDs struct {
	Consumer string `json:"consumer,omitempty"` // the consumer's identifier at the network
	Owner    string `json:"owner,omitempty"`    // the issuer's identifier the consumer's is scoped by (Visa BID)
	Card     string `json:"card,omitempty"`     // the card's identifier at the network
	Token    string `json:"token,omitempty"`    // the token reference the network returned
}

// Key is the correlation ID the simulator journals the consumer's calls
// under on network n.
func (n Network) Key(ids NetworkIDs) string {
	if n.ConsumerKey != nil {
		return n.ConsumerKey(ids)
	}
	return ids.Consumer
}

var (
	networksMu sync.RWMutex
	networks   = map[requirements.Network]Network{}
)

// RegisterNetwork is called in init() by a network's harness package.
// Registering a network twice, or one the catalog does not know, panics.
func RegisterNetwork(n Network) {
	networksMu.Lock()
	defer networksMu.Unlock()
	if n.ID.Prefix() == "" {
		panic(fmt.Sprintf("conformance: network %q is not in the requirement catalog", n.ID))
	}
	if _, dup := networks[n.ID]; dup {
		panic("conformance: network " + string(n.ID) + " registered twice")
	}
	if n.Wire == nil {
		panic("conformance: network " + string(n.ID) + " registered without Wire")
	}
	networks[n.ID] = n
}

// LookupNetwork returns a registered network.
func LookupNetwork(id string) (Network, bool) {
	networksMu.RLock()
	defer networksMu.RUnlock()
	n, ok := networks[requirements.Network(id)]
	return n, ok
}

// Networks lists the registered networks, sorted.
func Networks() []Network {
	networksMu.RLock()
	defer networksMu.RUnlock()
	out := make([]Network, 0, len(networks))
	for _, n := range networks {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RegisteredNetworks lists the registered networks' names, sorted.
func RegisteredNetworks() []string {
	ns := Networks()
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n.ID)
	}
	return out
}
