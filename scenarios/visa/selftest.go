package visa

import (
	"context"
	"errors"
	"os"

	"github.com/c2psim/c2psim/client"
	visaclient "github.com/c2psim/c2psim/client/visa"
)

// BreakEnv names a deliberate defect to build into the bundled Visa issuer,
// so the harness can prove it fails when an issuer misbehaves (see
// scenarios/selftest_test.go). Never set it for a real run.
const BreakEnv = "C2P_SELFTEST_BREAK"

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

// broken applies the defect named by BreakEnv, if any.
func broken(a *visaclient.CallbackAdapter) client.Adapter {
	switch os.Getenv(BreakEnv) {
	case "retry-terminal":
		return retriesTerminal{a}
	}
	return a
}
