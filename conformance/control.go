package conformance

import (
	"context"
	"fmt"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// Control is how scenarios observe and steer the simulator: the journal,
// fault rules, callback targets, network-initiated triggers and reset. The
// in-process implementation wraps a *simulator.Simulator; an admin-API one
// speaks openapi/admin.yaml to a running c2psim, so one scenario runs
// unchanged against either target.
type Control interface {
	Journal(ctx context.Context, q journal.Query) ([]journal.Entry, error)
	AddFault(ctx context.Context, r fault.Rule) (fault.Rule, error)
	DeleteFault(ctx context.Context, id string) error
	Faults(ctx context.Context) ([]fault.Rule, error)
	ClearFaults(ctx context.Context) error
	Trigger(ctx context.Context, network, name string, params map[string]any) (map[string]any, error)
	Credentials(ctx context.Context, network string) ([]simulator.Credential, error)
	// Networks describes the mounted networks: documents, operations and
	// their fidelity, test cards by outcome, triggers, settings, callback.
	Networks(ctx context.Context) ([]simulator.NetworkInfo, error)
	// SetCallback registers where a network's calls to the issuer go.
	SetCallback(ctx context.Context, network string, t simulator.CallbackTarget) error
	// Health is the simulator's own account of itself.
	Health(ctx context.Context) (Health, error)
	// Findings are what the simulator saw the issuer do that no network
	// accepts (a card number in clear outside the fields that may carry
	// one), on network after journal entry afterSeq; masked.
	Findings(ctx context.Context, network string, afterSeq uint64) ([]simulator.IssuerFinding, error)
	Reset(ctx context.Context) error
}

// Health is what GET /_admin/health says.
type Health struct {
	Status    string   `json:"status"`
	Version   string   `json:"version"`
	Networks  []string `json:"networks"`
	Seed      int64    `json:"seed"`
	StartedAt string   `json:"startedAt"`
	Revision  string   `json:"revision,omitempty"` // the simulator's build revision
}

// InProcess controls a simulator in this process.
type InProcess struct{ Sim *simulator.Simulator }

var _ Control = InProcess{}

// Journal implements Control.
func (c InProcess) Journal(_ context.Context, q journal.Query) ([]journal.Entry, error) {
	return c.Sim.Journal().Find(q), nil
}

// AddFault implements Control.
func (c InProcess) AddFault(_ context.Context, r fault.Rule) (fault.Rule, error) {
	return c.Sim.AddFault(r)
}

// DeleteFault implements Control.
func (c InProcess) DeleteFault(ctx context.Context, id string) error {
	ok, err := c.Sim.DeleteFault(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no fault rule %q", id)
	}
	return nil
}

// Faults implements Control.
func (c InProcess) Faults(ctx context.Context) ([]fault.Rule, error) {
	return c.Sim.FaultRules(ctx)
}

// Networks implements Control.
func (c InProcess) Networks(context.Context) ([]simulator.NetworkInfo, error) {
	return c.Sim.Info(), nil
}

// SetCallback implements Control.
func (c InProcess) SetCallback(_ context.Context, network string, t simulator.CallbackTarget) error {
	return c.Sim.SetCallbackTarget(network, t)
}

// Findings implements Control.
func (c InProcess) Findings(_ context.Context, network string, afterSeq uint64) ([]simulator.IssuerFinding, error) {
	items, _ := c.Sim.IssuerFindings(network, afterSeq)
	return items, nil
}

// Health implements Control.
func (c InProcess) Health(context.Context) (Health, error) {
	return Health{Status: "ok", Version: simulator.Version, Networks: c.Sim.Networks(), Seed: c.Sim.Seed(), Revision: BuildRevision()}, nil
}

// ClearFaults implements Control.
func (c InProcess) ClearFaults(ctx context.Context) error { return c.Sim.ClearFaults(ctx) }

// Trigger implements Control.
func (c InProcess) Trigger(ctx context.Context, network, name string, params map[string]any) (map[string]any, error) {
	return c.Sim.Trigger(ctx, network, name, params)
}

// Credentials implements Control.
func (c InProcess) Credentials(_ context.Context, network string) ([]simulator.Credential, error) {
	return c.Sim.Credentials(network), nil
}

// Reset implements Control.
func (c InProcess) Reset(ctx context.Context) error { return c.Sim.Reset(ctx) }
