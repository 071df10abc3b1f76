package store

import (
	"fmt"
	"testing"
)

// An index value's key set goes from none to one key to many and back,
// the empty key included, and lists what it holds.
func TestKeySet(t *testing.T) {
	var s keySet
	if !s.empty() || s.keys() != nil {
		t.Fatal("zero set is not empty")
	}
	want := map[string]bool{}
	check := func(step string) {
		t.Helper()
		got := map[string]bool{}
		for _, k := range s.keys() {
			got[k] = true
		}
		if len(got) != len(want) || len(s.keys()) != len(want) || s.empty() != (len(want) == 0) {
			t.Fatalf("%s: keys %v, want %v", step, s.keys(), want)
		}
		for k := range want {
			if !got[k] {
				t.Fatalf("%s: keys %v lack %q", step, s.keys(), k)
			}
		}
	}
	for _, step := range []struct {
		add bool
		k   string
	}{{true, ""}, {true, ""}, {true, "a"}, {true, "b"}, {false, ""}, {false, "a"}, {false, "zz"}, {true, "a"}, {false, "b"}, {false, "a"}, {false, "a"}} {
		if step.add {
			s = s.with(step.k)
			want[step.k] = true
		} else {
			s = s.without(step.k)
			delete(want, step.k)
		}
		check(fmt.Sprintf("%v %q", step.add, step.k))
	}
}
