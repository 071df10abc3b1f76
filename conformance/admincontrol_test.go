package conformance_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator/journal"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// The admin API answers the journal in pages; AdminControl follows them, so
// a scenario against an external simulator sees every entry after its mark,
// each once, and a limit is honoured across pages.
func TestAdminControlReadsEveryJournalPage(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}})
	for i := 0; i < 1100; i++ {
		resp, err := srv.Client.Get(srv.URL + "/visa/nowhere")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	ctl := &conformance.AdminControl{BaseURL: srv.URL, HTTP: srv.Client}
	ctx := context.Background()
	all, err := ctl.Journal(ctx, journal.Query{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, e := range all {
		if seen[e.Seq] {
			t.Fatalf("entry %d read twice", e.Seq)
		}
		seen[e.Seq] = true
	}
	if len(all) != 1100 {
		t.Fatalf("read %d entries, want 1100", len(all))
	}
	if some, err := ctl.Journal(ctx, journal.Query{Limit: 1050}); err != nil || len(some) != 1050 || some[0].Seq != all[0].Seq {
		t.Fatalf("limit across pages: %d entries, %v", len(some), err)
	}
	if some, err := ctl.Journal(ctx, journal.Query{AfterSeq: all[10].Seq}); err != nil || len(some) != 10 {
		t.Fatalf("afterSeq: %d entries, %v", len(some), err)
	}
}
