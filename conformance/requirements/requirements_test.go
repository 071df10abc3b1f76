package requirements

import (
	"regexp"
	"testing"
)

var idPattern = regexp.MustCompile(`^(MC|VI|AX|DS|C2P)-(ENR|DAT|LCM|NTF|SEC|ERR|IDM)-[0-9]{2}$`)

func TestCatalogIsWellFormed(t *testing.T) {
	prefix := map[string]string{"MC": "mastercard", "VI": "visa", "AX": "amex", "DS": "discover", "C2P": ""}
	all := All()
	if len(all) < 90 {
		t.Fatalf("catalog has %d requirements", len(all))
	}
	for _, r := range all {
		m := idPattern.FindStringSubmatch(r.ID)
		if m == nil {
			t.Errorf("%s: ID does not match %s", r.ID, idPattern)
			continue
		}
		if prefix[m[1]] != r.Network {
			t.Errorf("%s: network %q does not match its prefix", r.ID, r.Network)
		}
		if r.Title == "" || (r.Level != Must && r.Level != Should) || r.Area == "" {
			t.Errorf("%s: title, level and area are required: %+v", r.ID, r)
		}
		if r.Network != "" && r.Source == "" {
			t.Errorf("%s: a network requirement needs its public source", r.ID)
		}
	}
	if _, ok := Lookup("vi-enr-01"); !ok {
		t.Error("Lookup is not case-insensitive")
	}
}
