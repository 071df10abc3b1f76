// The conformance suite: one ginkgo entry that blank-imports every scenario
// package, so `go test ./scenarios/` (or a compiled suite binary) runs them
// all against the configured target (C2P_CONFIG; bundled by default).
package scenarios_test

import (
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/scenarios/amex"
	_ "github.com/c2psim/c2psim/scenarios/common"
	_ "github.com/c2psim/c2psim/scenarios/discover"
	_ "github.com/c2psim/c2psim/scenarios/mastercard"
	_ "github.com/c2psim/c2psim/scenarios/visa"
)

var _ = func() bool { conformance.Install(); return true }()

func TestConformance(t *testing.T) {
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(t, "Click to Pay issuer conformance")
}
