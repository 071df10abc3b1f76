package simulator

import (
	"net/http"
	"net/url"
	"testing"
)

// A request to a fixed path finds, through the table built at mount, what
// the routers find: the same operation of the same document, or the same
// error, for every method, on every network (including the admin API).
func TestStaticRoutesAgreeWithTheRouters(t *testing.T) {
	sim, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	checked := 0
	for _, m := range append(sim.networks, sim.admin) {
		paths := map[string]bool{}
		for _, byPath := range m.static {
			for p := range byPath {
				paths[p] = true
			}
		}
		if len(paths) == 0 {
			continue
		}
		table := m.static
		for p := range paths {
			for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "post"} {
				req := &http.Request{Method: method, URL: &url.URL{Path: p}, Header: http.Header{}}
				m.static = table
				got, gotParams, gotErr := m.findRoute(req)
				m.static = nil
				want, wantParams, wantErr := m.findRoute(req)
				m.static = table
				if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
					t.Fatalf("%s %s %s: error %v, the routers say %v", m.id, method, p, gotErr, wantErr)
				}
				if gotErr == nil && (got.Operation != want.Operation || got.Spec != want.Spec || got.Path != want.Path || len(gotParams) != len(wantParams)) {
					t.Fatalf("%s %s %s: %s, the routers say %s", m.id, method, p, got.Operation.OperationID, want.Operation.OperationID)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d lookups compared", checked)
	}
}
