package simulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A request the router sends to a network without the mux is one the mux
// sends to the same network, under its "/<id>/" pattern, without a
// redirect; the others go to the mux.
func TestRouterAgreesWithTheMux(t *testing.T) {
	sim, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	rt := sim.router
	var paths []string
	for _, m := range sim.networks {
		p := m.prefix
		paths = append(paths, p, p+"/", p+"//", p+"/a", p+"/a/", p+"/a//b", p+"/./a", p+"/a/.", p+"/a/..", p+"/../x",
			p+"/a/b/c", p+"/.well-known/jwks.json", p+"/a%2Fb", p+"/%61", p+"/a b", p+"/é", p+"/a/...", p+"x/a")
	}
	paths = append(paths, "/", "/_admin/", "/_admin/journal", "/metrics", "/nothing/here", "//mastercard/x", "*")
	direct := 0
	for _, p := range paths {
		for _, method := range []string{"GET", "POST", "CONNECT", "OPTIONS"} {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Method = method
			r.URL.Path, r.URL.RawPath = p, ""
			if u, err := r.URL.Parse(p); err == nil && p != "*" {
				r.URL = u
			}
			m := rt.direct(r)
			if m == nil {
				continue
			}
			direct++
			h, pattern := sim.mux.Handler(r)
			if h != http.Handler(m) || pattern != m.prefix+"/" {
				t.Errorf("%s %s: the router sends it to %s, the mux to pattern %q (%T)", method, p, m.id, pattern, h)
			}
		}
	}
	if direct == 0 {
		t.Fatal("no request went straight to a network")
	}
}
