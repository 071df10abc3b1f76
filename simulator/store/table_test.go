package store_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/c2psim/c2psim/simulator/store"
)

// decodes counts how often a tracked value is decoded.
var decodes atomic.Int64

type tracked struct {
	Owner string   `json:"owner"`
	Tags  []string `json:"tags"`
}

func (v *tracked) UnmarshalJSON(b []byte) error {
	decodes.Add(1)
	type plain tracked
	return json.Unmarshal(b, (*plain)(v))
}

// A table's indexes read a record once between them: not at all when Put
// gave them the value it encoded, once when the store hands them bytes
// (Update); and what they index is what the record holds.
func TestTableIndexesReadARecordOnce(t *testing.T) {
	ctx := context.Background()
	tab := store.NewTable(store.NewMemory(), "things",
		store.By("owner", func(_ string, v tracked) []string { return []string{v.Owner} }),
		store.By("tag", func(_ string, v tracked) []string { return v.Tags }))
	decodes.Store(0)
	if err := tab.Put(ctx, "a", tracked{Owner: "ada", Tags: []string{"x", "y"}}); err != nil {
		t.Fatal(err)
	}
	if n := decodes.Load(); n != 0 {
		t.Fatalf("Put decoded the record %d times for its indexes, want 0", n)
	}
	if err := tab.Update(ctx, "a", func(v *tracked, _ bool) error { v.Owner, v.Tags = "bob", []string{"z"}; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := decodes.Load(); n != 2 { // the update's own read, then the indexes' one
		t.Fatalf("Update decoded the record %d times, want 2", n)
	}
	// The same bytes under another key are indexed for that key.
	if err := tab.Put(ctx, "b", tracked{Owner: "bob", Tags: []string{"z"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ index, value, want string }{
		{"owner", "ada", ""}, {"owner", "bob", "a,b"}, {"tag", "x", ""}, {"tag", "z", "a,b"},
	} {
		rows, err := tab.Lookup(ctx, c.index, c.value)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for i, r := range rows {
			if i > 0 {
				got += ","
			}
			got += r.Key
		}
		if got != c.want {
			t.Errorf("%s=%s finds %q, want %q", c.index, c.value, got, c.want)
		}
	}
}
