package simulator

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/internal/pause"
	"github.com/c2psim/c2psim/simulator/journal"
)

// CallbackTarget is where a network's calls to the issuer go.
type CallbackTarget struct {
	// URL is the issuer's callback base URL; callbacks append their path.
	URL string `json:"url"`
	// RetrySchedule is the delay before each redelivery after a failed
	// attempt; its length is the number of retries.
	RetrySchedule []time.Duration `json:"-"`
	// Timeout bounds each attempt.
	Timeout time.Duration `json:"-"`
	// InsecureSkipVerify accepts any TLS certificate from the issuer.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
	// Retry governs enqueued callbacks (CallbackSender.Enqueue); zero
	// fields take DefaultRetryPolicy's. RetrySchedule governs Send.
	Retry RetryPolicy `json:"-"`
}

// DefaultRetrySchedule is used when a target gives none: three redeliveries.
var DefaultRetrySchedule = []time.Duration{500 * time.Millisecond, 2 * time.Second, 5 * time.Second}

// DefaultCallbackTimeout bounds each callback attempt when none is given.
const DefaultCallbackTimeout = 5 * time.Second

// SetCallbackTarget sets where a network's callbacks go. A nil
// RetrySchedule means DefaultRetrySchedule; an empty non-nil one means no
// retries.
func (s *Simulator) SetCallbackTarget(network string, t CallbackTarget) error {
	if _, ok := s.byID[network]; !ok {
		return fmt.Errorf("unknown network %q", network)
	}
	if t.URL != "" {
		if err := s.callbackPolicy.checkURL(t.URL); err != nil {
			return err
		}
	}
	if t.RetrySchedule == nil {
		t.RetrySchedule = DefaultRetrySchedule
	}
	if t.Timeout <= 0 {
		t.Timeout = DefaultCallbackTimeout
	}
	t.URL = strings.TrimSuffix(t.URL, "/")
	// Stored first: replicas on a shared store and the next process find it.
	if err := s.saveTarget(context.Background(), network, t); err != nil {
		return fmt.Errorf("storing the callback target: %w", err)
	}
	s.callbacksMu.Lock()
	defer s.callbacksMu.Unlock()
	s.callbacks[network] = t
	return nil
}

// CallbackTarget returns where a network's callbacks go. With a store
// shared by replicas (Options.PollInterval) the targets are read from it
// again once they are older than the poll interval, and whenever the
// network has none, so a target set through one replica is used by all.
func (s *Simulator) CallbackTarget(network string) CallbackTarget {
	if s.opts.PollInterval > 0 {
		s.callbacksMu.RLock()
		stale := s.clock.Now().Sub(s.targetsRead) >= s.opts.PollInterval || s.callbacks[network].URL == ""
		s.callbacksMu.RUnlock()
		if stale {
			_ = s.loadTargets(context.Background()) // on failure the cached targets stay in use
		}
	}
	s.callbacksMu.RLock()
	defer s.callbacksMu.RUnlock()
	return s.callbacks[network]
}

type callbackSender struct {
	sim *Simulator
	m   *mounted

	mtlsMu sync.Mutex
	mtls   map[*http.Client]*http.Client // the simulator's clients, presenting the network's certificate
}

func (c *callbackSender) Configured() bool { return c.sim.CallbackTarget(c.m.id).URL != "" }

// Send delivers a callback now, with retries; see CallbackSender.
func (c *callbackSender) Send(ctx context.Context, cb *Callback) (*CallbackResult, error) {
	return c.deliver(ctx, cb)
}

// Enqueue hands a callback to the outbox; see CallbackSender.
func (c *callbackSender) Enqueue(ctx context.Context, cb *Callback) error {
	if cb.ID == "" {
		return fmt.Errorf("%s %s: an enqueued callback needs an ID", c.m.id, cb.OperationID)
	}
	if !c.Configured() {
		return fmt.Errorf("%s: no callback URL is registered (PUT /_admin/networks/%s/callback)", c.m.id, c.m.id)
	}
	if _, err := c.callbackRoute(cb); err != nil {
		return err
	}
	return c.sim.dispatch.add(ctx, c.m.id, cb)
}

// callPlan is how a callback is sent: to the registered target's URL, by
// the client for it, with the route its request is checked against.
type callPlan struct {
	target      CallbackTarget
	route       *routers.Route
	client      *http.Client
	method, url string
}

// plan is the callPlan of cb; a network with no callback URL registered
// sends nothing.
func (c *callbackSender) plan(cb *Callback) (callPlan, error) {
	target := c.sim.CallbackTarget(c.m.id)
	if target.URL == "" {
		return callPlan{}, fmt.Errorf("%s: no callback URL is registered (PUT /_admin/networks/%s/callback)", c.m.id, c.m.id)
	}
	route, err := c.callbackRoute(cb)
	if err != nil {
		return callPlan{}, err
	}
	method := cb.Method
	if method == "" {
		method = http.MethodPost
	}
	return callPlan{target: target, route: route, client: c.client(target.InsecureSkipVerify), method: method, url: target.URL + cb.Path}, nil
}

// deliverOnce makes attempt number attempt of one enqueued callback.
func (c *callbackSender) deliverOnce(ctx context.Context, cb *Callback, attempt int) (*CallbackResult, error) {
	p, err := c.plan(cb)
	if err != nil {
		return nil, err
	}
	res, err := c.attempt(ctx, p.client, p.route, cb, p.method, p.url, attempt, p.target.Timeout)
	if err == nil {
		res.Attempts = attempt
	}
	return res, err
}

// deliver makes the attempts of one callback on the target's retry
// schedule, journalling each, until the issuer answers 2xx.
func (c *callbackSender) deliver(ctx context.Context, cb *Callback) (*CallbackResult, error) {
	p, err := c.plan(cb)
	if err != nil {
		return nil, err
	}
	target := p.target
	attempts := 1 + len(target.RetrySchedule)
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			if err := pause.For(ctx, target.RetrySchedule[attempt-2]); err != nil {
				return nil, fmt.Errorf("%s %s: giving up after %d attempts: %w", c.m.id, cb.OperationID, attempt-1, err)
			}
		}
		res, err := c.attempt(ctx, p.client, p.route, cb, p.method, p.url, attempt, target.Timeout)
		if err == nil && res.Status >= 200 && res.Status < 300 {
			res.Attempts = attempt
			return res, nil
		}
		if err != nil {
			lastErr = err
		} else {
			lastErr = fmt.Errorf("issuer answered %d", res.Status)
		}
	}
	return nil, fmt.Errorf("%s %s: every one of %d attempts failed; last: %w", c.m.id, cb.OperationID, attempts, lastErr)
}

// client is the HTTP client of a delivery: the simulator's, presenting the
// network's client certificate when the network calls over mutual TLS
// (CallbackCertifier). The certificate is asked for on every handshake, so
// a rotation takes effect at once.
func (c *callbackSender) client(insecure bool) *http.Client {
	base := c.sim.httpClient
	if insecure {
		base = c.sim.insecureClient
	}
	cc, ok := c.m.net.(CallbackCertifier)
	if !ok {
		return base
	}
	t, ok := base.Transport.(*http.Transport)
	if !ok {
		return base // a client given in Options: its transport is the caller's
	}
	c.mtlsMu.Lock()
	defer c.mtlsMu.Unlock()
	if cl, ok := c.mtls[base]; ok {
		return cl
	}
	tr := t.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return cc.CallbackCertificate(), nil
	}
	cl := *base
	cl.Transport = tr
	if c.mtls == nil {
		c.mtls = map[*http.Client]*http.Client{}
	}
	c.mtls[base] = &cl
	return &cl
}

func (c *callbackSender) attempt(ctx context.Context, client *http.Client, route *routers.Route, cb *Callback, method, url string, attempt int, timeout time.Duration) (*CallbackResult, error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, url, bytes.NewReader(cb.Body))
	if err != nil {
		return nil, fmt.Errorf("building callback request: %w", err)
	}
	for k, vs := range cb.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if len(cb.Body) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if signer, ok := c.m.net.(CallbackSigner); ok {
		if err := signer.SignCallback(req, cb, attempt); err != nil {
			return nil, fmt.Errorf("signing callback: %w", err)
		}
	}
	red := c.sim.journal.Redactor()
	entry := journal.Entry{
		Time:           c.sim.clock.Now(),
		Direction:      journal.Outbound,
		Network:        c.m.id,
		OperationID:    cb.OperationID,
		Method:         method,
		URL:            red.Text(url),
		Attempt:        attempt,
		CorrelationIDs: cb.CorrelationIDs,
		RequestHeader:  journal.Headers(red, req.Header),
		RequestBody:    journal.Body(red, cb.Body, c.sim.journalBodyMax),
	}
	if cb.Plaintext != nil {
		entry.RequestPlain = journal.Body(red, cb.Plaintext, c.sim.journalBodyMax)
	}
	// Our own request must match the issuer-side document: a simulator that
	// sends what the network would not is a finding.
	if issues := validateOutbound(route, req, cb.Body); len(issues) > 0 {
		entry.RequestCheck = &journal.Verdict{OK: false, Issues: issues}
		c.sim.addFinding(fmt.Sprintf("%s callback %s does not match its document: %s", c.m.id, cb.OperationID, strings.Join(issues, "; ")))
	} else {
		entry.RequestCheck = &journal.Verdict{OK: true}
	}
	start := time.Now()
	resp, err := client.Do(req)
	entry.LatencyMillis = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		entry.Error = pan.RedactText(err.Error())
		c.sim.recordExchange(entry)
		c.m.env.Logger.Info("callback attempt failed", "operation", cb.OperationID, "attempt", attempt, "error", entry.Error)
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, c.sim.maxBody))
	res := &CallbackResult{Status: resp.StatusCode, Header: resp.Header, Body: body}
	entry.Status = resp.StatusCode
	// The issuer's answer is scanned before it is masked: a card the
	// simulator knows, in clear outside a card field, is its finding.
	var found []pan.Found
	entry.ResponseHeader = journal.ScanHeaders(red, resp.Header, &found)
	entry.ResponseBody = journal.ScanBody(red, body, c.sim.journalBodyMax, &found)
	var issues []pan.Found
	for _, f := range found {
		if f.Known && !f.Declared {
			issues = append(issues, f)
		}
	}
	if len(issues) > 0 {
		entry.CardData = clearCardVerdict(issues)
	}
	// The issuer's answer is checked against the issuer-side document; a
	// mismatch is the issuer's finding, not the simulator's.
	if issues := validateInbound(route, req, resp, body); len(issues) > 0 {
		entry.ResponseCheck = &journal.Verdict{OK: false, Issues: issues}
		res.Findings = issues
	} else {
		entry.ResponseCheck = &journal.Verdict{OK: true}
	}
	if seq := c.sim.recordExchange(entry); len(issues) > 0 {
		c.sim.noteIssuer(seq, red, &entry, issues)
	}
	c.m.env.Logger.Info("callback attempt", "operation", cb.OperationID, "attempt", attempt, "status", resp.StatusCode)
	return res, nil
}

// callbackRoute finds the issuer-side operation a callback names.
func (c *callbackSender) callbackRoute(cb *Callback) (*routers.Route, error) {
	doc, ok := c.m.cbDocs[cb.Spec]
	if !ok {
		return nil, fmt.Errorf("%s: callback document %q is not declared in Description.Callbacks", c.m.id, cb.Spec)
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			if op.OperationID == cb.OperationID {
				return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}, nil
			}
		}
	}
	return nil, fmt.Errorf("%s: operation %q is not in %s", c.m.id, cb.OperationID, cb.Spec)
}

// operationsOf lists a document's operations (method, path, operation).
func operationsOf(doc *openapi3.T) []routers.Route {
	var out []routers.Route
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			out = append(out, routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op})
		}
	}
	return out
}
