package simulator_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// The side-by-side comparison with bare net/http over loopback, c2psim
// running as it runs, is BenchmarkSideBySide in simulator/cmd/c2psim; the
// benchmarks here measure the engine in process.

// BenchmarkHostileFlood sends the journal's threat model, anonymous
// requests with a 60 KiB body and 40 KiB of headers, b.N times through the
// engine with the default journal bounds, then reads the largest journal
// page the admin API serves. It reports what stays: the journal's bytes and
// entries, the live heap after a collection, and what that page read
// allocated. Run it with -benchtime 10000x and 20000x: the figures are the
// same, memory is flat.
func BenchmarkHostileFlood(b *testing.B) {
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	h := sim.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, hostile(i))
		if rec.Code != http.StatusUnauthorized {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	held, _ := sim.Journal().Bytes()
	b.ReportMetric(float64(held)/(1<<20), "journal-MiB")
	b.ReportMetric(float64(sim.Journal().Len()), "entries")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
	before := ms.TotalAlloc
	rec := httptest.NewRecorder()
	page := httptest.NewRequest(http.MethodGet, "/_admin/journal?limit=1000", nil)
	page.Host = "localhost"
	h.ServeHTTP(rec, page)
	if rec.Code != http.StatusOK {
		b.Fatalf("journal page: %d", rec.Code)
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.TotalAlloc-before)/(1<<20), "page-read-alloc-MiB")
	b.ReportMetric(float64(rec.Body.Len())/(1<<20), "page-MiB")
}

// BenchmarkBareServeHTTP is BenchmarkEngineServeHTTP's request through
// the bare handler, in process: the floor the engine's figure compares
// with.
func BenchmarkBareServeHTTP(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]any{"artId": "art-0001", "binRange": in["binRange"], "artUri": in["artUri"], "status": "ACTIVE"})
	})
	b.ReportAllocs()
	cpu := processCPU()
	defer func() { reportCPU(b, cpu) }()
	serveArt(b, h)
}

// serveArt has h answer b.N art requests (benchUUIDBody, with a UUID
// request ID), each of which must be created.
func serveArt(b *testing.B, h http.Handler) {
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/art/api/v1/art", bytes.NewReader(benchUUIDBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Key", "k")
		req.Header.Set("X-Request-Id", "0f1e2d3c-4b5a-4968-8776-655443322110")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// processCPU is the process's CPU time so far (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start (cpu-us/op),
// which a loaded machine's scheduling does not inflate as it does ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e3, "cpu-us/op")
}

// benchUUIDBody is a harmless request whose identifiers look like digit
// groups: the redaction must decide quickly that there is nothing to mask.
var benchUUIDBody = []byte(`{"binRange":"518600","artUri":"https://cdn.example/53141213-1111-4111-8111-518600170000.png","height":240,"width":380}`)

// BenchmarkEngineServeHTTP is one validated, journalled request through the
// engine in process (no network), logged at info as the c2psim command logs
// (text, card numbers masked by pan.ReplaceAttr) to a file, with a UUID
// request ID: the engine's own CPU and allocations per request, which the
// loopback benchmarks hide under the HTTP stack.
func BenchmarkEngineServeHTTP(b *testing.B) {
	for _, lv := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run("log="+lv.String(), func(b *testing.B) {
			f, err := os.CreateTemp(b.TempDir(), "log")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			logger := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: lv, ReplaceAttr: pan.ReplaceAttr}))
			sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}, Seed: 1, Logger: logger})
			if err != nil {
				b.Fatal(err)
			}
			defer sim.Close()
			h := sim.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			defer func() { reportCPU(b, cpu) }()
			serveArt(b, h)
		})
	}
}
