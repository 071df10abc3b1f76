package amex_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// TestALostEnrolmentAnswerDoesNotEnrolTwice: the network enrols the card
// but its answer is lost (a gateway answers 503). The Issuer's retry is a
// new request with a fresh x-amex-request-id, meets ALREADY_ENROLLED, checks
// the profile and counts the enrolment as done: one token (IDM-04).
func TestALostEnrolmentAnswerDoesNotEnrolTwice(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"amex"}, FakeClock: true})
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = srv.Client.Transport
	var lost atomic.Bool
	var ids []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tokens/provisioning") {
			proxy.ServeHTTP(w, r)
			return
		}
		ids = append(ids, r.Header.Get("x-amex-request-id"))
		if lost.Swap(true) {
			proxy.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r) // processed by the network...
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable) // ...but the answer is lost on the way back
		_, _ = io.WriteString(w, `{"error_code":"SERVICE_UNAVAILABLE","error_type":"service_error","error_description":"gateway timeout"}`)
	}))
	defer gw.Close()
	cfg := config(t, srv)
	cfg.BaseURL = gw.URL + srv.Sim.BasePath("amex")
	cfg.HTTPClient = gw.Client()
	a, err := amex.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	iss, _ := client.New(client.WithAdapter(a), client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	op, err := iss.EnrolCard(context.Background(), ada(), card("k1", sampleCard))
	if err != nil || op.Status != client.Succeeded || op.TokenRef == "" {
		t.Fatalf("enrol after a lost answer = %+v, %v", op, err)
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("enrolment attempts %v: want two, each with its own request ID", ids)
	}
	p, err := iss.GetProfile(context.Background(), client.Amex, "cm-1")
	if err != nil || len(p.Cards) != 1 || p.Cards[0].TokenRef != op.TokenRef {
		t.Fatalf("profile = %+v, %v: the card must be enrolled once", p, err)
	}
	if e, _ := iss.Enrolment(client.Amex, "k1"); e.State != client.StateActive || e.TokenRef != op.TokenRef {
		t.Fatalf("enrolment = %+v", e)
	}
}
