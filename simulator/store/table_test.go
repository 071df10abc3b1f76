package store_test

import (
	"context"
	"encoding/json"
	"strings"
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

// A table's indexes read a record once between them: not at all when the
// table encoded it (Put, Update, an atomic change), once when the store
// hands them bytes from elsewhere; and what they index is what the record
// holds.
func TestTableIndexesReadARecordOnce(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory()
	tab := store.NewTable(mem, "things",
		store.By("owner", func(_ string, v tracked) []string { return []string{v.Owner} }),
		store.By("tag", func(_ string, v tracked) []string { return v.Tags }))
	step := func(name string, want int64, do func() error) {
		t.Helper()
		decodes.Store(0)
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := decodes.Load(); n != want {
			t.Fatalf("%s decoded %d records, want %d", name, n, want)
		}
	}
	step("Put", 0, func() error { return tab.Put(ctx, "a", tracked{Owner: "ada", Tags: []string{"x", "y"}}) })
	step("Update", 1, func() error { // its own read of the record
		return tab.Update(ctx, "a", func(v *tracked, _ bool) error { v.Owner, v.Tags = "bob", []string{"z"}; return nil })
	})
	// The same bytes under another key are indexed for that key.
	step("Put of the same value", 0, func() error { return tab.Put(ctx, "b", tracked{Owner: "bob", Tags: []string{"z"}}) })
	step("Update2", 1, func() error { // the change's read of "a"; "c" did not exist
		return store.Update2(ctx, tab, "a", tab, "c", func(a, c *store.Held[tracked]) error {
			c.Value = tracked{Owner: a.Value.Owner, Tags: []string{"w"}}
			a.Value.Tags = append(a.Value.Tags, "w")
			return nil
		})
	})
	raw, _ := json.Marshal(tracked{Owner: "cy", Tags: []string{"v"}})
	step("a write of bytes", 1, func() error { return mem.Put(ctx, "things", "d", raw) })
	for _, c := range []struct{ index, value, want string }{
		{"owner", "ada", ""}, {"owner", "bob", "a,b,c"}, {"owner", "cy", "d"},
		{"tag", "x", ""}, {"tag", "z", "a,b"}, {"tag", "w", "a,c"}, {"tag", "v", "d"},
	} {
		rows, err := tab.Lookup(ctx, c.index, c.value)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.Key)
		}
		if got := strings.Join(keys, ","); got != c.want {
			t.Errorf("%s=%s finds %q, want %q", c.index, c.value, got, c.want)
		}
	}
}
