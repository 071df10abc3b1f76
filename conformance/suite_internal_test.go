package conformance

import "testing"

func TestOutsideTargetSelectsByNetworkLabels(t *testing.T) {
	for _, c := range []struct {
		labels   []string
		networks []string
		skip     bool
	}{
		{[]string{"amex", "req:AX-SEC-07", "net:amex", "level:must"}, []string{"visa", "mastercard"}, true},
		{[]string{"net:amex"}, []string{"amex"}, false},
		{[]string{"req:C2P-SEC-10", "net:all"}, []string{"visa"}, false},
		{[]string{"net:visa", "net:amex"}, []string{"visa"}, false},
		{[]string{"callbacks"}, []string{"visa"}, false},
	} {
		if _, skip := outsideTarget(c.labels, c.networks); skip != c.skip {
			t.Errorf("outsideTarget(%v, %v) skip = %v, want %v", c.labels, c.networks, skip, c.skip)
		}
	}
}
