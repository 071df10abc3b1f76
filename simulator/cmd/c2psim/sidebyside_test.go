package main

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/mastercard/oauth1"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
)

// The benchmarks in this file measure the real path: the c2psim command as
// it runs (run, the logger at its default level writing to a file, every
// network mounted) in a process of its own, loaded over loopback by
// clients in this process, side by side with a bare net/http server and a
// net/http server doing kin-openapi validation alone, each in a process of
// its own too. Load windows alternate between the servers round after
// round, so all of them see the same machine load, and each server reports
// its own CPU time (getrusage), so the CPU cost per request of each is
// known exactly even on a loaded machine where wall-clock throughput is
// noisy. `make bench` runs them.

var (
	rounds  = flag.Int("sidebyside.rounds", 15, "load windows per server (enrolment windows for BenchmarkEnrolmentBound)")
	window  = flag.Duration("sidebyside.window", 300*time.Millisecond, "length of one load window")
	clients = flag.Int("sidebyside.clients", 32, "concurrent keep-alive clients")
)

// serveEnv names the server a re-executed test binary runs
// (TestSideBySideServer).
const serveEnv = "C2PSIM_SIDEBYSIDE_SERVE"

// TestSideBySideServer is not a test: it is how BenchmarkSideBySide runs
// its bare and kin-openapi servers in processes of their own (the test
// binary again, with serveEnv set). It serves until its standard input
// closes, after printing its base URL.
func TestSideBySideServer(t *testing.T) {
	mode := os.Getenv(serveEnv)
	if mode == "" {
		t.Skip("run by BenchmarkSideBySide")
	}
	var h http.Handler = http.HandlerFunc(bareArt)
	switch mode {
	case "kin":
		var err error
		if h, err = kinOnly(); err != nil {
			t.Fatal(err)
		}
	case "rsa":
		h = bareRSA()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); _ = srv.Close() }()
	fmt.Printf("serving http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		t.Fatal(err)
	}
}

var cardArt = filepath.Join("..", "..", "..", "openapi", "examples", "card-art.yaml")

// bareArt is the bare net/http handler: decode the JSON body, answer JSON.
func bareArt(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"artId": "art-0001", "binRange": in["binRange"], "artUri": in["artUri"], "height": 240, "width": 380, "status": "ACTIVE"})
}

// bareRSA is the least server an enrolment needs: bare net/http that
// decodes the JSON body and does an enrolment's RSA work, one OAEP decrypt
// and one PKCS #1 v1.5 verify (of a ciphertext and a signature made at
// start), and answers JSON. What it costs over the RSA bound is what any
// HTTP server on the machine costs: the ceiling of enrol-%bound.
func bareRSA() http.Handler {
	k := boundKey()
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, make([]byte, 32), nil)
	if err != nil {
		panic(err)
	}
	digest := sha256.Sum256([]byte("base string"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if _, err := rsa.DecryptOAEP(sha256.New(), nil, k, ct, nil); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"srcCorrelationId": in["srcCorrelationId"], "srcConsumerId": "0f1e2d3c-4b5a-4968-8776-655443322110"})
	})
}

// kinOnly is net/http with kin-openapi validation alone, as its own
// example shows: find the route, validate the request, answer as bareArt
// does, validate the answer.
func kinOnly() (http.Handler, error) {
	doc, err := openapi.Load("examples/card-art.yaml")
	if err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: "/cardart/api/v1"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := router.FindRoute(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var v map[string]any
		_ = json.Unmarshal(body, &v)
		out, _ := json.Marshal(map[string]any{"artId": "art-0001", "binRange": v["binRange"], "artUri": v["artUri"], "height": 240, "width": 380, "status": "ACTIVE"})
		h := http.Header{"Content-Type": {"application/json"}}
		if err := openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: http.StatusCreated, Header: h, Body: io.NopCloser(bytes.NewReader(out)),
			Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(out)
	}), nil
}

// A server process.
type server struct {
	name, base string
	cmd        *exec.Cmd
}

// startServer starts the bare or kin-openapi server (the test binary
// again), or c2psim itself (the binary as built) with args; what the
// process writes on its standard error (c2psim's log) goes to a file.
func startServer(b *testing.B, name string, args ...string) *server {
	b.Helper()
	var cmd *exec.Cmd
	if name == "prism" {
		return startPrism(b)
	}
	if name == "bare" || name == "kin" || name == "rsa" {
		exe, err := os.Executable()
		if err != nil {
			b.Fatal(err)
		}
		cmd = exec.Command(exe, "-test.run=^TestSideBySideServer$")
		cmd.Env = append(os.Environ(), serveEnv+"="+name)
	} else {
		cmd = exec.Command(binary(b), append([]string{"--addr", "127.0.0.1:0", "--seed", "1"}, args...)...)
	}
	logf, err := os.Create(filepath.Join(b.TempDir(), name+".log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = logf
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &server{name: name, cmd: cmd}
	b.Cleanup(func() {
		_ = stdin.Close() // the test binary's server stops when its input closes
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = logf.Close()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 2 && f[0] == "serving":
				found <- f[1]
			case len(f) == 2 && f[0] == "admin":
				found <- strings.TrimSuffix(f[1], "/_admin/")
			}
		}
	}()
	select {
	case s.base = <-found:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%s did not start", name)
	}
	return s
}

// prismBin is Stoplight Prism as `make bench-deps` installs it.
var prismBin = filepath.Join("testdata", "prism", "node_modules", ".bin", "prism")

// startPrism starts `prism mock` on the card-art document, or returns nil
// when Prism is not installed.
func startPrism(b *testing.B) *server {
	if _, err := os.Stat(prismBin); err != nil {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	art, _ := filepath.Abs(cardArt)
	cmd := exec.Command(prismBin, "mock", "-h", "127.0.0.1", "-p", fmt.Sprint(port), art)
	logf, err := os.Create(filepath.Join(b.TempDir(), "prism.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })
	s := &server{name: "prism", base: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(s.base + "/"); err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			b.Fatal("prism did not start")
		}
	}
}

// cpu returns the server process's CPU time so far: the sum of its
// threads' time on a CPU as the scheduler counts it (nanoseconds).
func (s *server) cpu(b *testing.B) time.Duration {
	dir := fmt.Sprintf("/proc/%d/task", s.cmd.Process.Pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		b.Fatalf("reading %s's CPU time: %v", s.name, err)
	}
	var ns int64
	for _, t := range tasks {
		raw, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue // the thread has just exited
		}
		var onCPU int64
		if _, err := fmt.Sscan(string(raw), &onCPU); err == nil {
			ns += onCPU
		}
	}
	return time.Duration(ns)
}

// threadCPU is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID;
// lock the goroutine to its thread first).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// A load window's result.
type sample struct {
	n   int
	d   time.Duration // wall clock
	cpu time.Duration // the server's CPU time
}

func (s sample) rate() float64   { return float64(s.n) / s.d.Seconds() }
func (s sample) cpuPer() float64 { return float64(s.cpu) / float64(s.n) }
func ratio(num, den []float64) []float64 {
	return zipWith(num, den, func(a, b float64) float64 { return a / b })
}

func zipWith(a, b []float64, f func(a, b float64) float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = f(a[i], b[i])
	}
	return out
}

func spread(xs []float64) (lo, med, hi float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[0], s[len(s)/2], s[len(s)-1]
}

// loadFor sends req() from n clients for d and counts the good answers.
func loadFor(b *testing.B, s *server, n int, d time.Duration, req func(i int64) (*http.Request, int)) sample {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var count, seq atomic.Int64
	var failed atomic.Value
	cpu0, t0 := s.cpu(b), time.Now()
	deadline := t0.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				r, want := req(seq.Add(1))
				resp, err := client.Do(r)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					failed.Store(fmt.Sprintf("%s answered %d, want %d", s.name, resp.StatusCode, want))
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	out := sample{n: int(count.Load()), d: time.Since(t0), cpu: s.cpu(b) - cpu0}
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	if out.n == 0 {
		b.Fatalf("%s answered nothing in %v", s.name, d)
	}
	return out
}

var artBody = []byte(`{"binRange":"518600","artUri":"https://cdn.example/53141213-1111-4111-8111-518600170000.png","height":240,"width":380}`)

// BenchmarkSideBySide is the validated card-art POST, `wrk -t2 -c32`
// style, against c2psim's spec-only path (`c2psim --spec cardart=...`,
// every network mounted, info log, journal), bare net/http, net/http with
// kin-openapi validation alone and, when `make bench-deps` installed it,
// Stoplight Prism (`prism mock`), in alternating windows. It reports, as
// the median and the range over the rounds of each ratio:
//
//   - engine-%bare-cpu: bare net/http's server CPU per request over
//     c2psim's: the throughput ratio when the CPU is the limit, which the
//     load of other processes moves far less than it moves wall-clock
//     figures (engine-%bare-cpu-all pools every round);
//   - engine-%bare: c2psim's requests per second over bare net/http's in
//     the same round (wall clock, noisy on a loaded machine);
//   - kin-%bare-cpu and kin-%bare: the same for kin-openapi alone;
//   - engine-x-prism-cpu and engine-x-prism: c2psim over Prism;
//   - each server's CPU microseconds per request and requests per second.
func BenchmarkSideBySide(b *testing.B) {
	art, err := filepath.Abs(cardArt)
	if err != nil {
		b.Fatal(err)
	}
	// --credentials-dir: the networks' keys are made before c2psim serves
	// (it writes them out first), not by background workers during the
	// first rounds, where their CPU would count as the requests'.
	servers := []*server{startServer(b, "bare"), startServer(b, "kin"), startServer(b, "engine", "--spec", "cardart="+art, "--credentials-dir", b.TempDir())}
	if p := startPrism(b); p != nil {
		servers = append(servers, p)
	} else {
		b.Log("Prism is not installed (make bench-deps): no Prism figures")
	}
	req := func(s *server) func(int64) (*http.Request, int) {
		url := s.base + "/cardart/api/v1/art"
		if s.name == "prism" {
			url = s.base + "/art" // Prism serves the paths without the server's base path
		}
		return func(int64) (*http.Request, int) {
			r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(artBody))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Request-Id", "0f1e2d3c-4b5a-4968-8776-655443322110")
			return r, http.StatusCreated
		}
	}
	for _, s := range servers { // warm up: connections, caches, the heap, Prism's JIT
		loadFor(b, s, *clients, *window, req(s))
	}
	rate := map[string][]float64{}
	cpu := map[string][]float64{}
	total := map[string]sample{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := range *rounds {
			for j := range servers {
				s := servers[(r+j)%len(servers)] // a different one first each round
				got := loadFor(b, s, *clients, *window, req(s))
				rate[s.name] = append(rate[s.name], got.rate())
				cpu[s.name] = append(cpu[s.name], got.cpuPer())
				t := total[s.name]
				t.n, t.d, t.cpu = t.n+got.n, t.d+got.d, t.cpu+got.cpu
				total[s.name] = t
			}
		}
	}
	b.StopTimer()
	report := func(name, base, unit string, scale float64) {
		if _, ok := total[name]; !ok {
			return
		}
		if _, ok := total[base]; !ok {
			return
		}
		lo, med, hi := spread(ratio(cpu[base], cpu[name]))
		b.ReportMetric(scale*med, name+unit+"-cpu")
		b.ReportMetric(scale*lo, name+unit+"-cpu-min")
		b.ReportMetric(scale*hi, name+unit+"-cpu-max")
		b.ReportMetric(scale*total[base].cpuPer()/total[name].cpuPer(), name+unit+"-cpu-all")
		lo, med, hi = spread(ratio(rate[name], rate[base]))
		b.ReportMetric(scale*med, name+unit)
		b.ReportMetric(scale*lo, name+unit+"-min")
		b.ReportMetric(scale*hi, name+unit+"-max")
	}
	report("engine", "bare", "-%bare", 100)
	report("kin", "bare", "-%bare", 100)
	report("prism", "bare", "-%bare", 100)
	// c2psim over Prism: Prism's CPU per request over c2psim's.
	if _, ok := total["prism"]; ok {
		lo, med, hi := spread(ratio(cpu["prism"], cpu["engine"]))
		b.ReportMetric(med, "engine-x-prism-cpu")
		b.ReportMetric(lo, "engine-x-prism-cpu-min")
		b.ReportMetric(hi, "engine-x-prism-cpu-max")
		lo, med, hi = spread(ratio(rate["engine"], rate["prism"]))
		b.ReportMetric(med, "engine-x-prism")
		b.ReportMetric(lo, "engine-x-prism-min")
		b.ReportMetric(hi, "engine-x-prism-max")
	}
	for _, s := range servers {
		_, med, _ := spread(cpu[s.name])
		b.ReportMetric(med/1e3, s.name+"-cpu-us/req")
		_, med, _ = spread(rate[s.name])
		b.ReportMetric(med, s.name+"-req/s")
	}
}

// BenchmarkEnrolmentBound is a Mastercard enrolment (OAuth 1.0a RSA-SHA256
// verify with body hash, card JWE decrypt with RSA-OAEP-256, request,
// plaintext and answer validation, the enrolment, the journal) against
// c2psim as it runs, measured by the server's CPU time per enrolment, next
// to its RSA-2048 bound measured in the same run: one OAEP decrypt and one
// PKCS #1 v1.5 verify, timed as thread CPU before and after each round's
// windows. enrol-%bound is the bound over the enrolment's cost (median and
// range over the rounds): 100 % would be an engine that costs nothing but
// the RSA work. bare-rsa-%bound is the
// same figure for bareRSA, a server that does nothing but that RSA work,
// sent the same requests in the same rounds: the ceiling on this machine.
// enrol-%bare-rsa is bareRSA's CPU per request over the enrolment's, round
// by round: two servers measured alike in the same round, so the machine's
// drift moves it least.
func BenchmarkEnrolmentBound(b *testing.B) {
	dir := b.TempDir()
	s := startServer(b, "mastercard", "--networks", "mastercard", "--credentials-dir", dir)
	raw, err := os.ReadFile(filepath.Join(dir, "mastercard.json"))
	if err != nil {
		b.Fatal(err)
	}
	var list []simulator.Credential
	if err := json.Unmarshal(raw, &list); err != nil {
		b.Fatal(err)
	}
	creds := map[string]string{}
	for _, c := range list {
		creds[c.Name] = c.Value
	}
	key, err := pemkey.ParsePrivate(creds["signing-private-key"])
	if err != nil {
		b.Fatal(err)
	}
	pub, err := pemkey.ParsePublic(creds["encryption-public-key"])
	if err != nil {
		b.Fatal(err)
	}
	// Each enrolment is a new card for a new consumer: the card JWE is
	// made ahead (encrypting is the issuer's cost).
	cardJWE := func(i int64) string {
		plain, _ := json.Marshal(map[string]any{"primaryAccountNumber": luhnPAN("518600", i), "panExpirationMonth": "12", "panExpirationYear": "2030",
			"cardholderFullName": "Ada Lovelace", "billingAddress": map[string]any{"line1": "1 Main Street", "city": "London", "countryCode": "GB"}})
		jwe, err := encryption.Encrypt(plain, pub)
		if err != nil {
			panic(err)
		}
		return jwe
	}
	signer := &oauth1.Signer{ConsumerKey: creds["consumer-key"], Key: key}
	u, _ := url.Parse(s.base + "/mastercard/src/api/digital/payments/cards")
	// Requests are signed ahead of each window: signing is the issuer's
	// cost, and this process's CPU is not what is measured anyway.
	type signed struct {
		body []byte
		auth string
	}
	var next atomic.Int64
	prepare := func(n int) []signed {
		out := make([]signed, n)
		var wg sync.WaitGroup
		for w := range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := w; i < n; i += runtime.GOMAXPROCS(0) {
					n := next.Add(1)
					body, _ := json.Marshal(map[string]any{
						"srcClientId": creds["src-client-id"], "serviceId": creds["service-id"], "srcCorrelationId": "0f1e2d3c-4b5a-4968-8776-655443322110",
						"externalCredentialId": fmt.Sprintf("k%d", n),
						"consumer": map[string]any{"externalConsumerId": fmt.Sprintf("bench-%d", n), "firstName": "Ada", "lastName": "Lovelace",
							"consumerIdentity": map[string]any{"identityType": "EMAIL_ADDRESS", "identityValue": "ada@example.com"}, "languageCode": "en", "countryCode": "GB"},
						"cardSource": "ISSUER", "complianceSettings": map[string]any{"privacy": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},
							"tnc": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},
						"encryptedCard": cardJWE(n),
					})
					auth, err := signer.Header(http.MethodPost, u, body)
					if err != nil {
						panic(err)
					}
					out[i] = signed{body, auth}
				}
			})
		}
		wg.Wait()
		return out
	}
	// The same requests to bareRSA, the ceiling: what an HTTP server that
	// does nothing but the RSA work reaches on this machine.
	ceiling := startServer(b, "rsa")
	const perWindow = 150
	var ratios, costs, bounds, ceilings, ofCeiling []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for range *rounds {
			b.StopTimer()
			reqs := prepare(perWindow)
			b.StartTimer()
			// The bound is measured on each side of the round's windows and
			// averaged: the machine's speed drifts (on a shared machine by a
			// factor of two within minutes), and a drift over the round
			// then moves both the bound and the cost alike.
			before := rsaBound(b, 20)
			var at atomic.Int64
			got := loadN(b, s, 4, perWindow, func() (*http.Request, int) {
				r := reqs[at.Add(1)-1]
				req, _ := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(r.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", r.auth)
				return req, http.StatusOK
			})
			at.Store(0)
			bare := loadN(b, ceiling, 4, perWindow, func() (*http.Request, int) {
				req, _ := http.NewRequest(http.MethodPost, ceiling.base+u.Path, bytes.NewReader(reqs[at.Add(1)-1].body))
				req.Header.Set("Content-Type", "application/json")
				return req, http.StatusOK
			})
			bound := (before + rsaBound(b, 20)) / 2
			costs = append(costs, got.cpuPer())
			bounds = append(bounds, float64(bound))
			ratios = append(ratios, float64(bound)/got.cpuPer())
			ceilings = append(ceilings, float64(bound)/bare.cpuPer())
			ofCeiling = append(ofCeiling, bare.cpuPer()/got.cpuPer())
		}
	}
	b.StopTimer()
	lo, med, hi := spread(ratios)
	b.ReportMetric(100*med, "enrol-%bound")
	b.ReportMetric(100*lo, "enrol-%bound-min")
	b.ReportMetric(100*hi, "enrol-%bound-max")
	_, med, _ = spread(costs)
	b.ReportMetric(med/1e3, "enrol-cpu-us")
	_, med, _ = spread(bounds)
	b.ReportMetric(med/1e3, "rsa-bound-us")
	_, med, _ = spread(ceilings)
	b.ReportMetric(100*med, "bare-rsa-%bound")
	lo, med, hi = spread(ofCeiling)
	b.ReportMetric(100*med, "enrol-%bare-rsa")
	b.ReportMetric(100*lo, "enrol-%bare-rsa-min")
	b.ReportMetric(100*hi, "enrol-%bare-rsa-max")
}

// loadN sends exactly n requests from c clients and measures the server.
func loadN(b *testing.B, s *server, c, n int, req func() (*http.Request, int)) sample {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	defer client.CloseIdleConnections()
	var left atomic.Int64
	left.Store(int64(n))
	var failed atomic.Value
	cpu0, t0 := s.cpu(b), time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				r, want := req()
				resp, err := client.Do(r)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					failed.Store(fmt.Sprintf("%s answered %d, want %d: %s", s.name, resp.StatusCode, want, msg))
					return
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	return sample{n: n, d: time.Since(t0), cpu: s.cpu(b) - cpu0}
}

// luhnPAN is a 16-digit card number: bin, then i, then the Luhn check digit.
func luhnPAN(bin string, i int64) string {
	body := fmt.Sprintf("%s%09d", bin, i)
	sum := 0
	for j := len(body) - 1; j >= 0; j-- {
		d := int(body[j] - '0')
		if (len(body)-1-j)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + string(rune('0'+(10-sum%10)%10))
}

var boundKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// rsaBound is the thread CPU time of one RSA-2048 OAEP (SHA-256) decrypt
// and one PKCS #1 v1.5 (SHA-256) verify, the least an enrolment costs,
// the median of n measurements.
func rsaBound(b *testing.B, n int) time.Duration {
	k := boundKey()
	cek := make([]byte, 32)
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, cek, nil)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("base string"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ts := make([]float64, n)
	for i := range ts {
		t0 := threadCPU()
		if _, err := rsa.DecryptOAEP(sha256.New(), nil, k, ct, nil); err != nil {
			b.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
		ts[i] = float64(threadCPU() - t0)
	}
	_, med, _ := spread(ts)
	return time.Duration(med)
}
