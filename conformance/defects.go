package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/internal/pause"
	"github.com/c2psim/c2psim/simulator"
)

// The harness proves it can fail: the bundled issuer can be built with one
// deliberate defect (C2P_DEFECT, bundled target only, never in a real run)
// and the mutation test checks that the suite fails exactly the defect's
// requirements on every network it applies to, and nothing else.

// Defect is one deliberate issuer defect and where it is built in; every
// hook is optional.
type Defect struct {
	Name        string
	Description string
	// Networks it applies to; empty means every registered network. A
	// network-specific hook (Network.Resign) further limits it.
	Networks []string
	// Breaks are the requirements the suite must fail on each network the
	// defect applies to (per network when they differ: "mastercard" key),
	// and fail alone.
	Breaks map[string][]string
	// Transport wraps the issuer's HTTP client towards network n.
	Transport func(n Network, creds []simulator.Credential, baseURL string, next http.RoundTripper) http.RoundTripper
	// Driver wraps the issuer's driver API; log is the issuer's logger.
	Driver func(next http.Handler, log *slog.Logger) http.Handler
	// Sleep replaces the issuer's wait between retries and polls.
	Sleep func(ctx context.Context, d time.Duration) error
	// Event changes every network call the issuer decodes, before it is
	// recorded and applied (through Network.WrapCodec).
	Event func(ev *client.NetworkEvent)
	// Unverified makes the issuer take network calls whatever their
	// signature says (through Network.Resign).
	Unverified bool
	// CallbackTLS changes the TLS configuration of the issuer's endpoint
	// for a network that calls over mutual TLS (Network.CallbackTLS).
	CallbackTLS func(*tls.Config) *tls.Config
}

// BreaksOn is what the defect must fail on network n.
func (d Defect) BreaksOn(n string) []string {
	if b, ok := d.Breaks[n]; ok {
		return b
	}
	return d.Breaks["*"]
}

// AppliesTo reports whether the defect can be built into network n.
func (d Defect) AppliesTo(n Network) bool {
	if len(d.Networks) > 0 && !contains(d.Networks, string(n.ID)) {
		return false
	}
	if d.Unverified && n.Resign == nil {
		return false
	}
	if d.Event != nil && n.WrapCodec == nil {
		return false
	}
	if d.CallbackTLS != nil && n.CallbackTLS == nil {
		return false
	}
	return true
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Defects lists the defects, sorted by name.
func Defects() []Defect {
	out := append([]Defect(nil), defects...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupDefect finds a defect by name.
func LookupDefect(name string) (Defect, bool) {
	for _, d := range defects {
		if d.Name == name {
			return d, true
		}
	}
	return Defect{}, false
}

func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type panKey struct{}

// withPAN remembers, for the defects that leak it, the card number a driver
// call is about.
func withPAN(r *http.Request) *http.Request {
	if r.Method != http.MethodPost || r.URL.Path != "/enrolments" {
		return r
	}
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var in struct {
		Card struct {
			PAN string `json:"pan"`
		} `json:"card"`
	}
	if json.Unmarshal(b, &in) != nil || in.Card.PAN == "" {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), panKey{}, in.Card.PAN))
}

func panOf(ctx context.Context) string { s, _ := ctx.Value(panKey{}).(string); return s }

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// rewriteJSON changes every JSON answer of a handler.
func rewriteJSON(next http.Handler, change func(map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			change(m)
			body, _ = json.Marshal(m)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// undedup marks the part of an event ID the no-dedup defect adds.
const undedup = "~undedup-"

// retryDelay tells the issuer's retry waits from its polls (20 ms in the
// bundled target).
const retryDelay = 50 * time.Millisecond

var defects = []Defect{
	{
		Name:        "callback-any-client",
		Description: "takes the network's calls over TLS from any client: it asks for a client certificate but neither requires nor verifies one",
		Breaks:      map[string][]string{"*": {"DS-SEC-13"}},
		CallbackTLS: func(c *tls.Config) *tls.Config {
			c = c.Clone()
			c.ClientAuth = tls.RequestClientCert
			return c
		},
	},
	{
		Name:        "retry-terminal",
		Description: "sends a request the network refused with 400 or 422 twice more, unchanged (and goes on with the first answer)",
		Breaks:      map[string][]string{"*": {"C2P-ENR-09", "C2P-ERR-01", "C2P-ERR-02"}},
		Transport: func(_ Network, _ []simulator.Credential, _ string, next http.RoundTripper) http.RoundTripper {
			return roundTripper(func(r *http.Request) (*http.Response, error) {
				resp, err := next.RoundTrip(r)
				if err != nil || resp.StatusCode != 400 && resp.StatusCode != 422 || r.GetBody == nil {
					return resp, err
				}
				for range 2 {
					body, gerr := r.GetBody()
					if gerr != nil {
						break
					}
					again := r.Clone(r.Context())
					again.Body = body
					if extra, err := next.RoundTrip(again); err == nil {
						_, _ = io.Copy(io.Discard, extra.Body)
						extra.Body.Close()
					}
				}
				return resp, nil
			})
		},
	},
	{
		Name:        "no-dedup",
		Description: "does not de-duplicate network calls: a redelivered notification is applied again (it still reports each call's identifier)",
		Breaks:      map[string][]string{"*": {"C2P-NTF-05"}},
		Event: func(ev *client.NetworkEvent) {
			ev.ID += undedup + newID()
		},
		Driver: func(next http.Handler, _ *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/events" {
					next.ServeHTTP(w, r)
					return
				}
				rewriteJSON(next, func(m map[string]any) {
					evs, _ := m["events"].([]any)
					for _, e := range evs {
						if ev, ok := e.(map[string]any); ok {
							if id, ok := ev["id"].(string); ok {
								ev["id"], _, _ = strings.Cut(id, undedup)
							}
						}
					}
				}).ServeHTTP(w, r)
			})
		},
	},
	{
		Name:        "not-applied",
		Description: "acknowledges the network's token status notifications without applying them",
		Networks:    []string{"mastercard", "amex", "discover"},
		// Mastercard's several suspenders rest on applying the token
		// requestor's notifications too.
		Breaks: map[string][]string{"*": {"C2P-LCM-12"}, "mastercard": {"C2P-LCM-12", "MC-LCM-13"}},
		Event: func(ev *client.NetworkEvent) {
			if ev.Type == client.EventTokenStatusChanged {
				ev.TokenStatus, ev.Tokens = "IGNORED", nil
			}
		},
	},
	{
		Name:        "no-signature-check",
		Description: "takes network notifications without verifying their signature",
		Breaks:      map[string][]string{"*": {"C2P-SEC-11"}},
		Unverified:  true,
	},
	{
		Name:        "pan-in-correlation",
		Description: "derives its correlation IDs from the card number",
		Breaks:      map[string][]string{"*": {"C2P-SEC-10"}},
		Driver: func(next http.Handler, _ *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r = withPAN(r)
				p := panOf(r.Context())
				if len(p) < 12 {
					next.ServeHTTP(w, r)
					return
				}
				rewriteJSON(next, func(m map[string]any) {
					if _, ok := m["correlationId"]; ok {
						m["correlationId"] = "corr-" + p[6:12] + "-" + newID()[:4]
					}
				}).ServeHTTP(w, r)
			})
		},
	},
	{
		Name:        "pan-in-header",
		Description: "sends the card number in clear in a request header",
		Breaks:      map[string][]string{"*": {"C2P-SEC-10"}},
		Driver: func(next http.Handler, _ *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, withPAN(r)) })
		},
		Transport: func(_ Network, _ []simulator.Credential, _ string, next http.RoundTripper) http.RoundTripper {
			return roundTripper(func(r *http.Request) (*http.Response, error) {
				if p := panOf(r.Context()); p != "" {
					r = r.Clone(r.Context())
					r.Header.Set("X-Debug-Card", p)
				}
				return next.RoundTrip(r)
			})
		},
	},
	{
		Name:        "pan-in-logs",
		Description: "logs the card number in clear",
		Breaks:      map[string][]string{"*": {"C2P-SEC-10"}},
		Driver: func(next http.Handler, log *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r = withPAN(r)
				if p := panOf(r.Context()); p != "" {
					log.Info("enrolling card " + p)
				}
				next.ServeHTTP(w, r)
			})
		},
	},
	{
		Name:        "constant-backoff",
		Description: "waits the same 300 ms before every retry",
		Breaks:      map[string][]string{"*": {"C2P-ERR-03"}},
		Sleep: func(ctx context.Context, d time.Duration) error {
			if d >= retryDelay {
				d = 300 * time.Millisecond
			}
			return pause.For(ctx, d)
		},
	},
	{
		Name:        "shrinking-backoff",
		Description: "waits less before each retry than before the last",
		Breaks:      map[string][]string{"*": {"C2P-ERR-03"}},
		Sleep: func(ctx context.Context, d time.Duration) error {
			if d >= retryDelay {
				d = time.Duration(float64(80*time.Millisecond) * float64(time.Second) / float64(d)) // 100 ms → 800 ms, 200 → 400, 400 → 200
			}
			return pause.For(ctx, d)
		},
	},
	{
		Name:        "swapped-names",
		Description: "sends the consumer's first name as the last name and the last as the first",
		Breaks:      map[string][]string{"*": {"C2P-ENR-01"}},
		Driver: func(next http.Handler, _ *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/enrolments" || r.Method == http.MethodPut && strings.Count(r.URL.Path, "/") == 2 {
					b, _ := io.ReadAll(r.Body)
					var m map[string]any
					if json.Unmarshal(b, &m) == nil {
						c := m
						if inner, ok := m["consumer"].(map[string]any); ok {
							c = inner
						}
						c["firstName"], c["lastName"] = c["lastName"], c["firstName"]
						b, _ = json.Marshal(m)
					}
					r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
				}
				next.ServeHTTP(w, r)
			})
		},
	},
	{
		Name:        "token-per-call",
		Description: "fetches a new OAuth 2.0 access token for every call",
		Networks:    []string{"discover"},
		Breaks:      map[string][]string{"*": {"DS-SEC-08"}},
		Transport: func(n Network, creds []simulator.Credential, baseURL string, next http.RoundTripper) http.RoundTripper {
			return roundTripper(func(r *http.Request) (*http.Response, error) {
				if n.FreshToken != nil && r.Header.Get("Authorization") != "" && !strings.HasSuffix(r.URL.Path, "/token") {
					tok, err := n.FreshToken(r.Context(), creds, baseURL, &http.Client{Transport: next})
					if err == nil {
						r = r.Clone(r.Context())
						r.Header.Set("Authorization", "Bearer "+tok)
					}
				}
				return next.RoundTrip(r)
			})
		},
	},
}
