package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/schemacheck"
)

// mounted is one network as the engine serves it.
type mounted struct {
	id            string
	net           Network
	desc          Description
	prefix        string // URL prefix the network's documents are served under
	docs          []*mountedDoc
	cbDocs        map[string]*openapi3.T
	ops           map[string]*mountedOp // by operationId
	settings      []Setting             // declared, the engine's included
	env           *Env
	sender        *callbackSender
	sim           *Simulator
	journal       bool // record exchanges (false for the admin API)
	unknownFields bool // the network has the unknownFields setting (add UnknownField to successful JSON object answers while it is on)
	// static holds, by method and escaped path, the route findRoute finds
	// for each fixed path (no template parameter) of the documents, found
	// at mount (staticRoutes), so a request to one needs no router.
	static map[string]map[string]*routers.Route
}

// mountedOp is one entry of the operation table with what the engine
// resolved for it at mount.
type mountedOp struct {
	Operation
	spec      string           // the document it is in (a path in Description.Specs)
	doc       *openapi3.T      // that document
	plaintext *openapi3.Schema // Operation.Plaintext resolved in doc, or nil
	// plaintextCheck is plaintext compiled, or nil (kin-openapi checks it).
	plaintextCheck *schemacheck.Checker
}

type mountedDoc struct {
	path   string
	doc    *openapi3.T
	base   string // served base path, prefix included
	router routers.Router
}

// loadDoc reads a document from fsys and rewrites its servers to the relative
// base path it is served at, so the router matches any host.
func loadDoc(fsys fs.FS, name, prefix string) (*mountedDoc, error) {
	doc, err := openapi.LoadFS(fsys, name)
	if err != nil {
		return nil, err
	}
	base := prefix + serverPath(doc)
	doc.Servers = openapi3.Servers{{URL: base}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing %s: %w", name, err)
	}
	return &mountedDoc{path: name, doc: doc, base: base, router: r}, nil
}

// serverPath returns the path of a document's first server URL, without a
// trailing slash ("" when there is none).
func serverPath(doc *openapi3.T) string {
	if len(doc.Servers) == 0 {
		return ""
	}
	u, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// findRoute tries every document of the network.
func (m *mounted) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	if route, ok := m.static[r.Method][r.URL.EscapedPath()]; ok {
		return route, nil, nil // shared: nothing changes a route
	}
	var methodErr error
	for _, d := range m.docs {
		route, params, err := d.router.FindRoute(r)
		if err == nil {
			return route, params, nil
		}
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			methodErr = err
		}
	}
	if methodErr != nil {
		return nil, nil, methodErr
	}
	return nil, nil, routers.ErrPathNotFound
}

// verdictOK is the verdict of a check that passed, shared by every entry
// (nothing changes a verdict once made: the journal copies what it masks).
var verdictOK = &journal.Verdict{OK: true}

// staticRoutes fills m.static: every fixed path of every document (with no
// path-level servers), with each method it declares, is looked up once the
// way a request is (findRoute, every document in order), and what is found
// is kept for requests with that method and escaped path, which is all the
// router matches a fixed path on.
func (m *mounted) staticRoutes() {
	static := map[string]map[string]*routers.Route{}
	for _, d := range m.docs {
		for _, tmpl := range d.doc.Paths.InMatchingOrder() {
			item := d.doc.Paths.Value(tmpl)
			if strings.Contains(tmpl, "{") || len(item.Servers) > 0 {
				continue
			}
			for method := range item.Operations() {
				req := &http.Request{Method: method, URL: &url.URL{Path: d.base + tmpl}, Header: http.Header{}}
				route, params, err := m.findRoute(req)
				if err != nil || len(params) > 0 || route.Operation == nil {
					continue
				}
				if static[method] == nil {
					static[method] = map[string]*routers.Route{}
				}
				if _, dup := static[method][req.URL.EscapedPath()]; !dup {
					static[method][req.URL.EscapedPath()] = route
				}
			}
		}
	}
	m.static = static
}

// operationDeclares reports whether op declares a response with status.
func operationDeclares(op *openapi3.Operation, status int) bool {
	if op == nil || op.Responses == nil {
		return false
	}
	return op.Responses.Status(status) != nil
}

// exchange carries one inbound call through the pipeline.
type exchange struct {
	m     *mounted
	w     http.ResponseWriter
	req   *Request
	route *routers.Route
	entry journal.Entry
	start time.Time
	// What the answer was, kept raw until record redacts it for the journal.
	respHeader          http.Header
	respBody, respPlain []byte
}

// ServeHTTP runs the pipeline for one inbound request.
func (m *mounted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{m: m, w: w, start: time.Now()}
	x.req = &Request{HTTP: r, Network: m.id, prefix: m.prefix}
	x.entry = journal.Entry{
		Time:      m.sim.clock.Now(),
		Direction: journal.Inbound,
		Network:   m.id,
		Method:    r.Method,
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			finding := fmt.Sprintf("panic in %s %s: %v", m.id, x.req.OperationID, p)
			m.sim.addFinding(finding)
			m.env.Logger.Error("handler panicked", "operation", x.req.OperationID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			x.fail(&Error{Status: http.StatusInternalServerError, Kind: KindInternal, Message: "internal simulator error"}, finding)
		}
	}()
	x.run()
}

func (x *exchange) run() {
	m, r := x.m, x.req.HTTP

	// 1. Route: 404 for an unknown path, 405 for a known path and wrong method.
	route, params, err := m.findRoute(r)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			x.fail(Errorf(http.StatusMethodNotAllowed, KindMethod, "method %s is not allowed on %s", r.Method, r.URL.Path), "")
			return
		}
		x.fail(Errorf(http.StatusNotFound, KindNotFound, "no operation at %s %s", r.Method, r.URL.Path), "")
		return
	}
	op := m.ops[route.Operation.OperationID]
	x.route = route
	x.req.Operation = route.Operation
	x.req.OperationID = route.Operation.OperationID
	x.req.PathParams = params
	x.req.op = op
	x.req.Spec, x.req.Document = op.spec, op.doc
	x.entry.OperationID = x.req.OperationID

	// 2. Body, bounded: 413 past the limit, before anything parses it (at
	// once for a declared length past it: nothing is read, no 100 Continue
	// is sent, and the connection closes after the answer).
	body, err := readBounded(r, m.sim.maxBody)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			x.w.Header().Set("Connection", "close")
			x.fail(Errorf(http.StatusRequestEntityTooLarge, KindTooLarge, "request body is larger than the %d byte limit", m.sim.maxBody), "")
			return
		}
		x.fail(Errorf(http.StatusBadRequest, KindMalformed, "reading request body: %v", err), "")
		return
	}
	x.req.Body = body

	// The fault header is read early, checked as a rule for this operation
	// would be, so a malformed or undeclared one is a clear 400.
	headerRule, ferr := m.headerFault(x.req)
	if ferr != nil {
		x.fail(ferr, "")
		return
	}

	// 3. Authentication, before validation or any handler.
	if err := m.net.Authenticate(x.req); err != nil {
		x.entry.Auth = &journal.Verdict{OK: false, Reason: err.Error()}
		x.fail(asError(err, http.StatusUnauthorized, KindAuth), "")
		return
	}
	x.entry.Auth = verdictOK
	if p := x.req.Principal(); p != "" {
		x.entry.Auth = &journal.Verdict{OK: true, Reason: p}
	}
	x.entry.Principal = x.req.Principal()

	// 4. Validation against the document: media type, JSON syntax, schema.
	if verr := x.validateRequest(); verr != nil {
		x.entry.RequestCheck = &journal.Verdict{OK: false, Reason: verr.Message, Issues: fieldMessages(verr)}
		x.fail(verr, "")
		return
	}
	x.entry.RequestCheck = verdictOK

	// 5. Decryption and plaintext validation, for operations that carry
	// something encrypted (and correlation IDs the plugin finds in the body).
	if op.Decode != nil {
		if err := op.Decode(x.req); err != nil {
			x.fail(asError(err, http.StatusBadRequest, KindCrypto), "")
			return
		}
	}

	// 6. Faults: the header first, then rules.
	rule := headerRule
	if rule == nil {
		rule = m.sim.live.match(r.Context(), fault.Target{
			Network:   m.id,
			Operation: x.req.OperationID,
			Cards:     x.req.Cards(),
			Declares:  func(s int) bool { return operationDeclares(route.Operation, s) },
		})
	} else {
		m.sim.live.refresh(r.Context()) // the handler reads settings as every replica sees them
	}
	if rule != nil {
		if !x.applyFault(rule) {
			return
		}
	}

	// 7. The handler.
	resp, err := op.Handle(r.Context(), x.req)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			x.fail(e, "")
			return
		}
		finding := fmt.Sprintf("%s %s: handler error: %v", m.id, x.req.OperationID, err)
		m.sim.addFinding(finding)
		x.fail(&Error{Status: http.StatusInternalServerError, Kind: KindInternal, Message: "internal simulator error"}, finding)
		return
	}
	if resp == nil {
		finding := fmt.Sprintf("%s %s: handler returned no response", m.id, x.req.OperationID)
		m.sim.addFinding(finding)
		x.fail(&Error{Status: http.StatusInternalServerError, Kind: KindInternal, Message: "internal simulator error"}, finding)
		return
	}
	// Answers are open (ERR-04): while the network's unknownFields setting
	// is on, a successful JSON object answer carries a field no document
	// declares.
	if m.unknownFields && unknownFieldsKey.Get(m.env.Settings) {
		addUnknownField(resp)
	}
	x.respond(resp)
}

// applyFault shapes the exchange by a fault rule; it returns true when the
// request should go on to its handler (latency only).
func (x *exchange) applyFault(rule *fault.Rule) bool {
	x.entry.Fault = rule.Describe()
	if rule.Latency > 0 {
		t := time.NewTimer(time.Duration(rule.Latency))
		select {
		case <-t.C:
		case <-x.req.HTTP.Context().Done():
			t.Stop()
		case <-x.m.sim.draining:
			t.Stop() // shutting down: answer now
		}
	}
	if rule.Drop {
		x.entry.Status = 0
		x.entry.Error = "connection dropped by fault"
		x.record()
		conn, _, err := http.NewResponseController(x.w).Hijack()
		if err != nil {
			// Not hijackable (HTTP/2): aborting the handler resets the stream.
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
		return false
	}
	if rule.Status != 0 {
		msg := rule.Message
		if msg == "" {
			msg = fmt.Sprintf("fault injected: %s", rule.Describe())
		}
		x.fail(&Error{Status: rule.Status, Kind: kindForStatus(rule.Status), Code: rule.Code, Message: msg}, "")
		return false
	}
	return true
}

func kindForStatus(s int) Kind {
	switch {
	case s == http.StatusUnauthorized:
		return KindAuth
	case s == http.StatusForbidden:
		return KindForbidden
	case s == http.StatusNotFound:
		return KindNotFound
	case s == http.StatusConflict:
		return KindConflict
	case s == http.StatusTooManyRequests, s == http.StatusServiceUnavailable, s == http.StatusBadGateway, s == http.StatusGatewayTimeout:
		return KindUnavailable
	case s >= 500:
		return KindInternal
	}
	return KindFault
}

// asError returns err as an *Error, wrapping other errors with status/kind.
func asError(err error, status int, kind Kind) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: status, Kind: kind, Message: err.Error()}
}

// fail renders e in the network's envelope and sends it.
func (x *exchange) fail(e *Error, finding string) {
	if e.Status == 0 {
		e.Status = http.StatusInternalServerError
	}
	if finding != "" {
		x.entry.Error = finding
	}
	// Messages can quote what the caller sent; no card number goes back out.
	e.Message = pan.RedactText(e.Message)
	for i := range e.Fields {
		e.Fields[i].Message = pan.RedactText(e.Fields[i].Message)
		e.Fields[i].Field = pan.RedactText(e.Fields[i].Field)
	}
	resp := x.m.net.RenderError(x.req, e)
	if resp == nil {
		resp = JSON(e.Status, map[string]any{"error": map[string]any{"code": string(e.Kind), "message": e.Summary()}})
	}
	if resp.Status == 0 {
		resp.Status = e.Status
	}
	x.respond(resp)
}

// respond marshals, validates and writes a response, and journals the exchange.
func (x *exchange) respond(resp *Response) {
	m := x.m
	if resp.Status != 0 && (resp.Status < 100 || resp.Status > 999) {
		finding := fmt.Sprintf("%s %s: the handler answered status %d, which HTTP cannot carry", m.id, x.req.OperationID, resp.Status)
		m.sim.addFinding(finding)
		x.entry.Error = finding
		resp = JSON(http.StatusInternalServerError, nil)
		resp.Raw = []byte(`{"error":"internal simulator error"}`)
	}
	body := resp.Raw
	if body == nil && resp.Body != nil {
		b, err := json.Marshal(resp.Body)
		if err != nil {
			finding := fmt.Sprintf("%s %s: marshalling response: %v", m.id, x.req.OperationID, err)
			m.sim.addFinding(finding)
			x.entry.Error = finding
			resp = JSON(http.StatusInternalServerError, nil)
			body = []byte(`{"error":"internal simulator error"}`)
		} else {
			body = b
		}
	}
	h := x.w.Header()
	for k, vs := range resp.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if len(body) > 0 && h.Get("Content-Type") == "" {
		ct := resp.ContentType
		if ct == "" {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}

	// Every answer is checked against the document; a mismatch is the
	// simulator's own bug, reported as a finding (and failing tests in strict
	// mode). An answer over MaxValidatedBody is not decoded again to check
	// it (the admin API's journal pages are that large): the journal says so.
	if x.route != nil && len(body) > MaxValidatedBody {
		x.req.Note("responseValidation", fmt.Sprintf("not checked: the %d-byte body is over the %d-byte bound", len(body), MaxValidatedBody))
	} else if x.route != nil {
		if issues := m.sim.validateResponse(x.route, x.req, status, h, body); len(issues) > 0 {
			x.entry.ResponseCheck = &journal.Verdict{OK: false, Issues: issues}
			finding := fmt.Sprintf("%s %s: response %d does not match the document: %s", m.id, x.req.OperationID, status, strings.Join(issues, "; "))
			m.sim.addFinding(finding)
			m.env.Logger.Warn("response does not match the document", "operation", x.req.OperationID, "status", status, "issues", issues)
		} else {
			x.entry.ResponseCheck = verdictOK
		}
	}

	// The exchange is journalled before the answer leaves: a client that
	// reads the journal as soon as it has the answer finds the exchange.
	// (A status net/http cannot write was turned into a 500 above.)
	x.entry.Status = status
	x.respHeader, x.respBody, x.respPlain = h, body, resp.Plaintext
	x.record()
	x.w.WriteHeader(status)
	if len(body) > 0 && x.req.HTTP.Method != http.MethodHead {
		_, _ = x.w.Write(body)
	}
}

// record journals the exchange and logs it. Everything it records is
// redacted here, once, knowing the cards the exchange concerns: a card
// number the plugin found in the decrypted payload is masked wherever else
// it appears, Luhn-valid or not.
func (x *exchange) record() {
	m := x.m
	r := x.req.HTTP
	x.entry.LatencyMillis = float64(time.Since(x.start).Microseconds()) / 1000
	x.entry.CorrelationIDs = x.req.CorrelationIDs()
	x.entry.Notes = x.req.Notes()
	x.entry.Cards = nil
	for _, c := range x.req.Cards() {
		x.entry.Cards = append(x.entry.Cards, pan.Mask(c))
	}
	red := m.sim.journal.Redactor().WithCards(x.req.Cards()...)
	// What the issuer sent in clear (URL, headers, clear body) is scanned for
	// card numbers before it is masked: one found outside the fields that
	// may carry it is the issuer's finding.
	var found []pan.Found
	var fp *[]pan.Found
	if m.journal {
		fp = &found
	}
	if m.journal {
		x.entry.URL = red.ScanText(r.URL.RequestURI(), "url", fp)
		// A request refused before it authenticated keeps less of its body:
		// anonymous traffic cannot fill the journal.
		max := m.sim.journalBodyMax
		if x.entry.Auth == nil || !x.entry.Auth.OK {
			max = min(max, journal.UnauthenticatedBodyMax)
		}
		x.entry.RequestHeader = journal.ScanHeaders(red, r.Header, fp)
		x.entry.RequestBody = journal.ScanBody(red, x.req.Body, max, fp)
		if p := x.req.Plaintext(); p != nil {
			x.entry.RequestPlain = journal.Body(red, p, max)
		}
		x.entry.ResponseHeader = journal.Headers(red, x.respHeader)
		x.entry.ResponseBody = journal.Body(red, x.respBody, max)
		if x.respPlain != nil {
			x.entry.ResponsePlain = journal.Body(red, x.respPlain, max)
		}
		var issues []pan.Found
		if len(found) > 0 {
			issues = clearCardIssues(found, m.sim.clearCards[x.req.Operation])
		}
		if len(issues) > 0 {
			x.entry.CardData = clearCardVerdict(issues)
		}
		seq := m.sim.recordExchange(x.entry, x.req.Cards()...)
		m.sim.metrics.exchange(&x.entry)
		if len(issues) > 0 {
			m.sim.noteIssuer(seq, red, &x.entry, issues)
		}
		for _, c := range x.req.Cards() {
			m.sim.seenCards.Add(c)
		}
	}
	level := slog.LevelInfo
	if !m.journal {
		level = slog.LevelDebug // admin traffic
	}
	// One compact line per exchange, built only when it is logged, from
	// what is already masked (or masked here), with typed attributes.
	if m.env.Logger.Enabled(context.Background(), level) {
		if !m.journal {
			x.entry.URL = red.Text(r.URL.RequestURI())
		}
		attrs := [7]slog.Attr{
			slog.String("method", x.entry.Method), slog.String("path", x.entry.URL),
			slog.Int("status", x.entry.Status), slog.Float64("latency_ms", x.entry.LatencyMillis),
		}
		n := 4
		if x.entry.OperationID != "" {
			attrs[n] = slog.String("operation", x.entry.OperationID)
			n++
		}
		switch ids := x.entry.CorrelationIDs; len(ids) {
		case 0:
		case 1:
			attrs[n] = slog.String("correlation", red.Text(ids[0]))
			n++
		default:
			attrs[n] = slog.String("correlation", red.Text(strings.Join(ids, ",")))
			n++
		}
		if x.entry.Fault != "" {
			attrs[n] = slog.String("fault", red.Text(x.entry.Fault))
			n++
		}
		// Straight to the handler: the logger would capture the caller's
		// program counter, which nothing here prints.
		rec := slog.NewRecord(time.Now(), level, "exchange", 0)
		rec.AddAttrs(attrs[:n]...)
		_ = m.env.Logger.Handler().Handle(context.Background(), rec)
	}
}

// MaxValidatedBody is the largest answer the engine validates against its
// document (256 KiB); larger ones are sent unchecked, with a journal note.
const MaxValidatedBody = 256 << 10

var errTooLarge = errors.New("body too large")

func readBounded(r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > max {
		return nil, errTooLarge
	}
	if n := r.ContentLength; n > 0 && n <= 1<<20 {
		// The declared length, read into a buffer of that size (net/http
		// refuses a body that is shorter or longer than it declared).
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errTooLarge
	}
	return b, nil
}
