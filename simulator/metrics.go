package simulator

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/store"
)

// metrics are the simulator's Prometheus metrics, on a registry of its own
// (two simulators in one process never share counters). GET /metrics
// serves them.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	verdicts  *prometheus.CounterVec
	callbacks *prometheus.CounterVec
	storeOps  *prometheus.HistogramVec
	// requestSeries holds the requests counter of each series seen
	// (requestKey → prometheus.Counter).
	requestSeries sync.Map
}

func newMetrics(s *Simulator) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "c2psim_requests_total",
			Help: "Requests the networks answered, by network, operation (operationId, empty when none matched) and HTTP status.",
		}, []string{"network", "operation", "status"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "c2psim_verdict_failures_total",
			Help: "Failed checks of exchanges, by network and check (auth, request, response).",
		}, []string{"network", "check"}),
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "c2psim_callback_attempts_total",
			Help: "Attempts at delivering enqueued callbacks, by network, operation and outcome (delivered, failed: retried later, dead: given up).",
		}, []string{"network", "operation", "outcome"}),
		storeOps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "c2psim_store_operation_seconds",
			Help:    "Latency of state store operations, by operation.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.requests, m.verdicts, m.callbacks, m.storeOps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, state := range []string{"pending", "dead"} {
		dead := state == "dead"
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "c2psim_outbox_depth",
			Help:        "Enqueued callbacks by state: pending (waiting or being retried) and dead (dead letters).",
			ConstLabels: prometheus.Labels{"state": state},
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			d, err := s.Deliveries(ctx, dead)
			if err != nil {
				return -1
			}
			return float64(len(d))
		}))
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "c2psim_journal_entries",
		Help: "Exchanges the journal holds.",
	}, func() float64 { return float64(s.journal.Len()) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "c2psim_journal_bytes",
		Help: "Bytes of the exchanges the journal holds in memory, as it counts them against --journal-bytes.",
	}, func() float64 { held, _ := s.journal.Bytes(); return float64(held) }))
	return m
}

// exchange counts one answered inbound exchange.
func (m *metrics) exchange(e *journal.Entry) {
	m.requestCounter(e.Network, e.OperationID, e.Status).Inc()
	for _, c := range [...]struct {
		check string
		v     *journal.Verdict
	}{{"auth", e.Auth}, {"request", e.RequestCheck}, {"response", e.ResponseCheck}} {
		if c.v != nil && !c.v.OK {
			m.verdicts.WithLabelValues(e.Network, c.check).Inc()
		}
	}
}

// requestKey names one series of requests.
type requestKey struct {
	network, operation string
	status             int
}

// requestCounter returns the requests counter of a series, looked up in
// the vector once (the vector's lookup hashes every label each time).
func (m *metrics) requestCounter(network, operation string, status int) prometheus.Counter {
	k := requestKey{network, operation, status}
	if c, ok := m.requestSeries.Load(k); ok {
		return c.(prometheus.Counter)
	}
	c := m.requests.WithLabelValues(network, operation, statusLabel(status))
	m.requestSeries.Store(k, c)
	return c
}

// statusLabels are the statuses as label values, made once.
var statusLabels = func() (out [1000]string) {
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

func statusLabel(status int) string {
	if status >= 0 && status < len(statusLabels) {
		return statusLabels[status]
	}
	return strconv.Itoa(status)
}

func (m *metrics) callbackAttempt(network, operation, outcome string) {
	m.callbacks.WithLabelValues(network, operation, outcome).Inc()
}

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// timedStore measures every operation of a store.
type timedStore struct {
	s store.Store
	h *prometheus.HistogramVec
}

func (t timedStore) observe(op string, start time.Time) {
	t.h.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

func (t timedStore) Get(ctx context.Context, c, k string) ([]byte, error) {
	defer t.observe("get", time.Now())
	return t.s.Get(ctx, c, k)
}
func (t timedStore) Put(ctx context.Context, c, k string, v []byte) error {
	defer t.observe("put", time.Now())
	return t.s.Put(ctx, c, k, v)
}
func (t timedStore) Delete(ctx context.Context, c, k string) error {
	defer t.observe("delete", time.Now())
	return t.s.Delete(ctx, c, k)
}
func (t timedStore) Update(ctx context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	defer t.observe("update", time.Now())
	return t.s.Update(ctx, c, k, fn)
}
func (t timedStore) UpdateMany(ctx context.Context, refs []store.Ref, fn func([][]byte) ([][]byte, error)) error {
	defer t.observe("update", time.Now())
	return t.s.UpdateMany(ctx, refs, fn)
}
func (t timedStore) List(ctx context.Context, c string) ([]store.Entry, error) {
	defer t.observe("list", time.Now())
	return t.s.List(ctx, c)
}
func (t timedStore) DeclareIndex(c string, idx store.Index) { t.s.DeclareIndex(c, idx) }
func (t timedStore) Lookup(ctx context.Context, c, index, value string) ([]store.Entry, error) {
	defer t.observe("lookup", time.Now())
	return t.s.Lookup(ctx, c, index, value)
}
func (t timedStore) Collections(ctx context.Context) ([]string, error) { return t.s.Collections(ctx) }
func (t timedStore) Reset(ctx context.Context) error                   { return t.s.Reset(ctx) }
func (t timedStore) Count(ctx context.Context, c string) (int, error) {
	return store.Count(ctx, t.s, c)
}
func (t timedStore) Drop(ctx context.Context, c string) error {
	defer t.observe("drop", time.Now())
	if d, ok := t.s.(store.Dropper); ok {
		return d.Drop(ctx, c)
	}
	entries, err := t.s.List(ctx, c)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := t.s.Delete(ctx, c, e.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

var (
	_ store.Dropper = timedStore{}
	_ store.Counter = timedStore{}
)
