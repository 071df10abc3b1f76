package journalstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/journalstore"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
)

func TestOverStoreKeepsTheNewestAcrossAReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	j := journalstore.NewOverStore(s, "journal", 5)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 8; i++ {
		if err := j.Append(ctx, journal.Entry{Time: t0.Add(time.Duration(i) * time.Second), Network: "amex", OperationID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	j = journalstore.NewOverStore(s, "journal", 5)
	got, err := j.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0].OperationID != "3" || got[4].OperationID != "7" || got[4].Seq != 8 {
		t.Fatalf("after reopen Recent = %+v, want entries 3..7 oldest first", got)
	}
	if n, _ := s.Count(ctx, "journal"); n < 5 || n > 6 {
		t.Fatalf("the store holds %d entries, want the capacity 5 and at most one waiting to be trimmed", n)
	}
	if err := j.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.Recent(ctx, 10); len(got) != 0 {
		t.Fatalf("after Clear: %d entries", len(got))
	}
	if err := j.Append(ctx, journal.Entry{Network: "amex"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.Recent(ctx, 10); len(got) != 1 || got[0].Seq != 9 {
		t.Fatalf("after Clear and Append: %+v (sequence numbers keep counting)", got)
	}
}

func TestMatchesFollowsTheJournalsQuery(t *testing.T) {
	e := journal.Entry{Seq: 4, Network: "visa", OperationID: "op", Direction: journal.Inbound, CorrelationIDs: []string{"c1"}, Time: time.Unix(100, 0), Status: 503}
	for q, want := range map[*journal.Query]bool{
		{}:                            true,
		{Network: "visa"}:             true,
		{Network: "amex"}:             false,
		{CorrelationID: "c1"}:         true,
		{CorrelationID: "c2"}:         false,
		{AfterSeq: 4}:                 false,
		{Direction: journal.Outbound}: false,
		{Since: time.Unix(101, 0)}:    false,
		{Status: "503"}:               true,
		{Status: "5xx"}:               true,
		{Status: "4xx"}:               false,
		{Status: "none"}:              false,
	} {
		if got := journalstore.Matches(*q, &e); got != want {
			t.Errorf("Matches(%+v) = %v, want %v", *q, got, want)
		}
	}
}

// Trimming runs in batches: the store holds at most capacity plus a batch
// (capacity/16), Recent never more than capacity, and a trimming append is
// still one write, so a reopen finds the bounds and entries agreeing.
func TestOverStoreTrimsInBatches(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const capacity = 64
	j := journalstore.NewOverStore(s, "journal", capacity)
	counts := map[int]bool{}
	for i := 0; i < 300; i++ {
		batch := []journal.Entry{{Network: "visa", OperationID: fmt.Sprint(2 * i)}, {Network: "visa", OperationID: fmt.Sprint(2*i + 1)}}
		if err := j.Append(ctx, batch...); err != nil {
			t.Fatal(err)
		}
		n, _ := s.Count(ctx, "journal")
		if n > capacity+capacity/16+1 {
			t.Fatalf("after %d entries the store holds %d, more than capacity %d and a batch", 2*i+2, n, capacity)
		}
		counts[n] = true
	}
	if len(counts) < 3 {
		t.Fatalf("the store size took %d values: trimming is not batched", len(counts))
	}
	s.Close()
	if s, err = boltstore.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	j = journalstore.NewOverStore(s, "journal", capacity)
	got, err := j.Recent(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != capacity || got[0].OperationID != fmt.Sprint(600-capacity) || got[capacity-1].OperationID != "599" || got[capacity-1].Seq != 600 {
		t.Fatalf("Recent after reopen: %d entries from %q to %q", len(got), got[0].OperationID, got[len(got)-1].OperationID)
	}
}

// BenchmarkOverStoreAppend is one journal entry kept in the embedded store:
// one commit, trimming included.
func BenchmarkOverStoreAppend(b *testing.B) {
	s, err := boltstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	j := journalstore.NewOverStore(s, "journal", 1000)
	ctx := context.Background()
	e := journal.Entry{Network: "visa", OperationID: "enrollData", Time: time.Unix(0, 0)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := j.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
