package simulator_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/c2psim/c2psim/simulator"
)

// FuzzPipeline throws arbitrary methods, paths, content types, headers and
// bodies at the engine: it must never panic, never answer with a status the
// operation does not declare, and never let the simulator's own answer fail
// its document (a finding).
func FuzzPipeline(f *testing.F) {
	seeds := []struct{ method, path, ctype, fault, body string }{
		{"POST", "/art/api/v1/art", "application/json", "", goodBody},
		{"POST", "/art/api/v1/art", "application/json", "", `{"binRange":1}`},
		{"POST", "/art/api/v1/art", "text/plain", "", "x"},
		{"GET", "/art/api/v1/art/art-0001", "", "status=404", ""},
		{"POST", "/art/api/v1/art", "application/json; charset=utf-8", "latency=1ms", `{"binRange":"518600","artUri":"u","height":-1}`},
		{"DELETE", "/art/api/v1/art", "", "", ""},
		{"POST", "/art/api/v1/art", "application/json", "", `{"binRange":518600,"artUri":"u","binRange":"518600"}`},
		{"POST", "/_admin/faults", "application/json", "", `{"status":"x"}`},
		{"PUT", "/_admin/networks/art/callback", "application/json", "", `{"url":"ftp://x"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.ctype, s.fault, []byte(s.body))
	}
	n := &artNet{}
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{n}, Seed: 1, MaxBodyBytes: 2048,
		Admin: simulator.AdminOptions{Hosts: []string{"sim"}}})
	if err != nil {
		f.Fatal(err)
	}
	h := sim.Handler()
	f.Fuzz(func(t *testing.T, method, path, ctype, fault string, body []byte) {
		if len(path) == 0 || path[0] != '/' {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://sim"+path, bytes.NewReader(body))
		if err != nil {
			return // not an HTTP request a client could send
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if fault != "drop" && fault != "" {
			req.Header.Set("X-C2PSim-Fault", fault)
		}
		req.Header.Set("X-Test-Key", "k")
		before := len(sim.Findings())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		_, _ = io.Copy(io.Discard, rec.Body)
		if rec.Code == 0 || rec.Code >= 600 {
			t.Fatalf("status %d", rec.Code)
		}
		if f := sim.Findings(); len(f) > before {
			t.Fatalf("simulator finding for %s %q (%s, fault %q): %v", method, path, ctype, fault, f)
		}
	})
}
