package pdfcheck

import (
	"testing"

	"github.com/c2psim/c2psim/client/pan"
)

// The PDF check finds what it is for: a card number standing alone, and
// one of the run's cards broken across lines.
func TestClearCardsFindsCards(t *testing.T) {
	const fullCard = "4111111145551140"
	masked := []string{pan.Mask(fullCard)}
	for text, want := range map[string]int{
		"pan " + fullCard + " end": 1, "4111111\n145551140": 1, "id 5186001700008785": 1,
		"411111******1140": 0, "hash ab1234567890123456cd": 0, "0123456789012345678901": 0,
	} {
		if got := ClearCards(text, masked); len(got) != want {
			t.Errorf("%q: found %v, want %d", text, got, want)
		}
	}
}
