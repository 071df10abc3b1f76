package mastercard_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
)

// Mastercard's callbacks carry field-level ciphertext in hex, whose digit
// runs often pass the Luhn check by chance: the journal keeps every body
// exactly as it was sent, byte for byte.
func TestJournalKeepsCallbackCiphertextByteForByte(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	var mu sync.Mutex
	var sent []string
	tap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, string(raw))
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(raw))
		iss.serve(w, r)
	}))
	defer tap.Close()
	if err := srv.Sim.SetCallbackTarget(mastercard.ID, simulator.CallbackTarget{URL: tap.URL + "/issuer", RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	tur := enrolToken(t, c, "5186001700008785", "ACTIVE")
	ctx := context.Background()
	for i := 0; i < 27; i++ {
		status := "SUSPENDED"
		if i%2 == 1 {
			status = "ACTIVE"
		}
		if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": status}); err != nil {
			t.Fatal(err)
		}
		iss.ntu(t)
	}
	var journalled []string
	for _, e := range srv.Sim.Journal().Find(journal.Query{Network: mastercard.ID, Direction: journal.Outbound}) {
		journalled = append(journalled, e.RequestBody)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) < 28 {
		t.Fatalf("only %d callbacks were sent", len(sent))
	}
	slices.Sort(sent)
	slices.Sort(journalled)
	differ := 0
	for i := range sent {
		if i >= len(journalled) || journalled[i] != sent[i] {
			differ++
			if i < len(journalled) {
				a, b := sent[i], journalled[i]
				k := 0
				for k < len(a) && k < len(b) && a[k] == b[k] {
					k++
				}
				t.Logf("differs at byte %d: sent %q, journalled %q", k, a[max(0, k-40):min(len(a), k+40)], b[max(0, k-40):min(len(b), k+40)])
			}
		}
	}
	if differ > 0 || len(journalled) != len(sent) {
		t.Fatalf("%d of %d journalled callback bodies differ from what was sent (%d journalled)", differ, len(sent), len(journalled))
	}
}
