package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// startRun runs the command until the test ends and returns its HTTP base.
func startRun(t *testing.T, args ...string) (base string, stdout, stderr *lockedBuffer) {
	t.Helper()
	base, stdout, stderr, stop := runUntil(t, args...)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return base, stdout, stderr
}

// runUntil runs the command until stop, which returns what it returned,
// and returns its HTTP base once it serves.
func runUntil(tb testing.TB, args ...string) (base string, stdout, stderr *lockedBuffer, stop func() error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel) // a test that fails before stop stops it too
	ready := make(chan string, 1)
	done := make(chan error, 1)
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	go func() { done <- run(ctx, args, stdout, stderr, ready) }()
	select {
	case base = <-ready:
	case err := <-done:
		cancel()
		tb.Fatalf("exited early: %v\n%s", err, stderr.String())
	}
	return base, stdout, stderr, func() error { cancel(); return <-done }
}

func get(t *testing.T, url string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Listening on every interface without a token: one is generated, printed
// (with the console URL carrying it) and required; a warning says so.
func TestAllInterfacesWithoutTokenGeneratesOne(t *testing.T) {
	base, stdout, stderr := startRun(t, "--addr", "0.0.0.0:0", "--networks", "amex", "--log-level", "warn")
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base %q: want a dialable loopback URL", base)
	}
	m := regexp.MustCompile(`/_admin/#token=([A-Za-z0-9_-]{32})\n`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no generated token printed:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "no admin token was given") {
		t.Errorf("no warning:\n%s", stderr.String())
	}
	token := m[1]
	if s := get(t, base+"/_admin/networks"); s != 401 {
		t.Errorf("without the token: %d", s)
	}
	if s := get(t, base+"/_admin/networks", "Authorization", "Bearer "+token); s != 200 {
		t.Errorf("with the token: %d", s)
	}
	if s := get(t, base+"/_admin/health"); s != 200 {
		t.Errorf("health: %d", s)
	}
	if s := get(t, base+"/_admin/networks", "Authorization", "Bearer "+token, "Host", "evil.example"); s != 403 {
		t.Errorf("foreign host: %d", s)
	}
}

func TestAdminFlagsAndEnvironment(t *testing.T) {
	t.Setenv("C2PSIM_ADMIN_TOKEN", "from-env")
	t.Setenv("C2PSIM_ADMIN_HOSTS", "c2psim, sim.example")
	base, stdout, _ := startRun(t, "--addr", "127.0.0.1:0", "--networks", "amex", "--log-level", "warn", "--admin-host", "extra.example")
	if strings.Contains(stdout.String(), "from-env") {
		t.Error("a token the user chose was printed")
	}
	for _, h := range []string{"c2psim:80", "sim.example", "extra.example"} {
		if s := get(t, base+"/_admin/networks", "Authorization", "Bearer from-env", "Host", h); s != 200 {
			t.Errorf("Host %s: %d", h, s)
		}
	}
	if s := get(t, base+"/_admin/networks"); s != 401 {
		t.Errorf("a token on loopback is still required: %d", s)
	}
}

func TestAdminOptionsForListenAddresses(t *testing.T) {
	for _, c := range []struct {
		addr, tls, token string
		generated        bool
		host             string
	}{
		{"127.0.0.1:8080", "", "", false, ""},
		{"localhost:8080", "", "", false, ""},
		{"[::1]:8080", "127.0.0.1:8443", "", false, ""},
		{"127.0.0.1:8080", "0.0.0.0:8443", "", true, ""},
		{":8080", "", "", true, ""},
		{"192.0.2.10:8080", "", "", true, "192.0.2.10"},
		{"192.0.2.10:8080", "", "mine", false, "192.0.2.10"},
	} {
		o, generated, err := adminOptions(&config{addr: c.addr, tlsAddr: c.tls, adminToken: c.token})
		if err != nil {
			t.Fatal(err)
		}
		if generated != c.generated || (o.Token == "") == (c.generated || c.token != "") {
			t.Errorf("%s %s: generated=%v token=%q", c.addr, c.tls, generated, o.Token)
		}
		if c.host != "" && !strings.Contains(strings.Join(o.Hosts, ","), c.host) {
			t.Errorf("%s: hosts %v lack %s", c.addr, o.Hosts, c.host)
		}
	}
	if _, err := parseCallbackAllow([]string{"10.0.0.0/8", "192.0.2.1", "private", "nope", "1.2.3.4/99"}); err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "1.2.3.4/99") {
		t.Errorf("bad --callback-allow values: %v", err)
	}
}

// A request still running when the process is told to stop is answered
// (its injected latency ends), and the process exits cleanly.
func TestShutdownDrainsRunningRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--networks", "amex", "--log-level", "warn", "--shutdown-timeout", "10m",
			"--spec", "cardart=" + filepath.Join("..", "..", "..", "openapi", "examples", "card-art.yaml")}, io.Discard, io.Discard, ready)
	}()
	base := <-ready
	rule, err := http.Post(base+"/_admin/faults", "application/json", strings.NewReader(`{"network":"cardart","latency":"5m"}`))
	if err != nil || rule.StatusCode != 201 {
		t.Fatalf("fault rule: %v %v", rule, err)
	}
	rule.Body.Close()
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/cardart/api/v1/art", "application/json", strings.NewReader(`{"binRange":"518600","artUri":"https://x/a.png"}`))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	// The request is running once the rule has matched it.
	for {
		resp, err := http.Get(base + "/_admin/faults")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `"hits":1`) {
			break
		}
		runtime.Gosched()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if status := <-answered; status != 201 {
		t.Fatalf("the running request got %d, want its answer (201)", status)
	}
}

// A start from --credentials-dir uses the keys and credentials an earlier
// start wrote there: an issuer configured from the files keeps working.
func TestCredentialsDirKeepsCredentialsAcrossStarts(t *testing.T) {
	dir := t.TempDir()
	read := func() map[string]string {
		base, _, stderr := startRun(t, "--addr", "127.0.0.1:0", "--log-level", "warn", "--credentials-dir", dir)
		out := map[string]string{}
		for _, n := range []string{"amex", "discover", "mastercard", "visa"} {
			resp, err := http.Get(base + "/_admin/networks/" + n + "/credentials")
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Items []struct{ Name, Kind, Value, KeyID string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, c := range body.Items {
				if c.Kind == "certificate" {
					continue // re-issued for the same key; the saved one stays trusted
				}
				out[n+"/"+c.Name] = c.Kind + " " + c.KeyID + " " + c.Value
			}
		}
		if strings.Contains(stderr.String(), "level=ERROR") {
			t.Errorf("errors at start:\n%s", stderr.String())
		}
		return out
	}
	first := read()
	second := read()
	if len(first) < 20 {
		t.Fatalf("only %d credentials", len(first))
	}
	for k, v := range first {
		if second[k] != v {
			t.Errorf("%s changed across starts", k)
		}
	}
}
