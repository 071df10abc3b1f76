package mountpath_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/c2psim/c2psim/client/internal/mountpath"
)

func TestCandidates(t *testing.T) {
	for _, c := range []struct {
		url, prefix string
		want        []string
	}{
		{"https://h/src/cards", "", []string{"https://h/src/cards"}},
		{"https://h/src/cards", "/", []string{"https://h/src/cards"}},
		{"https://h/amex/v3/tokens?x=1", "/amex", []string{"https://h/amex/v3/tokens?x=1", "https://h/v3/tokens?x=1"}},
		{"https://h/v3/tokens", "/amex/", []string{"https://h/v3/tokens", "https://h/amex/v3/tokens"}},
		// Only a whole segment counts as the prefix.
		{"https://h/amexico/v3", "/amex", []string{"https://h/amexico/v3", "https://h/amex/amexico/v3"}},
		// An escaped path keeps its escaping on both candidates.
		{"https://h/mastercard/a%2Fb", "/mastercard", []string{"https://h/mastercard/a%2Fb", "https://h/a%2Fb"}},
		{"https://h/a%2Fb", "/mastercard", []string{"https://h/a%2Fb", "https://h/mastercard/a%2Fb"}},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		before := u.String()
		var got []string
		for _, cand := range mountpath.Candidates(u, c.prefix) {
			got = append(got, cand.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Candidates(%s, %q) = %q, want %q", c.url, c.prefix, got, c.want)
		}
		if u.String() != before {
			t.Errorf("Candidates changed its argument to %s", u)
		}
	}
}
