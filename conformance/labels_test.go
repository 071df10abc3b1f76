package conformance

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"

	"github.com/c2psim/c2psim/conformance/requirements"
)

func TestCaseLabelsAndMistakes(t *testing.T) {
	mistakesMu.Lock()
	saved, savedIDs := mistakes, caseIDs
	mistakes, caseIDs = nil, map[string]bool{}
	mistakesMu.Unlock()
	defer func() { mistakesMu.Lock(); mistakes, caseIDs = saved, savedIDs; mistakesMu.Unlock() }()

	labelsOf := func(d []any) string {
		return strings.Join(d[0].(ginkgo.Labels), " ")
	}
	got := labelsOf(Case(requirements.Visa, "enrol-complete", requirements.C2PEnr01, requirements.VIDat01))
	if want := "case:VI.enrol-complete net:visa req:C2P-ENR-01 req:VI-DAT-01 level:must"; got != want {
		t.Fatalf("labels = %s, want %s", got, want)
	}
	if got := labelsOf(Case(requirements.Discover, "enrol-complete", requirements.C2PEnr01)); got != "case:DS.enrol-complete net:discover req:C2P-ENR-01 level:must" {
		t.Fatalf("a shared slug on another network: %s", got)
	}
	if got := labelsOf(SimulatorCheck(requirements.Amex, "replayed-nonce")); got != "case:AX.replayed-nonce net:amex simulator-check" {
		t.Fatalf("simulator check labels = %s", got)
	}
	if err := CheckCatalog(); err != nil {
		t.Fatalf("valid labels reported: %v", err)
	}
	Case(requirements.Visa, "enrol-complete", requirements.C2PEnr01)
	Case(requirements.Visa, "twice", requirements.VIDat01, requirements.VIDat01)
	Case(requirements.Discover, "not-mine", requirements.VIDat01)
	Case(requirements.Amex, "nothing")
	Case(requirements.Amex, "Bad Slug!", requirements.C2PEnr01)
	Case(requirements.Network("jcb"), "x", requirements.C2PEnr01)
	Case(requirements.Visa, "forged", &requirements.Requirement{ID: "VI-XYZ-99"})
	err := CheckCatalog()
	if err == nil {
		t.Fatal("mistakes not reported")
	}
	for _, w := range []string{"VI.enrol-complete is used twice", "VI-DAT-01 given twice", "VI-DAT-01 does not apply to discover",
		"AX.nothing proves no requirement", "lower-case words", "unknown network \"jcb\"", "unknown requirement \"VI-XYZ-99\""} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q missing from %v", w, err)
		}
	}
}
