// Package storetest is the contract every store.Store implementation
// passes: one suite, run by each implementation's own tests.
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, storetest.Factory{Open: func(t *testing.T) store.Store { return store.NewMemory() }})
//	}
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/simulator/store"
)

// Factory opens the stores under test.
type Factory struct {
	// Open returns a fresh, empty store for one test; it registers its own
	// cleanup with t.
	Open func(t *testing.T) store.Store
	// Reopen, for durable stores, closes s and opens the same data again, as
	// a restarted process would. Indexes are declared again by the suite.
	Reopen func(t *testing.T, s store.Store) store.Store
	// Peer, for shared stores, opens a second handle on the data of s, as
	// another replica would.
	Peer func(t *testing.T, s store.Store) store.Store
}

type card struct {
	ID     string   `json:"id"`
	Status string   `json:"status"`
	Token  string   `json:"token,omitempty"`
	PANs   []string `json:"pans,omitempty"`
	N      int      `json:"n,omitempty"`
}

func byToken(_ string, c card) []string { return []string{c.Token} }
func byPAN(_ string, c card) []string   { return c.PANs }

// byPrefix indexes a key "consumer|credential" by its consumer.
func byPrefix(key string, _ string) []string {
	p, _, _ := strings.Cut(key, "|")
	return []string{p}
}

func cards(s store.Store) store.Table[card] {
	return store.NewTable[card](s, "cards", store.By("token", byToken), store.By("pan", byPAN))
}

// Run runs the contract against f's stores.
func Run(t *testing.T, f Factory) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, f Factory)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"ListIsSortedAndEmptyIsNoError", testList},
		{"UpdateIsAtomicAndRefusalChangesNothing", testUpdate},
		{"ConcurrentUpdatesAreSerialised", testConcurrentUpdates},
		{"UpdateManyIsAtomicAcrossRecords", testUpdateMany},
		{"ConcurrentUpdateManyIsSerialised", testConcurrentUpdateMany},
		{"IndexFollowsEveryWrite", testIndexFollowsWrites},
		{"IndexOnKeyAndMultipleValues", testIndexKeysAndValues},
		{"IndexDeclaredAfterRecordsFindsThem", testLateIndex},
		{"IndexFailureWritesNothing", testIndexFailure},
		{"CollectionsCountDropAndReset", testCollectionsReset},
		{"NamespacesAreIsolated", testNamespaces},
		{"ValuesAreBytesAsStored", testBytes},
	}
	if f.Reopen != nil {
		tests = append(tests, struct {
			name string
			fn   func(t *testing.T, f Factory)
		}{"SurvivesReopen", testReopen})
	}
	if f.Peer != nil {
		tests = append(tests, struct {
			name string
			fn   func(t *testing.T, f Factory)
		}{"PeersSeeOneStateAndRaceTransitionsOnce", testPeers})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, f) })
	}
}

func testGetPutDelete(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	if _, err := s.Get(ctx, "c", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "c", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delete of a missing key: %v, want ErrNotFound", err)
	}
	if err := s.Put(ctx, "c", "k", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "c", "k", []byte(`{"a":2}`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "c", "k")
	if err != nil || string(got) != `{"a":2}` {
		t.Fatalf("Get = %s, %v; want the last Put", got, err)
	}
	got[2] = 'X' // the caller owns what it got
	if again, _ := s.Get(ctx, "c", "k"); string(again) != `{"a":2}` {
		t.Fatalf("changing a returned value changed the store: %s", again)
	}
	if _, err := s.Get(ctx, "other", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a key leaked into another collection: %v", err)
	}
	if err := s.Delete(ctx, "c", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "c", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func testList(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	got, err := s.List(ctx, "none")
	if err != nil || len(got) != 0 {
		t.Fatalf("List of an empty collection = %v, %v", got, err)
	}
	for _, k := range []string{"b", "c", "a", "a|1", "B"} {
		if err := s.Put(ctx, "c", k, []byte(`"`+k+`"`)); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.List(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range got {
		keys = append(keys, e.Key)
		if string(e.Value) != `"`+e.Key+`"` {
			t.Errorf("entry %s holds %s", e.Key, e.Value)
		}
	}
	if strings.Join(keys, ",") != "B,a,a|1,b,c" {
		t.Fatalf("List keys = %v, want byte order B,a,a|1,b,c", keys)
	}
}

func testUpdate(t *testing.T, f Factory) {
	ctx := context.Background()
	tab := cards(f.Open(t))
	if err := tab.Update(ctx, "c1", func(c *card, exists bool) error {
		if exists {
			t.Error("absent key reported as existing")
		}
		*c = card{ID: "c1", Status: "ACTIVE", Token: "t1"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	illegal := errors.New("illegal transition")
	err := tab.Update(ctx, "c1", func(c *card, exists bool) error {
		c.Status, c.Token = "DELETED", "t2"
		return illegal
	})
	if !errors.Is(err, illegal) {
		t.Fatalf("Update error = %v, want the function's", err)
	}
	got, _ := tab.Get(ctx, "c1")
	if got.Status != "ACTIVE" {
		t.Fatalf("a refused update changed the record: %+v", got)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t2"); len(rows) != 0 {
		t.Fatalf("a refused update changed the index: %v", rows)
	}
	if err := tab.Update(ctx, "c1", func(*card, bool) error { return store.ErrDelete }); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Get(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key survived ErrDelete: %v", err)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t1"); len(rows) != 0 {
		t.Fatalf("a deleted record is still indexed: %v", rows)
	}
	if err := tab.Update(ctx, "never", func(*card, bool) error { return store.ErrDelete }); err != nil {
		t.Fatalf("deleting an absent key through Update: %v", err)
	}
	if _, err := tab.Get(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting an absent key created it: %v", err)
	}
}

func testConcurrentUpdates(t *testing.T, f Factory) {
	ctx := context.Background()
	tab := cards(f.Open(t))
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- tab.Update(ctx, "counter", func(c *card, _ bool) error { c.N++; return nil })
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := tab.Get(ctx, "counter")
	if got.N != workers*each {
		t.Fatalf("counter = %d after %d increments: updates were lost", got.N, workers*each)
	}
}

// profile holds the cards of one consumer, in another collection than the
// cards: a transition that spans the two is one UpdateMany.
type profile struct {
	Cards map[string]string `json:"cards"` // card ID → status
	N     int               `json:"n,omitempty"`
}

func profiles(s store.Store) store.Table[profile] { return store.NewTable[profile](s, "profiles") }

func testUpdateMany(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	tab, pro := cards(s), profiles(s)
	mustPut(t, tab, "c1", card{ID: "c1", Status: "ACTIVE", Token: "t1"})
	mustPut(t, pro, "p1", profile{Cards: map[string]string{"c1": "ACTIVE"}})

	// Both records change, or neither.
	suspend := func(c *store.Held[card], p *store.Held[profile]) error {
		if !c.Exists || !p.Exists {
			return store.ErrNotFound
		}
		if c.Value.Status != "ACTIVE" {
			return errIllegal
		}
		c.Value.Status, c.Value.Token = "SUSPENDED", "t2"
		p.Value.Cards[c.Value.ID] = "SUSPENDED"
		return nil
	}
	if err := store.Update2(ctx, tab, "c1", pro, "p1", suspend); err != nil {
		t.Fatal(err)
	}
	if err := store.Update2(ctx, tab, "c1", pro, "p1", suspend); !errors.Is(err, errIllegal) {
		t.Fatalf("the second suspension = %v, want the function's refusal", err)
	}
	c, _ := tab.Get(ctx, "c1")
	p, _ := pro.Get(ctx, "p1")
	if c.Status != "SUSPENDED" || p.Cards["c1"] != "SUSPENDED" {
		t.Fatalf("after one suspension: card %+v, profile %+v", c, p)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t2"); keysOf(rows) != "c1" {
		t.Fatalf("the index does not follow an UpdateMany: %v", keysOf(rows))
	}
	if rows, _ := tab.Lookup(ctx, "token", "t1"); len(rows) != 0 {
		t.Fatalf("the old index entry survived an UpdateMany: %v", keysOf(rows))
	}

	// A refusal after changing both values changes nothing.
	err := store.Update2(ctx, tab, "c1", pro, "p1", func(c *store.Held[card], p *store.Held[profile]) error {
		c.Value.Status, p.Value.Cards["c1"] = "DELETED", "DELETED"
		return errIllegal
	})
	if !errors.Is(err, errIllegal) {
		t.Fatalf("UpdateMany error = %v, want the function's", err)
	}
	if c, _ := tab.Get(ctx, "c1"); c.Status != "SUSPENDED" {
		t.Fatalf("a refused UpdateMany changed the card: %+v", c)
	}
	if p, _ := pro.Get(ctx, "p1"); p.Cards["c1"] != "SUSPENDED" {
		t.Fatalf("a refused UpdateMany changed the profile: %+v", p)
	}

	// Delete one, create another, in one step.
	err = store.Update3(ctx, tab, "c1", pro, "p1", tab, "c2", func(c *store.Held[card], p *store.Held[profile], n *store.Held[card]) error {
		if n.Exists {
			t.Error("an absent record reported as existing")
		}
		c.Delete = true
		delete(p.Value.Cards, "c1")
		n.Value = card{ID: "c2", Status: "ACTIVE", Token: "t3"}
		p.Value.Cards["c2"] = "ACTIVE"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Get(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a record deleted by UpdateMany: %v", err)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t2"); len(rows) != 0 {
		t.Fatalf("a record deleted by UpdateMany is still indexed: %v", keysOf(rows))
	}
	if rows, _ := tab.Lookup(ctx, "token", "t3"); keysOf(rows) != "c2" {
		t.Fatalf("a record created by UpdateMany is not indexed: %v", keysOf(rows))
	}
	if p, _ := pro.Get(ctx, "p1"); len(p.Cards) != 1 || p.Cards["c2"] != "ACTIVE" {
		t.Fatalf("profile after the replacement: %+v", p)
	}

	// A value one record's index cannot read writes none of them.
	err = s.UpdateMany(ctx, []store.Ref{{Collection: "profiles", Key: "p1"}, {Collection: "cards", Key: "c2"}},
		func(cur [][]byte) ([][]byte, error) { return [][]byte{[]byte(`{"cards":{}}`), []byte(`not json`)}, nil })
	var ie *store.IndexError
	if !errors.As(err, &ie) || ie.Key != "c2" {
		t.Fatalf("UpdateMany with a value its index cannot read = %v, want an IndexError", err)
	}
	if p, _ := pro.Get(ctx, "p1"); len(p.Cards) != 1 {
		t.Fatalf("a failed UpdateMany changed the other record: %+v", p)
	}

	// A record that did not exist and is given no value stays absent.
	err = store.Update2(ctx, tab, "c2", pro, "untouched", func(c *store.Held[card], p *store.Held[profile]) error {
		c.Value.N++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pro.Get(ctx, "untouched"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an absent record given no value was created: %v", err)
	}

	// Deleting absent records creates nothing; bad requests are refused.
	err = s.UpdateMany(ctx, []store.Ref{{Collection: "cards", Key: "none1"}, {Collection: "profiles", Key: "none2"}},
		func(cur [][]byte) ([][]byte, error) {
			if cur[0] != nil || cur[1] != nil {
				t.Errorf("absent records read as %q, %q", cur[0], cur[1])
			}
			return [][]byte{nil, nil}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := store.Count(ctx, s, "profiles"); n != 1 {
		t.Fatalf("deleting absent records left %d profiles, want 1", n)
	}
	for name, refs := range map[string][]store.Ref{
		"no record":    nil,
		"a duplicate":  {{Collection: "cards", Key: "c2"}, {Collection: "cards", Key: "c2"}},
		"an empty key": {{Collection: "cards", Key: ""}},
	} {
		called := false
		err := s.UpdateMany(ctx, refs, func(cur [][]byte) ([][]byte, error) { called = true; return cur, nil })
		if err == nil || called {
			t.Errorf("UpdateMany naming %s: error %v, function called %v; want a refusal before it runs", name, err, called)
		}
	}
	err = s.UpdateMany(ctx, []store.Ref{{Collection: "cards", Key: "c2"}, {Collection: "profiles", Key: "p1"}},
		func(cur [][]byte) ([][]byte, error) { return cur[:1], nil })
	if err == nil {
		t.Error("an UpdateMany function returning one value for two records was not refused")
	}
}

// testConcurrentUpdateMany moves a count between two records from many
// goroutines, with single-record updates of one of them interleaved: no
// update is lost and the moves keep the sum.
func testConcurrentUpdateMany(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	tab, pro := cards(s), profiles(s)
	mustPut(t, tab, "a", card{N: 1000})
	mustPut(t, pro, "b", profile{})
	const workers, each = 6, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- store.Update2(ctx, tab, "a", pro, "b", func(a *store.Held[card], b *store.Held[profile]) error {
					a.Value.N--
					b.Value.N++
					return nil
				})
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- tab.Update(ctx, "a", func(c *card, _ bool) error { c.N += 10; return nil })
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	a, _ := tab.Get(ctx, "a")
	b, _ := pro.Get(ctx, "b")
	if b.N != workers*each || a.N != 1000-workers*each+10*workers*each {
		t.Fatalf("after %d moves and %d additions: a=%d b=%d, want %d and %d", workers*each, workers*each, a.N, b.N,
			1000-workers*each+10*workers*each, workers*each)
	}
}

func keysOf[T any](rows []store.Row[T]) string {
	var ks []string
	for _, r := range rows {
		ks = append(ks, r.Key)
	}
	return strings.Join(ks, ",")
}

func testIndexFollowsWrites(t *testing.T, f Factory) {
	ctx := context.Background()
	tab := cards(f.Open(t))
	mustPut(t, tab, "c2", card{ID: "c2", Token: "t"})
	mustPut(t, tab, "c1", card{ID: "c1", Token: "t"})
	mustPut(t, tab, "c3", card{ID: "c3", Token: "u"})
	rows, err := tab.Lookup(ctx, "token", "t")
	if err != nil {
		t.Fatal(err)
	}
	if keysOf(rows) != "c1,c2" || rows[0].Value.ID != "c1" {
		t.Fatalf("Lookup(token=t) = %v, want c1,c2 with their values", rows)
	}
	// Put over a record moves its entry.
	mustPut(t, tab, "c2", card{ID: "c2", Token: "u"})
	if rows, _ := tab.Lookup(ctx, "token", "t"); keysOf(rows) != "c1" {
		t.Fatalf("after Put moved c2: token=t holds %v", keysOf(rows))
	}
	if rows, _ := tab.Lookup(ctx, "token", "u"); keysOf(rows) != "c2,c3" {
		t.Fatalf("after Put moved c2: token=u holds %v", keysOf(rows))
	}
	// Update moves it too.
	if err := tab.Update(ctx, "c3", func(c *card, _ bool) error { c.Token = "v"; return nil }); err != nil {
		t.Fatal(err)
	}
	if rows, _ := tab.Lookup(ctx, "token", "v"); keysOf(rows) != "c3" {
		t.Fatalf("after Update: token=v holds %v", keysOf(rows))
	}
	if rows, _ := tab.Lookup(ctx, "token", "u"); keysOf(rows) != "c2" {
		t.Fatalf("after Update: token=u holds %v", keysOf(rows))
	}
	// Delete drops it.
	if err := tab.Delete(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if rows, _ := tab.Lookup(ctx, "token", "u"); len(rows) != 0 {
		t.Fatalf("after Delete: token=u holds %v", keysOf(rows))
	}
	if _, err := tab.Find(ctx, "token", "u"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Find of nothing: %v, want ErrNotFound", err)
	}
	if r, err := tab.Find(ctx, "token", "t"); err != nil || r.Key != "c1" {
		t.Fatalf("Find(token=t) = %v, %v", r, err)
	}
	if rows, err := tab.Lookup(ctx, "undeclared", "t"); err != nil || len(rows) != 0 {
		t.Fatalf("Lookup on an undeclared index = %v, %v; want none", rows, err)
	}
}

func testIndexKeysAndValues(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	tab := cards(s)
	mustPut(t, tab, "a", card{PANs: []string{"p1", "p2", "p1", ""}})
	mustPut(t, tab, "b", card{PANs: []string{"p2"}})
	if rows, _ := tab.Lookup(ctx, "pan", "p1"); keysOf(rows) != "a" {
		t.Fatalf("pan=p1 holds %v", keysOf(rows))
	}
	if rows, _ := tab.Lookup(ctx, "pan", "p2"); keysOf(rows) != "a,b" {
		t.Fatalf("pan=p2 holds %v (a repeated value must count once)", keysOf(rows))
	}
	if rows, _ := tab.Lookup(ctx, "pan", ""); len(rows) != 0 {
		t.Fatalf("an empty index value was indexed: %v", keysOf(rows))
	}
	dir := store.NewTable[string](s, "directory", store.By("consumer", byPrefix))
	for _, k := range []string{"alice|2", "alice|1", "bob|1", "alicia|1"} {
		if err := dir.Put(ctx, k, "ref-"+k); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := dir.Lookup(ctx, "consumer", "alice")
	if err != nil || keysOf(rows) != "alice|1,alice|2" || rows[1].Value != "ref-alice|2" {
		t.Fatalf("consumer=alice = %v, %v", rows, err)
	}
}

func testLateIndex(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	plain := store.NewTable[card](s, "late")
	for i := 0; i < 50; i++ {
		mustPut(t, plain, fmt.Sprintf("k%02d", i), card{Token: fmt.Sprintf("t%d", i%5)})
	}
	indexed := store.NewTable[card](s, "late", store.By("token", byToken))
	rows, err := indexed.Lookup(ctx, "token", "t3")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 || rows[0].Key != "k03" {
		t.Fatalf("an index declared after its records finds %d of 10 (%v)", len(rows), keysOf(rows))
	}
	// Declaring again (as code that builds its table per call does) changes nothing.
	again := store.NewTable[card](s, "late", store.By("token", byToken))
	if rows, _ := again.Lookup(ctx, "token", "t3"); len(rows) != 10 {
		t.Fatalf("a repeated declaration changed the index: %d", len(rows))
	}
}

func testIndexFailure(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	tab := cards(s)
	mustPut(t, tab, "k", card{Token: "t"})
	err := s.Put(ctx, "cards", "k", []byte(`not json`))
	var ie *store.IndexError
	if !errors.As(err, &ie) || ie.Key != "k" {
		t.Fatalf("Put of a value its index cannot read = %v, want an IndexError", err)
	}
	if got, _ := tab.Get(ctx, "k"); got.Token != "t" {
		t.Fatalf("a failed indexed Put changed the record: %+v", got)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t"); keysOf(rows) != "k" {
		t.Fatalf("a failed indexed Put changed the index: %v", keysOf(rows))
	}
}

func testCollectionsReset(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	tab := cards(s)
	mustPut(t, tab, "k1", card{Token: "t"})
	mustPut(t, tab, "k2", card{Token: "t"})
	if err := s.Put(ctx, "other", "x", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "gone", "x", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "gone", "x"); err != nil {
		t.Fatal(err)
	}
	cols, err := s.Collections(ctx)
	if err != nil || strings.Join(cols, ",") != "cards,other" {
		t.Fatalf("Collections = %v, %v; want cards,other (an emptied collection is not listed)", cols, err)
	}
	if n, err := store.Count(ctx, s, "cards"); err != nil || n != 2 {
		t.Fatalf("Count(cards) = %d, %v", n, err)
	}
	if d, ok := s.(store.Dropper); ok {
		if err := d.Drop(ctx, "other"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "other", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Drop left a record: %v", err)
		}
	}
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if cols, _ := s.Collections(ctx); len(cols) != 0 {
		t.Fatalf("Reset left %v", cols)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t"); len(rows) != 0 {
		t.Fatalf("Reset left index entries: %v", keysOf(rows))
	}
	// Indexes stay declared after a reset.
	mustPut(t, tab, "k3", card{Token: "t"})
	if rows, _ := tab.Lookup(ctx, "token", "t"); keysOf(rows) != "k3" {
		t.Fatalf("after Reset the index holds %v", keysOf(rows))
	}
}

func testNamespaces(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	a, b := store.Namespace(s, "mastercard"), store.Namespace(s, "visa")
	ta, tb := cards(a), cards(b)
	mustPut(t, ta, "1", card{Token: "t"})
	mustPut(t, tb, "1", card{Token: "t"})
	if rows, _ := ta.Lookup(ctx, "token", "t"); len(rows) != 1 {
		t.Fatalf("namespaced lookup saw %d records", len(rows))
	}
	if err := a.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, "1"); err != nil {
		t.Fatalf("reset of one namespace touched another: %v", err)
	}
	if rows, _ := tb.Lookup(ctx, "token", "t"); len(rows) != 1 {
		t.Fatalf("reset of one namespace touched another's index: %d", len(rows))
	}
	if rows, _ := ta.Lookup(ctx, "token", "t"); len(rows) != 0 {
		t.Fatalf("namespace reset left index entries: %d", len(rows))
	}
	cols, _ := s.Collections(ctx)
	if strings.Join(cols, ",") != "visa/cards" {
		t.Fatalf("collections = %v", cols)
	}
	if cols, _ := b.Collections(ctx); strings.Join(cols, ",") != "cards" {
		t.Fatalf("namespaced collections = %v", cols)
	}
}

func testBytes(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	// A value is kept byte for byte (key order, spacing), not re-encoded.
	v := []byte(`{"z": 1,  "a":"\u00e9"}`)
	if err := s.Put(ctx, "c", "k", v); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "c", "k")
	if err != nil || string(got) != string(v) {
		t.Fatalf("Get = %q, %v; want %q", got, err, v)
	}
	if !json.Valid(got) {
		t.Fatal("stored value is no longer JSON")
	}
}

func testReopen(t *testing.T, f Factory) {
	ctx := context.Background()
	s := f.Open(t)
	tab := cards(store.Namespace(s, "net"))
	mustPut(t, tab, "k1", card{Token: "t", Status: "ACTIVE"})
	mustPut(t, tab, "k2", card{Token: "t"})
	if err := tab.Delete(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	s = f.Reopen(t, s)
	tab = cards(store.Namespace(s, "net"))
	got, err := tab.Get(ctx, "k1")
	if err != nil || got.Status != "ACTIVE" {
		t.Fatalf("after reopen Get = %+v, %v", got, err)
	}
	if rows, _ := tab.Lookup(ctx, "token", "t"); keysOf(rows) != "k1" {
		t.Fatalf("after reopen the index holds %v", keysOf(rows))
	}
	if _, err := tab.Get(ctx, "k2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted record came back after reopen: %v", err)
	}
}

func testPeers(t *testing.T, f Factory) {
	ctx := context.Background()
	s1 := f.Open(t)
	s2 := f.Peer(t, s1)
	t1, t2 := cards(s1), cards(s2)
	mustPut(t, t1, "k", card{Status: "ACTIVE", Token: "t"})
	if rows, _ := t2.Lookup(ctx, "token", "t"); keysOf(rows) != "k" {
		t.Fatalf("a peer does not see the record in its index: %v", keysOf(rows))
	}
	// Race the same illegal-after-the-first transition from both handles.
	const rounds = 20
	for i := 0; i < rounds; i++ {
		key := fmt.Sprintf("race%d", i)
		mustPut(t, t1, key, card{Status: "ACTIVE"})
		var attempts []func() error
		for _, tab := range []store.Table[card]{t1, t2, t1, t2} {
			attempts = append(attempts, func() error {
				return tab.Update(ctx, key, func(c *card, _ bool) error {
					if c.Status != "ACTIVE" {
						return errIllegal
					}
					c.Status = "DELETED"
					return nil
				})
			})
		}
		if ok, refused := race(t, attempts); ok != 1 || refused != 3 {
			t.Fatalf("round %d: %d transitions applied, %d refused; want exactly 1 and 3", i, ok, refused)
		}
	}
	// A transition spanning two records raced from both handles: once.
	p1, p2 := profiles(s1), profiles(s2)
	for i := 0; i < rounds; i++ {
		ck, pk := fmt.Sprintf("span%d", i), fmt.Sprintf("owner%d", i)
		mustPut(t, t1, ck, card{ID: ck, Status: "ACTIVE"})
		mustPut(t, p1, pk, profile{Cards: map[string]string{ck: "ACTIVE"}})
		change := func(c *store.Held[card], p *store.Held[profile]) error {
			if c.Value.Status != "ACTIVE" || p.Value.Cards[ck] != "ACTIVE" {
				return errIllegal
			}
			c.Value.Status, p.Value.Cards[ck] = "DELETED", "DELETED"
			return nil
		}
		var attempts []func() error
		for j, pair := range []struct {
			c store.Table[card]
			p store.Table[profile]
		}{{t1, p1}, {t2, p2}, {t1, p1}, {t2, p2}} {
			attempts = append(attempts, func() error {
				// Half name the records in the other order: no deadlock.
				if j%2 == 0 {
					return store.Update2(ctx, pair.c, ck, pair.p, pk, change)
				}
				return store.Update2(ctx, pair.p, pk, pair.c, ck, func(p *store.Held[profile], c *store.Held[card]) error { return change(c, p) })
			})
		}
		if ok, refused := race(t, attempts); ok != 1 || refused != 3 {
			t.Fatalf("round %d of a two-record transition: %d applied, %d refused; want exactly 1 and 3", i, ok, refused)
		}
	}

	// Creating an absent key from both handles at once: one creates it.
	var wg sync.WaitGroup
	created := make(chan bool, 4)
	for _, tab := range []store.Table[card]{t1, t2, t1, t2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = tab.Update(ctx, "fresh", func(c *card, exists bool) error {
				c.N++
				return nil
			})
			created <- true
		}()
	}
	wg.Wait()
	if got, _ := t1.Get(ctx, "fresh"); got.N != 4 {
		t.Fatalf("four concurrent updates of a new key from two peers left N=%d", got.N)
	}
}

var errIllegal = errors.New("illegal transition")

// race runs the attempts at once and counts those that applied and those
// refused as an illegal transition; any other error fails the test.
func race(t *testing.T, attempts []func() error) (ok, refused int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, attempt := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := attempt()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, errIllegal):
				refused++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return ok, refused
}

func mustPut[T any](t *testing.T, tab store.Table[T], k string, v T) {
	t.Helper()
	if err := tab.Put(context.Background(), k, v); err != nil {
		t.Fatal(err)
	}
}
