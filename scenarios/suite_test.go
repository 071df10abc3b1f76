// The conformance suite under go test: `go test ./scenarios/` runs every
// scenario against the configured target (C2P_CONFIG; bundled by default).
// The same suite is compiled into the c2pconform binary.
package scenarios_test

import (
	"testing"

	"github.com/c2psim/c2psim/scenarios/suite"
)

func TestConformance(t *testing.T) { suite.Run(t) }
