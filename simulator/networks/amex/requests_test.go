package amex

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
)

// TestRequestLogOrderIsBoundedUnderServiceErrors: service errors are not
// remembered, so their records leave the map out of order; with an older
// answer still remembered at the head, their order entries must not pile up.
func TestRequestLogOrderIsBoundedUnderServiceErrors(t *testing.T) {
	clock := simulator.NewFakeClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	n := &Network{env: &simulator.Env{Clock: clock}, requests: newRequestLog(24*time.Hour, 10000)}
	status := http.StatusOK
	h := n.idempotent(func(context.Context, *simulator.Request) (*simulator.Response, error) {
		if status >= 500 {
			return nil, axError(status, simulator.KindUnavailable, codeUnavailable, "down")
		}
		return &simulator.Response{Status: status, Raw: []byte(`{}`)}, nil
	})
	call := func(i int) {
		r := httptest.NewRequest(http.MethodGet, "/amex/payments/digital/v2/consumers/cm-1", nil)
		r.Header.Set(mac.HeaderRequestID, fmt.Sprintf("6f1c2a9e-3b7d-4c1e-9a2f-%012x", i))
		_, _ = h(context.Background(), &simulator.Request{HTTP: r})
	}
	call(0) // remembered: a live record at the head of the order
	status = http.StatusServiceUnavailable
	l := n.requests
	for i := 1; i <= 20000; i++ {
		call(i)
		l.mu.Lock()
		records, order := len(l.byKey), len(l.order)
		l.mu.Unlock()
		if records != 1 {
			t.Fatalf("after %d service errors: %d records remembered, want 1", i, records)
		}
		if bound := 2*records + staleSlack + 1; order > bound {
			t.Fatalf("after %d service errors: %d order entries for %d record(s), want at most %d", i, order, records, bound)
		}
	}
	// The remembered answer is still replayed after the compactions.
	status = http.StatusOK
	r := httptest.NewRequest(http.MethodGet, "/amex/payments/digital/v2/consumers/cm-2", nil)
	r.Header.Set(mac.HeaderRequestID, fmt.Sprintf("6f1c2a9e-3b7d-4c1e-9a2f-%012x", 0))
	if _, err := h(context.Background(), &simulator.Request{HTTP: r}); err == nil {
		t.Fatal("the remembered request ID was forgotten: its reuse for another request was not refused")
	}
}
