package simulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/c2psim/c2psim/simulator"
)

// The two benchmarks below send the same request over loopback HTTP with
// keep-alive: one through the whole engine (routing, auth, request and
// response validation, journal with redaction), one to a bare net/http
// handler doing the same JSON decode and encode. `make bench` reports their
// throughput ratio.

var benchBody = []byte(`{"binRange":"518600","artUri":"https://cdn.example/a.png","height":240,"width":380}`)

func BenchmarkEngineValidated(b *testing.B) {
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	benchPost(b, srv.URL+"/art/api/v1/art", http.Header{"X-Test-Key": {"k"}})
	if f := sim.Findings(); len(f) > 0 {
		b.Fatalf("findings: %v", f)
	}
}

func BenchmarkBareHandler(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]any{"artId": "art-0001", "binRange": in["binRange"], "artUri": in["artUri"], "status": "ACTIVE"})
	}))
	defer srv.Close()
	benchPost(b, srv.URL+"/art", nil)
}

func benchPost(b *testing.B, url string, hdr http.Header) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(benchBody))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range hdr {
				req.Header[k] = v
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
