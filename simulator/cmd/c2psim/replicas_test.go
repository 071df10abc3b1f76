package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
)

// Two c2psim processes on one PostgreSQL database behave as one simulator:
// enrol through one, read and change through the other, race an illegal
// transition, and kill the replica working a callback retry: the other
// delivers it.
func TestTwoReplicasOnOneDatabaseAreOneSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real binary twice")
	}
	url := pgtest.URL(t)
	ctx := context.Background()
	pa := startProc(t, "--store", url, "--poll-interval", "200ms")
	pb := startProc(t, "--store", url, "--poll-interval", "200ms")
	a, b := pa.amex(t), pb.amex(t)

	// Shared credentials: a client configured from either replica works on both.
	is := newIssuer(t, a)
	is.hang.Store(true) // each attempt lasts its whole timeout: a kill lands mid-attempt
	if st := pa.admin(t, http.MethodPut, "/networks/amex/callback", map[string]any{"url": is.url(), "timeout": "1s",
		"retry": map[string]string{"initial": "200ms", "max": "1s", "deadline": "10m"}}, nil); st != http.StatusOK {
		t.Fatalf("callback target: %d", st)
	}

	op, err := a.EnrolCard(ctx, amexConsumer(1), amexCard(1))
	if err != nil {
		t.Fatalf("enrolling through A: %v", err)
	}
	if st, err := b.TokenStatus(ctx, op.TokenRef); err != nil || st != "ACTIVE" {
		t.Fatalf("reading through B: %q, %v", st, err)
	}
	act := client.CardAction{ConsumerRef: amexConsumer(1).Ref, Card: amexCard(1), TokenRef: op.TokenRef, Reason: "LOST"}
	if _, err := b.SuspendCard(ctx, act); err != nil {
		t.Fatalf("suspending through B: %v", err)
	}
	if st, _ := a.TokenStatus(ctx, op.TokenRef); st != "SUSPENDED" {
		t.Fatalf("A sees %q after B suspended", st)
	}

	// Resume raced through both replicas: legal once, refused once.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, ad := range []interface {
		ResumeCard(context.Context, client.CardAction) (*client.Operation, error)
	}{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = ad.ResumeCard(ctx, act) }()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, client.ErrIllegalTransition):
			refused++
		default:
			t.Errorf("resume: %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("a resume raced by two replicas: %d applied, %d refused (%v); want 1 and 1", ok, refused, errs)
	}

	// The suspension and the resume each enqueued a notification; the
	// issuer does not answer them in time. Kill the replica in the middle of
	// an attempt: its lease lapses and the other replica takes over.
	var working simulator.Delivery
	waitUntil(t, time.Minute, "a notification retried by a replica", func() bool {
		var pending []simulator.Delivery
		pb.admin(t, http.MethodGet, "/outbox?state=pending", nil, &pending)
		for _, d := range pending {
			if d.Attempts >= 1 && d.Worker != "" {
				working = d
				return true
			}
		}
		return false
	})
	victim, survivor := pa, pb
	if strings.Contains(working.Worker, pidOf(pb)) {
		victim, survivor = pb, pa
	}
	if !strings.Contains(working.Worker, pidOf(victim)) {
		t.Fatalf("the worker %q is neither replica (pids %s, %s)", working.Worker, pidOf(pa), pidOf(pb))
	}
	victim.kill()
	is.hang.Store(false)
	waitUntil(t, time.Minute, "both notifications delivered by the surviving replica", func() bool {
		var pending []simulator.Delivery
		survivor.admin(t, http.MethodGet, "/outbox", nil, &pending)
		_, perID := is.notified()
		return len(pending) == 0 && len(perID) == 2
	})

	// One journal: the survivor shows the exchanges the dead replica had.
	// Entries reach the shared journal just after their exchange (the
	// journal writer is off the request path): wait for them.
	type journalPage struct {
		Entries []struct {
			Direction string `json:"direction"`
			Status    int    `json:"status"`
			Error     string `json:"error"`
		} `json:"entries"`
	}
	// The killed replica's attempt in flight is never journalled (it died
	// before the answer); the earlier failed one and the survivor's are.
	waitUntil(t, 30*time.Second, "the shared journal showing at least 1 failed and 2 delivered attempts", func() bool {
		var j journalPage
		survivor.admin(t, http.MethodGet, "/journal?direction=outbound", nil, &j)
		refusedAttempts, delivered := 0, 0
		for _, e := range j.Entries {
			if e.Error != "" || e.Status == http.StatusServiceUnavailable {
				refusedAttempts++
			}
			if e.Status >= 200 && e.Status < 300 {
				delivered++
			}
		}
		return refusedAttempts >= 1 && delivered >= 2
	})
	var inbound struct {
		Entries []any `json:"entries"`
	}
	survivor.admin(t, http.MethodGet, "/journal?direction=inbound&network=amex", nil, &inbound)
	if len(inbound.Entries) < 5 {
		t.Fatalf("the shared journal shows %d inbound exchanges of both replicas, want at least 5", len(inbound.Entries))
	}
}

// pidOf is the part of a replica name that is its process ID.
func pidOf(p *proc) string { return "-" + strconv.Itoa(p.cmd.Process.Pid) + "-" }
