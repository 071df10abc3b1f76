package simulator

import (
	"testing"
)

// Every JSON schema the four networks and the admin API validate requests,
// answers and plaintexts with is compiled at mount: none falls back to
// kin-openapi (schemacheck's differential test proves the compiled
// checkers report what kin-openapi reports).
func TestEveryServedSchemaIsCompiled(t *testing.T) {
	sim, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	sim.checks.mu.RLock()
	defer sim.checks.mu.RUnlock()
	if len(sim.checks.m) < 100 {
		t.Fatalf("only %d schemas compiled at mount", len(sim.checks.m))
	}
	for k, ch := range sim.checks.m {
		if ch == nil {
			t.Errorf("not compiled (direction %d): %+v", k.dir, k.s)
		}
	}
}
