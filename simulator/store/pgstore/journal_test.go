package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
)

func TestSharedJournalShowsEveryReplicasEntries(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	a, b := open(t, u).Journal(100), open(t, u).Journal(100)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 6; i++ {
		j := a
		if i%2 == 1 {
			j = b
		}
		e := journal.Entry{Time: t0.Add(time.Duration(i) * time.Second), Direction: journal.Inbound, Network: "amex",
			OperationID: fmt.Sprintf("op%d", i%3), CorrelationIDs: []string{fmt.Sprintf("corr-%d", i)}, Status: []int{200, 201, 404, 503, 0, 200}[i]}
		if err := j.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := a.Find(ctx, journal.Query{})
	if err != nil || len(all) != 6 || all[0].OperationID != "op2" || all[0].Seq <= all[5].Seq {
		t.Fatalf("Find(all) = %d entries, %v; want 6, newest first", len(all), err)
	}
	if got, _ := b.Find(ctx, journal.Query{CorrelationID: "corr-2"}); len(got) != 1 || got[0].OperationID != "op2" {
		t.Fatalf("by correlation ID from the other replica: %+v", got)
	}
	if got, _ := b.Find(ctx, journal.Query{OperationID: "op1", Limit: 1}); len(got) != 1 || got[0].CorrelationIDs[0] != "corr-4" {
		t.Fatalf("op1, newest one: %+v", got)
	}
	if got, _ := a.Find(ctx, journal.Query{AfterSeq: all[1].Seq}); len(got) != 1 {
		t.Fatalf("after seq: %d entries", len(got))
	}
	for status, want := range map[string]int{"200": 2, "2xx": 3, "4xx": 1, "5xx": 1, "none": 1, "404": 1, "302": 0} {
		if got, err := a.Find(ctx, journal.Query{Status: status}); err != nil || len(got) != want {
			t.Errorf("status %s: %d entries, %v; want %d", status, len(got), err, want)
		}
	}
	recent, _ := b.Recent(ctx, 2)
	if len(recent) != 2 || recent[1].OperationID != "op2" {
		t.Fatalf("Recent = %+v, want the two newest oldest first", recent)
	}
	if n, err := a.Count(ctx); err != nil || n != 6 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if err := b.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Count(ctx); n != 0 {
		t.Fatalf("after Clear: %d", n)
	}
}
