package conformance

import (
	"strings"
	"testing"

	"github.com/c2psim/c2psim/conformance/requirements"
)

func TestReqLabelsAndMistakes(t *testing.T) {
	mistakesMu.Lock()
	saved := mistakes
	mistakes = nil
	mistakesMu.Unlock()
	defer func() { mistakesMu.Lock(); mistakes = saved; mistakesMu.Unlock() }()

	labels := Req(requirements.VIEnr01, requirements.VIDat01)
	want := "req:VI-ENR-01 req:VI-DAT-01 net:visa level:must"
	if got := strings.Join(labels, " "); got != want {
		t.Fatalf("labels = %s, want %s", got, want)
	}
	if got := strings.Join(Req(requirements.C2PSec10), " "); got != "req:C2P-SEC-10 net:all level:must" {
		t.Fatalf("cross-network labels = %s", got)
	}
	if err := CheckCatalog(); err != nil {
		t.Fatalf("valid labels reported: %v", err)
	}
	Req(requirements.VIEnr01, requirements.VIEnr01)
	Req(requirements.VIEnr01, requirements.DSSec08)
	Req()
	Req(requirements.Requirement{ID: "VI-XYZ-99"})
	err := CheckCatalog()
	if err == nil {
		t.Fatal("mistakes not reported")
	}
	for _, w := range []string{"given twice", "several networks", "without a requirement", "unknown requirement \"VI-XYZ-99\""} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q missing from %v", w, err)
		}
	}
}
