package store

import (
	"context"
	"errors"
	"testing"
)

type card struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func TestTableRoundTripAndAtomicUpdate(t *testing.T) {
	ctx := context.Background()
	s := NewMemory()
	cards := NewTable[card](Namespace(s, "visa"), "cards")
	if _, err := cards.Get(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on empty store: %v", err)
	}
	if err := cards.Put(ctx, "c1", card{ID: "c1", Status: "ACTIVE"}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("illegal transition")
	err := cards.Update(ctx, "c1", func(c *card, exists bool) error {
		c.Status = "DELETED"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v", err)
	}
	got, _ := cards.Get(ctx, "c1")
	if got.Status != "ACTIVE" {
		t.Fatalf("a failed update changed state: %+v", got)
	}
	if err := cards.Update(ctx, "c1", func(c *card, _ bool) error { return ErrDelete }); err != nil {
		t.Fatal(err)
	}
	if _, err := cards.Get(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("key survived ErrDelete: %v", err)
	}
}

func TestNamespacesAreIsolated(t *testing.T) {
	ctx := context.Background()
	s := NewMemory()
	a, b := Namespace(s, "mastercard"), Namespace(s, "visa")
	_ = a.Put(ctx, "cards", "1", []byte(`{}`))
	_ = b.Put(ctx, "cards", "1", []byte(`{}`))
	if err := a.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "cards", "1"); err != nil {
		t.Fatalf("reset of one namespace touched another: %v", err)
	}
	cols, _ := s.Collections(ctx)
	if len(cols) != 1 || cols[0] != "visa/cards" {
		t.Fatalf("collections = %v", cols)
	}
}
