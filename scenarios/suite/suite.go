// Package suite is the conformance suite: every scenario package compiled
// in, and the harness installed around them. `go test ./scenarios/` runs it
// through ginkgo's test flags; the c2pconform binary runs it in its own
// process with the configuration it builds, so an issuer's CI needs only
// that one binary (no Go toolchain, no source tree).
package suite

import (
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/scenarios/amex"
	_ "github.com/c2psim/c2psim/scenarios/common"
	_ "github.com/c2psim/c2psim/scenarios/discover"
	_ "github.com/c2psim/c2psim/scenarios/mastercard"
	_ "github.com/c2psim/c2psim/scenarios/visa"
)

// Description names the suite in ginkgo's output.
const Description = "Click to Pay issuer conformance"

var _ = func() bool { conformance.Install(); return true }()

// Run runs the suite once in this process; args are ginkgo's
// (types.SuiteConfig, types.ReporterConfig), or none for the flags of go
// test. It reports whether every spec passed.
func Run(t ginkgo.GinkgoTestingT, args ...any) bool {
	gomega.RegisterFailHandler(ginkgo.Fail)
	return ginkgo.RunSpecs(t, Description, args...)
}
