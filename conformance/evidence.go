package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/journal"
)

// The flows of a case's evidence: who spoke to whom.
const (
	FlowHarnessIssuer   = "harness → issuer"    // the harness asks the issuer's driver to act
	FlowIssuerSimulator = "issuer → simulator"  // the issuer calls the network
	FlowSimulatorIssuer = "simulator → issuer"  // the network calls the issuer (every delivery attempt)
	FlowHarnessSim      = "harness → simulator" // a simulator check: the harness plays a misbehaving client
)

// Exchange is one request and its answer in a case's evidence, from any of
// the three parties, card numbers masked and secrets removed: a call the
// harness made to the issuer's driver, or an entry of the simulator's
// journal (an issuer call to the network, a network call to the issuer).
// Bodies are decrypted where the network encrypts (the *Plaintext fields).
type Exchange struct {
	N              int               `json:"n"` // place in the case's timeline, from 1
	Flow           string            `json:"flow"`
	Time           time.Time         `json:"time"`
	LatencyMs      float64           `json:"latencyMs"`
	Network        string            `json:"network,omitempty"`
	Operation      string            `json:"operation,omitempty"` // the network's operationId, or the driver operation (enrol, enrol.auto, card.action ...)
	Method         string            `json:"method"`
	URL            string            `json:"url"`
	Status         int               `json:"status"` // 0: no answer
	Seq            uint64            `json:"seq,omitempty"`
	Attempt        int               `json:"attempt,omitempty"`
	CorrelationIDs []string          `json:"correlationIds,omitempty"`
	Auth           *journal.Verdict  `json:"auth,omitempty"`
	RequestCheck   *journal.Verdict  `json:"requestValidation,omitempty"`
	ResponseCheck  *journal.Verdict  `json:"responseValidation,omitempty"`
	CardData       *journal.Verdict  `json:"cardData,omitempty"`
	Fault          string            `json:"fault,omitempty"`
	Cards          []string          `json:"cards,omitempty"`
	RequestHeader  map[string]string `json:"requestHeaders,omitempty"`
	RequestBody    string            `json:"requestBody,omitempty"`
	RequestPlain   string            `json:"requestPlaintext,omitempty"`
	ResponseHeader map[string]string `json:"responseHeaders,omitempty"`
	ResponseBody   string            `json:"responseBody,omitempty"`
	ResponsePlain  string            `json:"responsePlaintext,omitempty"`
	Notes          map[string]string `json:"notes,omitempty"`
	Error          string            `json:"error,omitempty"`
}

// Verdicts summarises the simulator's checks of the exchange
// ("auth ok, request valid, answer valid"); empty for a driver call.
func (x Exchange) Verdicts() string {
	var out []string
	for _, v := range []struct {
		name string
		v    *journal.Verdict
	}{{"auth", x.Auth}, {"request", x.RequestCheck}, {"answer", x.ResponseCheck}, {"card data", x.CardData}} {
		switch {
		case v.v == nil:
		case v.v.OK:
			out = append(out, v.name+" ok")
		default:
			s := v.name + " refused"
			if v.v.Reason != "" {
				s += ": " + v.v.Reason
			}
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// fromJournal is a journal entry as case evidence.
func fromJournal(e journal.Entry, simulatorCheck bool) Exchange {
	flow := FlowIssuerSimulator
	switch {
	case e.Direction == journal.Outbound:
		flow = FlowSimulatorIssuer
	case simulatorCheck:
		flow = FlowHarnessSim
	}
	return Exchange{Flow: flow, Time: e.Time, LatencyMs: e.LatencyMillis, Network: e.Network, Operation: e.OperationID, Method: e.Method, URL: e.URL,
		Status: e.Status, Seq: e.Seq, Attempt: e.Attempt, CorrelationIDs: e.CorrelationIDs, Auth: e.Auth, RequestCheck: e.RequestCheck,
		ResponseCheck: e.ResponseCheck, CardData: e.CardData, Fault: e.Fault, Cards: e.Cards, RequestHeader: e.RequestHeader,
		RequestBody: e.RequestBody, RequestPlain: e.RequestPlain, ResponseHeader: e.ResponseHeader, ResponseBody: e.ResponseBody,
		ResponsePlain: e.ResponsePlain, Notes: e.Notes, Error: e.Error}
}

// driverOperation names a driver call for the evidence and for the
// features that own it (requirements.Driver*).
func driverOperation(method, path string, in any) string {
	p, _, _ := strings.Cut(path, "?")
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case method == http.MethodPost && p == "/enrolments":
		if m, ok := in.(map[string]any); ok {
			switch {
			case m["auto"] == true:
				return requirements.DriverAutoEnrol
			case m["push"] == true:
				return requirements.DriverPush
			case m["existing"] != nil:
				return requirements.DriverEnrolExisting
			}
		}
		return requirements.DriverEnrol
	case parts[0] == "consumers" && len(parts) == 5:
		return requirements.DriverCardAction // POST /consumers/{c}/cards/{k}/{action}
	case parts[0] == "consumers" && len(parts) == 4:
		return "card.update"
	case parts[0] == "consumers" || len(parts) >= 4 && parts[2] == "consumers":
		return requirements.DriverConsumer
	case len(parts) >= 3 && parts[2] == "operations":
		return "operation"
	case len(parts) >= 5 && parts[2] == "tokens" && parts[4] == "activation-code":
		return requirements.DriverActivationCode // GET /networks/{n}/tokens/{t}/activation-code
	}
	return strings.Join(parts[:1], "")
}

// cardsOf are the card numbers a driver request carries ("pan" fields).
func cardsOf(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && k == "pan" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		case CardJSON:
			out = append(out, t.PAN)
		}
	}
	walk(v)
	return out
}

// reportedIDs are the identifiers a driver answer reports using at the
// network (every networkIds value, and tokenRef): the simulator journals
// the issuer's calls under them.
func reportedIDs(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any, under bool)
	walk = func(v any, under bool) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && (under || k == "tokenRef") && s != "" {
					out = append(out, s)
				}
				walk(x, under || k == "networkIds")
			}
		case []any:
			for _, x := range t {
				walk(x, under)
			}
		}
	}
	walk(v, false)
	return out
}

// driverExchange records one driver call as evidence: the request and the
// answer redacted with the cards the request carried known to the
// redactor, so an answer that echoes one is masked too.
func driverExchange(req *http.Request, path string, in any, body []byte, resp *http.Response, raw []byte, started time.Time, err error) Exchange {
	cards := cardsOf(in)
	red := pan.Default().WithCards(cards...)
	x := Exchange{Flow: FlowHarnessIssuer, Time: started, LatencyMs: float64(time.Since(started).Microseconds()) / 1000,
		Operation: driverOperation(req.Method, path, in), Method: req.Method,
		URL: red.Text(req.URL.String()), RequestHeader: journal.Headers(red, req.Header)}
	if id := req.Header.Get("X-Correlation-Id"); id != "" {
		x.CorrelationIDs = []string{red.Text(id)}
	}
	if len(body) > 0 {
		x.RequestBody = string(red.JSON(body))
	}
	for _, c := range cards {
		if c != "" && !slices.Contains(x.Cards, pan.Mask(c)) {
			x.Cards = append(x.Cards, pan.Mask(c))
		}
	}
	if err != nil {
		x.Error = red.Text(err.Error())
		return x
	}
	x.Status = resp.StatusCode
	x.ResponseHeader = journal.Headers(red, resp.Header)
	if len(raw) > 0 {
		x.ResponseBody = string(red.JSON(raw))
		if !json.Valid(raw) {
			x.ResponseBody = red.Text(string(raw))
		}
	}
	return x
}

// caseEvidence gathers one case's exchanges while it runs: the driver
// calls as they happen, and at the end the simulator's journal entries
// after the case's mark.
type caseEvidence struct {
	mu     sync.Mutex
	driver []Exchange
	ids    map[string]bool // identifiers the issuer reported, correlation IDs it was given
	cards  map[string]bool // masked
}

var evidence caseEvidence

func (c *caseEvidence) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.driver, c.ids, c.cards = nil, map[string]bool{}, map[string]bool{}
}

// record keeps a driver exchange, and what it tells of the identifiers and
// cards the case's journal entries carry.
func (c *caseEvidence) record(x Exchange, ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids, c.cards = map[string]bool{}, map[string]bool{}
	}
	c.driver = append(c.driver, x)
	for _, id := range append(ids, x.CorrelationIDs...) {
		if id != "" {
			c.ids[id] = true
		}
	}
	for _, m := range x.Cards {
		c.cards[m] = true
	}
}

// collect reads the simulator's journal after mark, page by page (the
// journal is bounded in bytes: what it holds now is what the case made),
// and returns the case's timeline: driver calls and journal entries in time
// order, numbered. With filter set (a simulator other shards share) only
// entries that carry one of the case's identifiers or cards are kept, and
// so are the entries they lead to (the identifiers they carry); otherwise
// every entry after the mark is the case's, and a gap in the sequence
// numbers (entries the journal dropped) is noted.
func (c *caseEvidence) collect(ctx context.Context, ctl Control, mark uint64, filter, simulatorCheck bool) ([]Exchange, []string) {
	entries, err := ctl.Journal(ctx, journal.Query{AfterSeq: mark})
	c.mu.Lock()
	defer c.mu.Unlock()
	var notes []string
	if err != nil {
		notes = append(notes, "the simulator's journal could not be read: "+pan.RedactText(err.Error()))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })
	if filter {
		entries = c.related(entries)
		notes = append(notes, fmt.Sprintf("the simulator is shared with other shards: entries after %d kept when they carry the case's identifiers or cards", mark))
	} else if n := len(entries); n > 0 && entries[n-1].Seq-entries[0].Seq+1 != uint64(n) || n > 0 && entries[0].Seq != mark+1 {
		missing := int(entries[n-1].Seq-mark) - n
		notes = append(notes, fmt.Sprintf("%d journal entries after %d were dropped by the simulator before they could be read (its journal is bounded)", missing, mark))
	}
	out := slices.Clone(c.driver)
	for _, e := range entries {
		out = append(out, fromJournal(e, simulatorCheck))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Flow == FlowHarnessIssuer && out[j].Flow != FlowHarnessIssuer
	})
	for i := range out {
		out[i].N = i + 1
	}
	return out, notes
}

// related keeps the entries that carry an identifier or card of the case,
// following the identifiers those entries carry until nothing changes.
func (c *caseEvidence) related(entries []journal.Entry) []journal.Entry {
	ids := cloneSet(c.ids)
	keep := make([]bool, len(entries))
	for changed := true; changed; {
		changed = false
		for i, e := range entries {
			if keep[i] {
				continue
			}
			hit := slices.ContainsFunc(e.CorrelationIDs, func(s string) bool { return ids[s] }) ||
				slices.ContainsFunc(e.Cards, func(s string) bool { return c.cards[s] })
			if !hit {
				continue
			}
			keep[i], changed = true, true
			for _, s := range e.CorrelationIDs {
				ids[s] = true
			}
		}
	}
	var out []journal.Entry
	for i, e := range entries {
		if keep[i] {
			out = append(out, e)
		}
	}
	return out
}

func cloneSet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
