package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/pprof/profile"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestServesHealthAndShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var stdout, stderr lockedBuffer
	dir := t.TempDir()
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--seed", "7", "--log-format", "json",
			"--spec", "cardart=" + filepath.Join("..", "..", "..", "openapi", "examples", "card-art.yaml"),
			"--credentials-dir", dir}, &stdout, &stderr, ready)
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("exited early: %v\n%s", err, stderr.String())
	}
	resp, err := http.Get(base + "/_admin/health")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Status string `json:"status"`
		Seed   int64  `json:"seed"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health.Status != "ok" || health.Seed != 7 {
		t.Fatalf("health = %+v", health)
	}
	out := stdout.String()
	if !strings.Contains(out, base+"/_admin/") || !strings.Contains(out, "cardart") {
		t.Errorf("start-up lines missing admin or network URLs:\n%s", out)
	}
	resp, err = http.Post(base+"/cardart/api/v1/art", "application/json", strings.NewReader(`{"binRange":"518600","artUri":"https://x/a.png"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("spec-only network: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(stderr.String(), `"msg":"exchange"`) {
		t.Errorf("no JSON exchange log line:\n%s", stderr.String())
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

func TestConfigurationErrorsAreReportedTogether(t *testing.T) {
	err := run(context.Background(), []string{"--set", "nodot", "--spec", "Bad Name=x.yaml"}, &bytes.Buffer{}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "nodot") || !strings.Contains(err.Error(), "Bad Name") {
		t.Fatalf("err = %v", err)
	}
	if err := run(context.Background(), []string{"--log-format", "xml"}, &bytes.Buffer{}, &bytes.Buffer{}, nil); err == nil {
		t.Fatal("bad log format accepted")
	}
}

func TestLogsNeverCarryCardNumbers(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		logger, err := newLogger(format, "info", &buf)
		if err != nil {
			t.Fatal(err)
		}
		logger.Info("refused card 5186001700008785", "path", "/x/5186001700008785", "error", errors.New("bad card 5186 0017 0000 8785"))
		if out := buf.String(); strings.Contains(out, "5186001700008785") || strings.Contains(out, "0017 0000") {
			t.Errorf("%s log carries a card number: %s", format, out)
		}
	}
}

func TestLogRedactionKeepsOddValues(t *testing.T) {
	var buf bytes.Buffer
	logger, err := newLogger("json", "info", &buf)
	if err != nil {
		t.Fatal(err)
	}
	var nilURL *url.URL
	var nilErr *os.PathError
	logger.Info("odd", "url", nilURL, "err", error(nilErr), "n", json.Number("7"))
	if out := buf.String(); !strings.Contains(out, `"n":7`) {
		t.Errorf("a json.Number changed form: %s", out)
	}
}

// BenchmarkStartToHealthy measures what a user waits for: from starting the
// command with all four networks to its first healthy answer, with keys
// generated (in the background) and with keys saved by an earlier start
// (--credentials-dir). Start-up time is measured here, never asserted in a
// test.
func BenchmarkStartToHealthy(b *testing.B) {
	dir := b.TempDir()
	startToHealthy(b, "--credentials-dir", dir) // writes the keys once
	b.Run("generated-keys", func(b *testing.B) {
		for b.Loop() {
			startToHealthy(b)
		}
	})
	b.Run("saved-credentials", func(b *testing.B) {
		for b.Loop() {
			startToHealthy(b, "--credentials-dir", dir)
		}
	})
}

// startToHealthy starts the command, waits for its health check to answer,
// and stops it outside the timer.
func startToHealthy(b *testing.B, args ...string) {
	base, _, _, stop := runUntil(b, append([]string{"--addr", "127.0.0.1:0", "--log-level", "error"}, args...)...)
	resp, err := http.Get(base + "/_admin/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	b.StopTimer()
	if err := stop(); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
}

// --cpu-profile writes a CPU profile of the run, readable by pprof, once
// the command has stopped; a path it cannot write stops it at start.
func TestCPUProfileCoversTheRun(t *testing.T) {
	if f := flag.Lookup("test.cpuprofile"); f != nil && f.Value.String() != "" {
		t.Skip("the test binary is profiling itself (-cpuprofile): a process has one CPU profile")
	}
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	base, _, _, stop := runUntil(t, "--addr", "127.0.0.1:0", "--log-level", "error", "--networks", "discover", "--cpu-profile", path)
	resp, err := http.Get(base + "/_admin/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	readCPUProfile(t, path)
	err = run(context.Background(), []string{"--cpu-profile", filepath.Join(t.TempDir(), "missing", "cpu.pprof")}, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "--cpu-profile") {
		t.Fatalf("an unwritable profile path: %v", err)
	}
}

// readCPUProfile reads the CPU profile at path.
func readCPUProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("%s does not parse as a profile: %v", path, err)
	}
	if len(p.SampleType) == 0 || p.SampleType[len(p.SampleType)-1].Type != "cpu" {
		t.Fatalf("%s is not a CPU profile: %v", path, p.SampleType)
	}
	return p
}

// default.pgo, the profile every build of the command is optimised with, is
// a CPU profile of the engine at work (an empty or foreign file would turn
// the optimisation off without a word): make pgo remakes it.
func TestBuildProfileIsTheEngines(t *testing.T) {
	p := readCPUProfile(t, "default.pgo")
	if len(p.Sample) < 1000 {
		t.Fatalf("default.pgo holds %d samples: not a run under load (make pgo remakes it)", len(p.Sample))
	}
	want := map[string]bool{
		"github.com/c2psim/c2psim/simulator.(*exchange).run":                         false, // every request
		"github.com/c2psim/c2psim/simulator/networks/mastercard.(*enrolAPI).putCard": false, // the enrolment
	}
	for _, fn := range p.Function {
		if _, ok := want[fn.Name]; ok {
			want[fn.Name] = true
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("default.pgo never saw %s: make pgo remakes it", name)
		}
	}
}
