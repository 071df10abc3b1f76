// Package discover holds the Discover Click to Pay conformance scenarios and
// registers the bundled Discover adapter with the harness.
package discover

import (
	"net/http"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/scenarios/discover/wiring"
	"github.com/c2psim/c2psim/simulator"
)

func init() {
	conformance.RegisterSampleCards("discover", wiring.SampleCards...)
	conformance.RegisterOutcomeCard("discover", conformance.OutcomeAnswerLost, answerLostCard)
	conformance.RegisterNetwork("discover", func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
		return wiring.New(creds, baseURL, hc)
	})
}
