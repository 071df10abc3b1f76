package simulator_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// adminDo sends one admin request with the given headers (Host is set on
// the request, as a browser would after DNS rebinding).
func adminDo(t *testing.T, srv *simtest.Server, method, path, body string, hdr ...string) result {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, raw: string(b)}
}

// seedJournal makes one journalled exchange, so a reset is visible.
func seedJournal(t *testing.T, srv *simtest.Server) {
	t.Helper()
	if r := do(t, srv, "POST", "/art/api/v1/art", "application/json", goodBody, "X-Test-Key", "k"); r.status != 201 {
		t.Fatalf("seeding: %d %s", r.status, r.raw)
	}
}

func TestAdminRefusesCrossSiteWrites(t *testing.T) {
	srv := start(t, &artNet{})
	host := strings.TrimPrefix(srv.URL, "http://")
	cases := []struct {
		name   string
		hdr    []string
		body   string
		status int
		says   string
	}{
		// An HTML form on another site posting to the simulator.
		{"form post from another origin", []string{"Origin", "http://evil.example", "Content-Type", "application/x-www-form-urlencoded"}, "a=b", 403, "another origin"},
		{"fetch from another site (Sec-Fetch-Site)", []string{"Sec-Fetch-Site", "cross-site"}, "", 403, "another origin"},
		{"fetch from a sibling site (Sec-Fetch-Site)", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://localhost:3000"}, "", 403, "another origin"},
		{"opaque origin", []string{"Origin", "null"}, "", 403, "another origin"},
		{"same-origin text body", []string{"Origin", "http://" + host, "Content-Type", "text/plain"}, "x", 415, "application/json"},
		{"body without a content type", nil, "{}", 415, "application/json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seedJournal(t, srv)
			before := srv.Sim.Journal().Len()
			r := adminDo(t, srv, "POST", "/_admin/reset", c.body, c.hdr...)
			if r.status != c.status || !strings.Contains(r.raw, c.says) {
				t.Fatalf("POST /_admin/reset = %d %s, want %d naming %q", r.status, r.raw, c.status, c.says)
			}
			if srv.Sim.Journal().Len() != before {
				t.Fatal("a refused reset wiped the journal")
			}
		})
	}
	// The simulator's own page, and a client that is not a browser, may.
	seedJournal(t, srv)
	if r := adminDo(t, srv, "POST", "/_admin/reset", "", "Origin", "http://"+host, "Sec-Fetch-Site", "same-origin"); r.status != 204 || srv.Sim.Journal().Len() != 0 {
		t.Fatalf("same-origin reset = %d %s", r.status, r.raw)
	}
	seedJournal(t, srv)
	if r := adminDo(t, srv, "POST", "/_admin/reset", ""); r.status != 204 || srv.Sim.Journal().Len() != 0 {
		t.Fatalf("curl-style reset = %d %s", r.status, r.raw)
	}
	if r := adminDo(t, srv, "POST", "/_admin/faults", `{"network":"art","status":400}`, "Content-Type", "application/json; charset=utf-8"); r.status != 201 {
		t.Fatalf("JSON write = %d %s", r.status, r.raw)
	}
}

func TestAdminTrustsConfiguredOrigins(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}},
		Admin: simulator.AdminOptions{Origins: []string{"http://console.example:3000"}}})
	if r := adminDo(t, srv, "POST", "/_admin/reset", "", "Origin", "http://console.example:3000", "Sec-Fetch-Site", "cross-site"); r.status != 204 {
		t.Fatalf("trusted origin = %d %s", r.status, r.raw)
	}
	if r := adminDo(t, srv, "POST", "/_admin/reset", "", "Origin", "http://console.example:3001"); r.status != 403 {
		t.Fatalf("another port of the trusted host = %d %s", r.status, r.raw)
	}
	if _, err := simulator.New(simulator.Options{Networks: []string{}, Admin: simulator.AdminOptions{Origins: []string{"console.example"}}}); err == nil {
		t.Fatal("an origin without a scheme was accepted")
	}
}

// A page on evil.example whose name the attacker rebinds to 127.0.0.1 sends
// Host: evil.example; it must not read the admin API (private keys).
func TestAdminRefusesForeignHostNames(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}},
		Admin: simulator.AdminOptions{Hosts: []string{"c2psim.internal:8080", "192.0.2.7"}}})
	for _, host := range []string{"evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example"} {
		for _, path := range []string{"/_admin/networks/art/credentials", "/_admin/journal", "/_admin/"} {
			r := adminDo(t, srv, "GET", path, "", "Host", host)
			if r.status != 403 || !strings.Contains(r.raw, "--admin-host") {
				t.Errorf("GET %s with Host %q = %d %s, want 403 naming --admin-host", path, host, r.status, r.raw)
			}
		}
	}
	for _, host := range []string{"localhost", "LOCALHOST:9", "127.0.0.1:1", "127.1.2.3", "[::1]:80", "c2psim.internal", "c2psim.internal:1234", "192.0.2.7:80"} {
		if r := adminDo(t, srv, "GET", "/_admin/networks/art/credentials", "", "Host", host); r.status != 200 {
			t.Errorf("Host %q = %d %s, want 200", host, r.status, r.raw)
		}
	}
	// The network APIs themselves answer any name (they authenticate callers).
	if r := adminDo(t, srv, "GET", "/art/api/v1/art/art-0001", "", "X-Test-Key", "k", "Host", "issuer.example"); r.status != 404 {
		t.Errorf("network API = %d", r.status)
	}
}

func TestAdminTokenIsRequiredWhenConfigured(t *testing.T) {
	const tok = "s3cret-token"
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}},
		Admin: simulator.AdminOptions{Token: tok}})
	for _, c := range []struct {
		name   string
		hdr    []string
		status int
	}{
		{"no token", nil, 401},
		{"wrong token", []string{"Authorization", "Bearer nope"}, 401},
		{"another scheme", []string{"Authorization", "Basic " + tok}, 401},
		{"bearer", []string{"Authorization", "Bearer " + tok}, 200},
		{"cookie", []string{"Cookie", simulator.AdminTokenCookie + "=" + tok}, 200},
	} {
		if r := adminDo(t, srv, "GET", "/_admin/networks/art/credentials", "", c.hdr...); r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.raw, c.status)
		}
	}
	seedJournal(t, srv)
	if r := adminDo(t, srv, "POST", "/_admin/reset", ""); r.status != 401 || srv.Sim.Journal().Len() == 0 {
		t.Fatalf("reset without the token = %d", r.status)
	}
	// The console page and the health check stay open (liveness probes, and
	// the page asks for the token itself).
	for _, p := range []string{"/_admin/", "/_admin/health"} {
		if r := adminDo(t, srv, "GET", p, ""); r.status != 200 {
			t.Errorf("GET %s without the token = %d", p, r.status)
		}
	}
	// A token does not lift the host and origin checks.
	if r := adminDo(t, srv, "GET", "/_admin/journal", "", "Authorization", "Bearer "+tok, "Host", "evil.example"); r.status != 403 {
		t.Errorf("token with a foreign host = %d", r.status)
	}
}

func TestCallbackTargetsRefuseLinkLocalAndPrivateAddresses(t *testing.T) {
	srv := start(t, &artNet{})
	put := func(url string) result {
		return do(t, srv, "PUT", "/_admin/networks/art/callback", "application/json", `{"url":"`+url+`"}`)
	}
	for url, says := range map[string]string{
		"http://169.254.169.254/latest/meta-data": "metadata",
		"http://169.254.10.1/":                    "link-local",
		"http://[fe80::1]:8080/":                  "link-local",
		"http://[fd00:ec2::254]/":                 "metadata",
		"http://metadata.google.internal/":        "metadata",
		"http://10.1.2.3:9090/issuer":             "--callback-allow 10.0.0.0/8",
		"http://192.168.0.10/":                    "--callback-allow",
		"http://[::ffff:169.254.169.254]/":        "metadata",
		"http://0.0.0.0:9090/":                    "unicast",
		"ftp://127.0.0.1/":                        "http://",
	} {
		if r := put(url); r.status != 400 || !strings.Contains(r.raw, says) {
			t.Errorf("PUT callback %s = %d %s, want 400 naming %q", url, r.status, r.raw, says)
		}
	}
	if got := srv.Sim.CallbackTarget("art").URL; got != "" {
		t.Fatalf("a refused target was stored: %q", got)
	}
	for _, url := range []string{"http://127.0.0.1:9090/issuer", "http://localhost:9090", "https://issuer.example/c2p"} {
		if r := put(url); r.status != 200 {
			t.Errorf("PUT callback %s = %d %s", url, r.status, r.raw)
		}
	}

	allowed := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}},
		CallbackNetworks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	if err := allowed.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: "http://10.1.2.3:9090/issuer"}); err != nil {
		t.Errorf("an allowed private range was refused: %v", err)
	}
	if err := allowed.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: "http://169.254.169.254/"}); err == nil {
		t.Error("allowing a private range opened the metadata address")
	}
}

// A callback URL that passes the check can still lead to a refused address
// (a redirect, a name resolving there): the connection itself is refused.
func TestCallbacksDoNotFollowRedirectsToRefusedAddresses(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}})
	issuer := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect))
	defer issuer.Close()
	if err := srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: issuer.URL, RetrySchedule: []time.Duration{}, Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	_, err := n.notify(context.Background(), `{"artId":"a","status":"RETIRED"}`)
	if err == nil || !strings.Contains(err.Error(), "metadata address") {
		t.Fatalf("redirect to the metadata address: %v", err)
	}
}
