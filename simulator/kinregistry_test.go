package simulator

import "testing"

func TestCheckEmail(t *testing.T) {
	for _, ok := range []string{"ada@example.com", "a.b-c+d@mail.example.co.uk", "x@a.io", "o'brien@example.ie", "1@2.example"} {
		if err := checkEmail(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ada", "a..b@example.com", ".a@example.com", "a.@example.com", "a@b@example.com",
		"a@example", "a@.example.com", "a@example..com", "a@-x.com", "a@x-.com", "a@x_y.com", "a b@example.com",
		`"a"@example.com`, "a@[127.0.0.1]", "a@example.123", "a@exämple.com", "(c)a@example.com"} {
		if err := checkEmail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
