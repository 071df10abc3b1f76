package pan

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// Known numbers found by their twelve-digit heads are masked, and reported,
// exactly as a search for every known number in every text masks them.
func TestKnownByHeadsAsBySearch(t *testing.T) {
	cards := []string{"5186001700001434", "5186001700004099", "518600170000409", "5186001700008785", "4111111111111111",
		"41111111111111112", "5186001700001434000", "373953192351004"}
	byHeads := NewRedactor(cards, nil)
	bySearch := byHeads
	bySearch.knownHeads = nil
	rng := rand.New(rand.NewPCG(1, 2))
	parts := append(append([]string(nil), cards...), "0", "7", "518600170000", "-", "a", "f", ".", "%2D", " ", "1111", "53141213-1111-4111-8111-")
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		var f1, f2 []Found
		got, want := byHeads.ScanText(s, "x", &f1), bySearch.ScanText(s, "x", &f2)
		if got != want || !reflect.DeepEqual(f1, f2) {
			t.Fatalf("%q: by heads %q %v, by search %q %v", s, got, f1, want, f2)
		}
	}
}
