package simulator_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// FuzzPipeline throws arbitrary methods, paths, content types, fault headers
// and bodies at the engine: it must never panic, never answer with a status
// the operation does not declare (whatever the X-C2PSim-Fault header asks
// for), and never let the simulator's own answer fail its document (a
// finding).
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
		{"POST", "/art/api/v1/art", "application/json", "status=599", goodBody},
		{"POST", "/art/api/v1/art", "application/json", "status=418; code=TEAPOT", goodBody},
		{"GET", "/art/api/v1/art/art-0001", "", "status=500; latency=1ms", ""},
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
	doc, err := openapi.LoadFS(openapi.FS, "examples/card-art.yaml")
	if err != nil {
		f.Fatal(err)
	}
	declares := map[string]func(int) bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			declares[op.OperationID] = func(status int) bool { return op.Responses.Status(status) != nil }
		}
	}
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
		var lastSeq uint64
		if last := sim.Journal().Find(journal.Query{Limit: 1}); len(last) == 1 {
			lastSeq = last[0].Seq
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		_, _ = io.Copy(io.Discard, rec.Body)
		if rec.Code == 0 || rec.Code >= 600 {
			t.Fatalf("status %d", rec.Code)
		}
		if e := sim.Journal().Find(journal.Query{AfterSeq: lastSeq, Limit: 1}); len(e) == 1 && e[0].OperationID != "" {
			if d := declares[e[0].OperationID]; e[0].Status != 0 && (d == nil || !d(e[0].Status)) {
				t.Fatalf("%s %q (fault %q): answered %d, which %s does not declare", method, path, fault, e[0].Status, e[0].OperationID)
			}
		}
		if f := sim.Findings(); len(f) > before {
			t.Fatalf("simulator finding for %s %q (%s, fault %q): %v", method, path, ctype, fault, f)
		}
	})
}
