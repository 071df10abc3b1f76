package simulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// vaultArt is the card-art network as if its requests carried an encrypted
// payload: X-Enc holds it (base64url standing in for ciphertext), and the
// card the payload names is the card the request concerns, as network
// plugins record it.
type vaultArt struct{ artNet }

func (n *vaultArt) Operations() []simulator.Operation {
	ops := n.artNet.Operations()
	for i := range ops {
		ops[i].Decode = n.decode
	}
	return ops
}

func (n *vaultArt) decode(r *simulator.Request) error {
	enc := r.HTTP.Header.Get("X-Enc")
	if enc == "" {
		return nil
	}
	plain, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindCrypto, "X-Enc is not base64url")
	}
	r.SetPlaintext(plain)
	var in struct {
		PAN string `json:"primaryAccountNumber"`
	}
	if json.Unmarshal(plain, &in) == nil && in.PAN != "" {
		r.AddCard(in.PAN)
	}
	return nil
}

func sealed(card string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"primaryAccountNumber":"` + card + `"}`))
}

// clearLookup serves testdata/clear-card.yaml, whose one operation takes a
// card number in clear (as some network APIs do, over TLS).
type clearLookup struct{}

func (clearLookup) Describe() simulator.Description {
	return simulator.Description{ID: "lookup", Name: "Lookup", Specs: []string{"clear-card.yaml"}, FS: os.DirFS("testdata")}
}
func (clearLookup) Setup(*simulator.Env) error            { return nil }
func (clearLookup) Authenticate(*simulator.Request) error { return nil }
func (clearLookup) Operations() []simulator.Operation {
	return []simulator.Operation{{ID: "lookup", Handle: func(_ context.Context, r *simulator.Request) (*simulator.Response, error) {
		var in struct{ PAN string }
		_ = json.Unmarshal(r.Body, &in)
		r.AddCard(in.PAN)
		return simulator.JSON(200, map[string]any{"found": true}), nil
	}}}
}
func (clearLookup) RenderError(_ *simulator.Request, e *simulator.Error) *simulator.Response {
	return simulator.JSON(e.Status, map[string]any{"error": e.Summary()})
}

// A card number the simulator knows, sent in clear anywhere but a field the
// document takes in clear, is the issuer's finding: on the journal entry
// (cardData) and in GET /_admin/findings, masked there as everywhere. A
// Luhn-valid number it does not know is masked but no finding.
func TestClearCardNumbersAreTheIssuersFindings(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&vaultArt{}, clearLookup{}}})
	const card, other, unknown = "5186001700008785", "6011000000000005", "4000056655665556"
	ok := `{"binRange":"518600","artUri":"https://cdn.example/a.png"}`
	key := []string{"X-Test-Key", "k"}
	type want struct {
		where string
		found bool
	}
	cases := []struct {
		name       string
		path, body string
		hdr        []string
		want       want
	}{
		{"in a request ID", "/art/api/v1/art", ok, []string{"X-Enc", sealed(card), "X-Request-Id", "req-" + card}, want{"header X-Request-Id", true}},
		{"in a header name", "/art/api/v1/art", ok, []string{"X-Enc", sealed(card), "X-" + card, "1"}, want{"header name", true}},
		{"in the query", "/art/api/v1/art?card=" + card, ok, []string{"X-Enc", sealed(card)}, want{"url", true}},
		{"in a clear body field", "/art/api/v1/art", `{"binRange":"518600","artUri":"https://cdn.example/` + card + `.png"}`, []string{"X-Enc", sealed(card)}, want{"body /artUri", true}},
		{"grouped in a header", "/art/api/v1/art", ok, []string{"X-Enc", sealed(other), "X-Ref", "6011 0000 0000 0005"}, want{"header X-Ref", true}},
		{"a card field the document does not take in clear", "/art/api/v1/art", `{"binRange":"518600","artUri":"x","pan":"` + unknown + `"}`, nil, want{"body /pan", true}},
		{"only in the encrypted payload", "/art/api/v1/art", ok, []string{"X-Enc", sealed(card)}, want{}},
		{"a Luhn-valid number the simulator does not know", "/art/api/v1/art", ok, []string{"X-Request-Id", unknown}, want{}},
		{"a card field the document takes in clear", "/lookup/v1/lookup", `{"pan":"` + card + `"}`, nil, want{}},
		{"a card seen before, in another request's header", "/art/api/v1/art", ok, []string{"X-Request-Id", "r" + other}, want{"header X-Request-Id", true}},
	}
	for _, tc := range cases {
		hdr := append(append([]string{}, key...), tc.hdr...)
		r := do(t, srv, "POST", tc.path, "application/json", tc.body, hdr...)
		if r.status >= 500 {
			t.Fatalf("%s: %d %s", tc.name, r.status, r.raw)
		}
		e := srv.Sim.Journal().Find(journal.Query{Limit: 1})[0]
		got, _ := srv.Sim.IssuerFindings("", e.Seq-1)
		if !tc.want.found {
			if e.CardData != nil || len(got) != 0 {
				t.Errorf("%s: a finding %+v %+v", tc.name, e.CardData, got)
			}
			continue
		}
		if e.CardData == nil || e.CardData.OK || len(got) != 1 || got[0].Where != tc.want.where || got[0].Seq != e.Seq || got[0].Kind != simulator.KindClearCard {
			t.Errorf("%s: cardData %+v, findings %+v, want one at %q", tc.name, e.CardData, got, tc.want.where)
			continue
		}
		if !strings.Contains(got[0].Card, "**") || strings.Contains(got[0].Card, "0017") || !strings.Contains(e.CardData.Issues[0], got[0].Card) {
			t.Errorf("%s: the finding shows %q (entry %v)", tc.name, got[0].Card, e.CardData.Issues)
		}
	}
	r := do(t, srv, "GET", "/_admin/findings?network=art", "", "")
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 7 {
		t.Fatalf("GET /_admin/findings: %d, %d items: %s", r.status, len(items), r.raw)
	}
	journalAnswer := do(t, srv, "GET", "/_admin/journal?limit=1000", "", "").raw
	for _, p := range []string{card, other, unknown} {
		if strings.Contains(r.raw, p) || strings.Contains(journalAnswer, p) {
			t.Errorf("%s in clear in the findings or the journal", p)
		}
	}
	if r := do(t, srv, "POST", "/_admin/reset", "application/json", "", ""); r.status != 204 {
		t.Fatalf("reset: %d %s", r.status, r.raw)
	}
	if got, _ := srv.Sim.IssuerFindings("", 0); len(got) != 0 {
		t.Fatalf("reset left %d findings", len(got))
	}
}

// The issuer's answer to a callback is scanned too.
func TestClearCardInACallbackAnswerIsAFinding(t *testing.T) {
	n := &eventNet{}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}, AllowFindings: true})
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Issuer-Ref", "ref-4111111145551140") // a published sample: known to every simulator
		w.WriteHeader(http.StatusNoContent)
	}))
	defer issuer.Close()
	if err := srv.Sim.SetCallbackTarget("art", simulator.CallbackTarget{URL: issuer.URL, RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	_, _ = n.notify(context.Background(), `{"artId":"a","status":"RETIRED"}`)
	got, _ := srv.Sim.IssuerFindings("art", 0)
	if len(got) != 1 || got[0].Direction != "outbound" || got[0].Where != "header X-Issuer-Ref" || got[0].Card != "411111******1140" {
		t.Fatalf("findings %+v", got)
	}
}
