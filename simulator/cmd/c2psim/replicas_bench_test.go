package main

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	axclient "github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
)

// enrolmentsPerSecond enrols n cards (each a new consumer, the card data
// encrypted as JWE) from workers spread over the adapters round robin.
func enrolmentsPerSecond(b *testing.B, adapters []*axclient.Adapter, n, workers int) float64 {
	b.Helper()
	ctx := context.Background()
	// Warm up each replica (connections, first index use) before timing.
	for k, a := range adapters {
		for i := 0; i < 20; i++ {
			if _, err := a.EnrolCard(ctx, amexConsumer(-1000*(k+1)-i), amexCard(900000+1000*k+i)); err != nil {
				b.Fatalf("warming up: %v", err)
			}
		}
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				a := adapters[i%len(adapters)]
				if _, err := a.EnrolCard(ctx, amexConsumer(i), amexCard(i)); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d enrolments failed", f, n)
	}
	return float64(n) / elapsed.Seconds()
}

// BenchmarkReplicasOnOneDatabase measures encrypted enrolments per second
// through one c2psim replica and through two on one PostgreSQL database,
// each replica pinned to its own core, and reports the ratio. One and two
// replicas are measured in turn, three times each, and the medians are
// reported: on a shared machine the load of the moment moves a single
// measurement by a factor of two. The load generator and PostgreSQL share
// the same machine, so the ratio says what a second replica adds here, not
// on a machine of its own.
func BenchmarkReplicasOnOneDatabase(b *testing.B) {
	const n, workers, rounds = 600, 16, 3
	var one, two []float64
	for b.Loop() {
		one, two = one[:0], two[:0]
		for range rounds {
			p1 := startPinned(b, 0, "--store", pgtest.URL(b))
			one = append(one, enrolmentsPerSecond(b, []*axclient.Adapter{p1.amex(b)}, n, workers))
			p1.kill()

			u := pgtest.URL(b)
			pa := startPinned(b, 0, "--store", u)
			pb := startPinned(b, 1, "--store", u)
			two = append(two, enrolmentsPerSecond(b, []*axclient.Adapter{pa.amex(b), pb.amex(b)}, n, workers))
			pa.kill()
			pb.kill()
		}
	}
	m1, m2 := median(one), median(two)
	b.ReportMetric(m1, "enrol/s-1-replica")
	b.ReportMetric(m2, "enrol/s-2-replicas")
	b.ReportMetric(m2/m1, "ratio")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// BenchmarkEnrolmentsByStore measures encrypted enrolments per second
// through one replica pinned to one core, by where state lives: in memory,
// in the embedded store (--data-dir) and in PostgreSQL (--store).
func BenchmarkEnrolmentsByStore(b *testing.B) {
	const n, workers = 600, 16
	for _, tc := range []struct {
		name string
		args func(b *testing.B) []string
	}{
		{"memory", func(*testing.B) []string { return nil }},
		{"data-dir", func(b *testing.B) []string { return []string{"--data-dir", b.TempDir()} }},
		{"postgres", func(b *testing.B) []string { return []string{"--store", pgtest.URL(b)} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var rate float64
			for b.Loop() {
				p := startPinned(b, 0, tc.args(b)...)
				rate = enrolmentsPerSecond(b, []*axclient.Adapter{p.amex(b)}, n, workers)
				p.kill()
			}
			b.ReportMetric(rate, "enrol/s")
		})
	}
}
