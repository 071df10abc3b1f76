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
