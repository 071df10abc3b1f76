package requirements

import (
	"strings"
	"testing"
)

func TestFeaturesAreWellFormed(t *testing.T) {
	if p := CheckFeatures(); len(p) > 0 {
		t.Fatalf("feature problems:\n%s", strings.Join(p, "\n"))
	}
	for _, n := range Networks() {
		fs := Features(n)
		mandatory, optional := 0, 0
		groups := map[string]int{}
		for _, f := range fs {
			if f.Title == "" || f.Why == "" {
				t.Errorf("%s.%s: title and why are required", n, f.ID)
			}
			if f.Mandatory {
				mandatory++
				if f.Group != "" {
					t.Errorf("%s.%s: a mandatory feature belongs to no group", n, f.ID)
				}
			} else {
				optional++
			}
			if f.Group != "" {
				groups[f.Group]++
			}
			for _, op := range f.Driver {
				if g, ok := FeatureOfDriver(n, op); !ok || g != f {
					t.Errorf("%s: driver operation %s belongs to two features", n, op)
				}
			}
		}
		for g, k := range groups {
			if k < 2 {
				t.Errorf("%s: group %s has one feature: a group is a choice", n, g)
			}
		}
		if mandatory == 0 || optional == 0 {
			t.Errorf("%s: %d mandatory and %d optional features", n, mandatory, optional)
		}
		if f, ok := LookupFeature(n, "enrolment"); !ok || !f.Mandatory {
			t.Errorf("%s: enrolment is not a mandatory feature", n)
		}
	}
}
