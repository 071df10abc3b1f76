package mastercard_test

import (
	"strings"
	"testing"
)

// emailAddress is format: email in the enrolment document: a malformed
// address is a 400 naming the field, and nothing is enrolled.
func TestEnrolmentRefusesMalformedEmail(t *testing.T) {
	_, c := start(t)
	for _, email := range []string{"a..b@example.com", ".ada@example.com", "ada.@example.com", "ada@example", "ada@-example.com", "ada@exa_mple.com", "ada lovelace@example.com", "ada@@example.com", `"ada"@example.com`} {
		a := c.send(c.body("5186001700008785", func(m map[string]any) {
			m["consumer"].(map[string]any)["emailAddress"] = email
		}), nil)
		if a.status != 400 || !strings.Contains(a.raw, "emailAddress") {
			t.Errorf("emailAddress %q: %d %s, want 400 naming emailAddress", email, a.status, a.raw)
		}
	}
	for _, email := range []string{"ada@example.com", "ada.lovelace+c2p@mail.example.co.uk", "o'brien@example.ie"} {
		a := c.send(c.body("5186001700008785", func(m map[string]any) {
			m["consumer"].(map[string]any)["emailAddress"] = email
		}), nil)
		if a.status != 200 && a.status != 409 {
			t.Errorf("emailAddress %q: %d %s", email, a.status, a.raw)
		}
	}
}
