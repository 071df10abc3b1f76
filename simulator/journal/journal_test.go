package journal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
)

func TestRingIsBoundedAndNewestFirst(t *testing.T) {
	j := New(Options{Entries: 3})
	for i := 1; i <= 5; i++ {
		j.Add(Entry{Network: "visa", OperationID: fmt.Sprint("op", i)})
	}
	if j.Len() != 3 || j.Dropped() != 2 {
		t.Fatalf("len=%d dropped=%d", j.Len(), j.Dropped())
	}
	got := j.Find(Query{})
	if len(got) != 3 || got[0].OperationID != "op5" || got[2].OperationID != "op3" {
		t.Fatalf("Find = %+v", got)
	}
	if got := j.Find(Query{Limit: 1}); len(got) != 1 || got[0].Seq != 5 {
		t.Fatalf("limit: %+v", got)
	}
	if got := j.Find(Query{AfterSeq: 4}); len(got) != 1 {
		t.Fatalf("afterSeq: %+v", got)
	}
}

func TestFilters(t *testing.T) {
	j := New(Options{Entries: 10})
	j.Add(Entry{Network: "visa", OperationID: "enrollData", CorrelationIDs: []string{"t1"}, Direction: Inbound})
	j.Add(Entry{Network: "mastercard", OperationID: "putCard", CorrelationIDs: []string{"c1"}, Direction: Outbound})
	if got := j.Find(Query{Network: "visa"}); len(got) != 1 || got[0].OperationID != "enrollData" {
		t.Fatalf("network filter: %+v", got)
	}
	if got := j.Find(Query{CorrelationID: "c1", Direction: Outbound}); len(got) != 1 {
		t.Fatalf("correlation filter: %+v", got)
	}
	j.Clear()
	if j.Len() != 0 || len(j.Find(Query{})) != 0 {
		t.Fatal("Clear left entries")
	}
}

func TestConcurrentAddAndFind(t *testing.T) {
	j := New(Options{Entries: 64})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				j.Add(Entry{Network: "amex"})
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				_ = j.Find(Query{Network: "amex", Limit: 5})
			}
		}()
	}
	wg.Wait()
	if j.Len() != 64 {
		t.Fatalf("len = %d", j.Len())
	}
}

func TestHeadersAndBodiesAreRedacted(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", `OAuth oauth_consumer_key="abc", oauth_signature="sig"`)
	h.Set("X-Card", "5186001700008785")
	got := Headers(pan.Default(), h)
	if got["Authorization"] != "OAuth [removed]" {
		t.Errorf("Authorization = %q", got["Authorization"])
	}
	if strings.Contains(got["X-Card"], "5186001700008785") {
		t.Errorf("PAN leaked in header: %q", got["X-Card"])
	}
	body := Body(pan.Default(), []byte(`{"accountNumber":"4111111145551140","cvv2":"123","expirationDate":"2030-12"}`), 0)
	for _, leak := range []string{"4111111145551140", "123", "2030-12"} {
		if strings.Contains(body, leak) {
			t.Errorf("%q leaked in %s", leak, body)
		}
	}
}

func TestAddMasksCardNumbersInEveryTextField(t *testing.T) {
	const card = "378282246310005"
	j := New(Options{Entries: 10})
	j.Add(Entry{
		URL:            "/amex/x?pan=" + card,
		Principal:      card,
		CorrelationIDs: []string{card},
		Auth:           &Verdict{Reason: `MAC id is not a known client id: "` + card + `"`},
		RequestCheck:   &Verdict{Issues: []string{"value " + card + " is not allowed"}},
		ResponseCheck:  &Verdict{Reason: card},
		Notes:          map[string]string{"card": card},
		Error:          "dial: " + card,
	})
	b, _ := json.Marshal(j.Find(Query{}))
	if strings.Contains(string(b), card) {
		t.Fatalf("a card number is in the journal in clear: %s", b)
	}
}

// The cards an exchange concerns are masked wherever they appear in its
// entry, even when they fail the Luhn check; other entries are not affected.
func TestAddMasksTheExchangesOwnCards(t *testing.T) {
	const card = "6011000000000005" // fails Luhn
	j := New(Options{Entries: 4})
	j.Add(Entry{CorrelationIDs: []string{"ref" + card}, Notes: map[string]string{card: "x"}, Error: "card " + card}, card)
	j.Add(Entry{CorrelationIDs: []string{"ref" + card}})
	got := j.Find(Query{})
	b, _ := json.Marshal(got[1])
	if strings.Contains(string(b), card) {
		t.Fatalf("the exchange's card is in its entry: %s", b)
	}
	if got[0].CorrelationIDs[0] != "ref"+card {
		t.Fatalf("another entry was masked with this exchange's card: %v", got[0].CorrelationIDs)
	}
	if es := j.Find(Query{CorrelationID: "ref" + card}); len(es) != 1 {
		t.Fatalf("an ID holding a card is found by its masked form: %d entries", len(es))
	}
}

func TestBoundedInBytesDroppingTheOldest(t *testing.T) {
	j := New(Options{Entries: 1000, Bytes: MinBytes})
	big := strings.Repeat("x", 60<<10)
	for i := 0; i < 100; i++ {
		j.Add(Entry{Network: "visa", OperationID: fmt.Sprint("op", i), RequestBody: big})
	}
	held, bound := j.Bytes()
	if held > bound || bound != MinBytes {
		t.Fatalf("holds %d bytes, bound %d", held, bound)
	}
	if n := j.Len(); n < 10 || n > 17 || j.Dropped() != uint64(100-n) {
		t.Fatalf("len %d, dropped %d", n, j.Dropped())
	}
	if got := j.Find(Query{Limit: 1}); got[0].OperationID != "op99" {
		t.Fatalf("newest is %s", got[0].OperationID)
	}
	j.Clear()
	if held, _ := j.Bytes(); held != 0 || j.Len() != 0 {
		t.Fatalf("after Clear: %d bytes, %d entries", held, j.Len())
	}
	if New(Options{Bytes: 10}).maxBytes != MinBytes {
		t.Fatal("a bound under MinBytes is not raised")
	}
}

func TestPagesWalkEveryEntryOnce(t *testing.T) {
	j := New(Options{Entries: 100})
	for i := 0; i < 50; i++ {
		j.Add(Entry{Network: []string{"visa", "amex"}[i%2], RequestBody: strings.Repeat("b", 1000)})
	}
	var seqs []uint64
	q := Query{Network: "visa", AfterSeq: 10, Limit: 7}
	for {
		page, more := j.Page(q, 0)
		for _, e := range page {
			seqs = append(seqs, e.Seq)
		}
		if !more {
			break
		}
		q.BeforeSeq = page[len(page)-1].Seq
	}
	want := []uint64{}
	for s := uint64(49); s > 10; s -= 2 {
		want = append(want, s)
	}
	if fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", seqs, want)
	}
	if page, more := j.Page(Query{}, 3100); len(page) != 2 || !more {
		t.Fatalf("a byte-bounded page has %d entries (more %v)", len(page), more)
	}
	if page, _ := j.Page(Query{}, 1); len(page) != 1 {
		t.Fatal("a page always holds at least one entry")
	}
}

func TestHeadersAreBounded(t *testing.T) {
	h := http.Header{}
	h.Set("X-Long", strings.Repeat("a", 5000)+" 5186001700008785")
	h.Set("X-Edge", strings.Repeat("z", HeaderValueMax-8)+"5186001700008785")
	h.Set("X-"+strings.Repeat("N", 300), "v")
	for i := 0; i < 40; i++ {
		h.Set(fmt.Sprintf("X-Fill-%02d", i), strings.Repeat("f", 900))
	}
	got := Headers(pan.Default(), h)
	total := 0
	for k, v := range got {
		total += len(k) + len(v)
		if len(k) > HeaderNameMax+len(Truncated) || len(v) > HeaderValueMax+len(Truncated) {
			t.Errorf("header %.20s… is %d+%d bytes", k, len(k), len(v))
		}
		if strings.Contains(v, "51860017") {
			t.Errorf("a card number cut at the bound shows more than its first six digits: %q", v[len(v)-40:])
		}
	}
	if total > HeadersMax+200 {
		t.Errorf("headers hold %d bytes", total)
	}
	if !strings.Contains(got[TruncatedHeaders], "more headers") {
		t.Errorf("dropped headers are not counted: %q", got[TruncatedHeaders])
	}
	if v := got["X-Edge"]; !strings.HasSuffix(v, Truncated) || !strings.Contains(v, "518600**") {
		t.Errorf("X-Edge = …%q", v[len(v)-30:])
	}
}

// A body is journalled as a copy of its own, whether something in it was
// masked or not and whether it was cut, and a body that redaction makes
// longer (removed values, masked numbers written as strings) is cut at the
// bound all the same.
func TestBodiesAreCopiesWithinTheBound(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
	}{
		{"clean", `{"id":"53141213-1111-4111-8111-abcdef012345","n":1}`, 0},
		{"masked", `{"note":"card 5186001700008785"}`, 0},
		{"removed", `{"cvc":"1","x":"y"}`, 64},
		{"cut clean", `{"x":"` + strings.Repeat("a", 200) + `"}`, 100},
		{"cut masked", `{"x":"` + strings.Repeat("a", 200) + ` 5186001700008785"}`, 100},
		{"cut, shorter once redacted", `{"clientSecret":"` + strings.Repeat("s", 200) + `"}`, 100},
		{"not JSON", `card 5186001700008785 {`, 0},
	} {
		b := []byte(tc.in)
		got := Body(pan.Default(), b, tc.max)
		want := strings.Clone(got)
		for i := range b {
			b[i] = '#'
		}
		if got != want || strings.Contains(got, "#") {
			t.Errorf("%s: the journalled body changed with the request's buffer: %q", tc.name, got)
		}
		if strings.Contains(got, "5186001700008785") || strings.Contains(got, strings.Repeat("s", 20)) {
			t.Errorf("%s: %q", tc.name, got)
		}
	}
	// {"cvc":1,...}: each removed value grows the body by 10 bytes.
	grown := `{"cvc":1,"cvv":2,"otp":3,"cid":4,"x":"` + strings.Repeat("a", 30) + `"}`
	if len(grown) > 80 {
		t.Fatalf("the case is %d bytes", len(grown))
	}
	if got := Body(pan.Default(), []byte(grown), 80); len(got) != 80+len(Truncated) || !strings.HasSuffix(got, Truncated) {
		t.Errorf("a body redaction made longer than the bound is %d bytes: %q", len(got), got)
	}
}
