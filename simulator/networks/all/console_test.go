package all_test

import (
	"testing"

	"github.com/c2psim/c2psim/simulator"
)

// Every network shows its state to the console and describes its triggers
// (the console builds its forms from the catalogue, and the admin API holds
// a trigger's parameters to it; the engine checks the catalogue names every
// trigger).
func TestEveryNetworkDescribesItsTriggersAndState(t *testing.T) {
	for _, id := range simulator.Registered() {
		n, err := simulator.NewNetwork(id)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := n.(simulator.StateViewer); !ok {
			t.Errorf("%s shows no state (simulator.StateViewer)", id)
		}
		if tr, ok := n.(simulator.Triggerer); ok {
			if _, ok := n.(simulator.TriggerDescriber); !ok {
				t.Errorf("%s has triggers %v but no catalogue (simulator.TriggerDescriber)", id, tr.Triggers())
			}
		}
	}
}
