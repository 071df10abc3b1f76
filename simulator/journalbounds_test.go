package simulator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// hostile is the anonymous flood of the journal's threat model: a 60 KiB
// body and 40 KiB of headers, without credentials.
func hostile(i int) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/art/api/v1/art", strings.NewReader(hostileBody))
	req.Header.Set("Content-Type", "application/json")
	for k := 0; k < 10; k++ {
		req.Header.Set(fmt.Sprintf("X-Junk-%d", k), hostileHeader)
	}
	req.Header.Set("X-Request-Id", fmt.Sprint("flood-", i))
	return req
}

var (
	hostileBody   = `{"binRange":"518600","artUri":"` + strings.Repeat("x", 60<<10) + `"}`
	hostileHeader = strings.Repeat("h", 4<<10)
)

// An anonymous flood cannot grow the journal past its byte bound, and each
// of its entries keeps a small part of what was sent.
func TestJournalStaysWithinItsByteBoundUnderAFlood(t *testing.T) {
	const bound = 2 << 20
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}, Seed: 1, JournalBytes: bound})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	h := sim.Handler()
	for i := 0; i < 1000; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, hostile(i))
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d", rec.Code)
		}
	}
	held, b := sim.Journal().Bytes()
	if b != bound || held > bound {
		t.Fatalf("the journal holds %d bytes (bound %d)", held, b)
	}
	if sim.Journal().Dropped() == 0 {
		t.Fatal("nothing was dropped: the flood did not reach the bound")
	}
	e := sim.Journal().Find(journal.Query{Limit: 1})[0]
	if len(e.RequestBody) > journal.UnauthenticatedBodyMax+len(journal.Truncated) || !strings.HasSuffix(e.RequestBody, journal.Truncated) {
		t.Errorf("an unauthenticated body is journalled with %d bytes", len(e.RequestBody))
	}
	headerBytes := 0
	for k, v := range e.RequestHeader {
		headerBytes += len(k) + len(v)
	}
	if headerBytes > journal.HeadersMax+200 {
		t.Errorf("its headers hold %d bytes", headerBytes)
	}
	if e.RequestHeader["X-Request-Id"] != fmt.Sprint("flood-", 999) {
		t.Errorf("X-Request-Id = %q", e.RequestHeader["X-Request-Id"])
	}
}

// An authenticated request keeps its body up to the body bound.
func TestAuthenticatedBodiesKeepMore(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}})
	body := `{"binRange":"518600","artUri":"https://cdn.example/` + strings.Repeat("x", 8<<10) + `"}`
	do(t, srv, "POST", "/art/api/v1/art", "application/json", body, "X-Test-Key", "k")
	e := srv.Sim.Journal().Find(journal.Query{Limit: 1})[0]
	if e.RequestBody != body {
		t.Fatalf("an authenticated %d-byte body is journalled with %d bytes", len(body), len(e.RequestBody))
	}
}

// The admin API reads the journal in pages: a limit past the maximum is
// refused, and following next reads every entry exactly once, as the
// harness's admin control does.
func TestAdminJournalPages(t *testing.T) {
	srv := start(t, &artNet{})
	for i := 0; i < 250; i++ {
		do(t, srv, "GET", fmt.Sprintf("/art/api/v1/art/art-%04d", i), "", "", "X-Test-Key", "k")
	}
	if r := do(t, srv, "GET", "/_admin/journal?limit=10000", "", ""); r.status != 400 {
		t.Fatalf("limit=10000: %d %s", r.status, r.raw)
	}
	r := do(t, srv, "GET", "/_admin/journal", "", "")
	if r.status != 200 || len(r.body["entries"].([]any)) != simulator.JournalPageDefault || r.body["next"] == nil || r.body["bytes"].(float64) <= 0 {
		t.Fatalf("first page: %d, %d entries, next %v", r.status, len(r.body["entries"].([]any)), r.body["next"])
	}
	seen := map[uint64]bool{}
	next := ""
	for pages := 0; ; pages++ {
		r := do(t, srv, "GET", "/_admin/journal?network=art&limit=1000"+next, "", "")
		for _, x := range r.body["entries"].([]any) {
			seq := uint64(x.(map[string]any)["seq"].(float64))
			if seen[seq] {
				t.Fatalf("entry %d read twice", seq)
			}
			seen[seq] = true
		}
		n, ok := r.body["next"].(float64)
		if !ok {
			break
		}
		next = fmt.Sprintf("&beforeSeq=%d", uint64(n))
	}
	if len(seen) != 250 {
		t.Fatalf("read %d entries through the pages, want 250", len(seen))
	}
}

// bigArt answers getArt with a body over the validation bound.
type bigArt struct{ artNet }

func (n *bigArt) Operations() []simulator.Operation {
	return []simulator.Operation{{ID: "createArt", Handle: n.createArt}, {ID: "getArt", Handle: func(context.Context, *simulator.Request) (*simulator.Response, error) {
		return simulator.JSON(200, map[string]any{"artId": "art-0001", "binRange": "518600", "artUri": strings.Repeat("u", simulator.MaxValidatedBody), "status": "ACTIVE"}), nil
	}}}
}

// An answer over the validation bound is not decoded again to be checked;
// the journal says so.
func TestLargeAnswersAreNotValidatedAgain(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&bigArt{}}})
	if r := do(t, srv, "GET", "/art/api/v1/art/art-0001", "", "", "X-Test-Key", "k"); r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	e := srv.Sim.Journal().Find(journal.Query{Limit: 1})[0]
	if e.ResponseCheck != nil || !strings.Contains(e.Notes["responseValidation"], "not checked") {
		t.Fatalf("response check %+v, notes %v", e.ResponseCheck, e.Notes)
	}
}
