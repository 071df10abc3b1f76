package mastercard

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"

	"github.com/c2psim/c2psim/client"
	mcclient "github.com/c2psim/c2psim/client/mastercard"
)

// breakEnv names a deliberate defect to build into the bundled Mastercard
// issuer, so the harness can prove it fails when an issuer misbehaves (see
// scenarios/selftest_test.go). Never set it for a real run.
const breakEnv = "C2P_SELFTEST_BREAK"

// forgetsEvents is an issuer defect: it gives every call Mastercard makes a
// new event ID, so a redelivered notification is applied again.
type forgetsEvents struct{ *mcclient.Adapter }

// DecodeCallback decodes the call and loses its identity.
func (f forgetsEvents) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	ev, err := f.Adapter.DecodeCallback(r)
	if err == nil {
		var b [8]byte
		_, _ = rand.Read(b[:])
		ev.ID = "forgotten-" + hex.EncodeToString(b[:])
	}
	return ev, err
}

// broken applies the defect named by breakEnv, if any.
func broken(a *mcclient.Adapter) client.Adapter {
	if os.Getenv(breakEnv) == "mc-duplicate-events" {
		return forgetsEvents{a}
	}
	return a
}
