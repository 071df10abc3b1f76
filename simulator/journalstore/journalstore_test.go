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
	if n, _ := s.Count(ctx, "journal"); n != 5 {
		t.Fatalf("the store holds %d entries, want the capacity 5", n)
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
