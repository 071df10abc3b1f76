package simulator

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator/journal"
)

// KindClearCard is the IssuerFinding kind for a full card number the issuer
// sent in clear outside the fields that may carry one.
const KindClearCard = "clear-card-number"

// IssuerFinding is something the issuer did that no network accepts, seen
// by the simulator before it masked the exchange for the journal; it holds
// nothing in clear (the card is masked). A conformance scenario fails the
// issuer on it. Unlike Simulator.Findings (the simulator's own faults),
// these are the issuer's.
type IssuerFinding struct {
	Seq            uint64    `json:"seq"` // the journal entry that shows the exchange
	Time           time.Time `json:"time"`
	Kind           string    `json:"kind"` // KindClearCard
	Network        string    `json:"network"`
	OperationID    string    `json:"operationId,omitempty"`
	Direction      string    `json:"direction"`
	Where          string    `json:"where"` // "url", "header name", "header X-Request-Id", "body /consumer/ref"
	Card           string    `json:"card"`  // masked: first six, last four
	CorrelationIDs []string  `json:"correlationIds,omitempty"`
}

// maxIssuerFindings bounds the findings kept; the oldest are dropped past it.
const maxIssuerFindings = 1000

// issuerFindings holds the IssuerFindings of a run.
type issuerFindings struct {
	mu      sync.Mutex
	items   []IssuerFinding
	dropped int
}

func (f *issuerFindings) add(items ...IssuerFinding) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, items...)
	if over := len(f.items) - maxIssuerFindings; over > 0 {
		f.items = slices.Delete(f.items, 0, over)
		f.dropped += over
	}
}

func (f *issuerFindings) list(network string, afterSeq uint64) ([]IssuerFinding, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []IssuerFinding{}
	for _, it := range f.items {
		if (network == "" || it.Network == network) && it.Seq > afterSeq {
			out = append(out, it)
		}
	}
	return out, f.dropped
}

func (f *issuerFindings) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items, f.dropped = nil, 0
}

// IssuerFindings returns the issuer's findings of the run, oldest first,
// for one network ("" for all) after a journal sequence number, and how many
// older ones were dropped past the bound.
func (s *Simulator) IssuerFindings(network string, afterSeq uint64) ([]IssuerFinding, int) {
	return s.issuer.list(network, afterSeq)
}

// noteIssuer records the clear card numbers found in the exchange journalled
// as seq.
func (s *Simulator) noteIssuer(seq uint64, red pan.Redactor, e *journal.Entry, issues []pan.Found) {
	corr := make([]string, len(e.CorrelationIDs))
	for i, c := range e.CorrelationIDs {
		corr[i] = red.Text(c)
	}
	items := make([]IssuerFinding, len(issues))
	for i, f := range issues {
		items[i] = IssuerFinding{Seq: seq, Time: e.Time, Kind: KindClearCard, Network: e.Network, OperationID: e.OperationID,
			Direction: string(e.Direction), Where: f.Where, Card: f.Masked, CorrelationIDs: corr}
	}
	s.issuer.add(items...)
}

// clearCardIssues turns the card numbers found in what the issuer sent in
// clear (URL, headers, clear body) into findings: a card the simulator knows
// (a test card, the exchange's own, one seen in a decrypted payload), or the
// value of a card field, anywhere but in a card field the operation's
// document takes in clear. A Luhn-valid number the simulator does not know
// is masked in the journal but is no finding: it may be an identifier that
// passes Luhn by chance.
func clearCardIssues(found []pan.Found, declared map[string]bool) []pan.Found {
	var out []pan.Found
	for _, f := range found {
		if f.Declared && declared[normField(f.Field)] {
			continue
		}
		if f.Known || f.Declared {
			out = append(out, f)
		}
	}
	return out
}

// clearCardVerdict is the journal's verdict on card data sent in clear.
func clearCardVerdict(issues []pan.Found) *journal.Verdict {
	v := &journal.Verdict{OK: false, Reason: "a full card number was sent in clear outside the fields that may carry one"}
	for _, f := range issues {
		v.Issues = append(v.Issues, f.Where+": "+f.Masked)
	}
	return v
}

func normField(k string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(k))
}

// clearCardFields lists, per operation, the card fields its request body
// takes in clear (names as normField writes them): the issuer may send a
// card number there (over TLS), and nowhere else in clear.
func clearCardFields(ms []*mounted, red pan.Redactor) map[*openapi3.Operation]map[string]bool {
	out := map[*openapi3.Operation]map[string]bool{}
	for _, m := range ms {
		for _, d := range m.docs {
			for _, r := range operationsOf(d.doc) {
				rb := r.Operation.RequestBody
				if rb == nil || rb.Value == nil {
					continue
				}
				fields := map[string]bool{}
				seen := map[*openapi3.Schema]bool{}
				for _, mt := range rb.Value.Content {
					schemaCardFields(mt.Schema, red, seen, fields)
				}
				if len(fields) > 0 {
					out[r.Operation] = fields
				}
			}
		}
	}
	return out
}

func schemaCardFields(ref *openapi3.SchemaRef, red pan.Redactor, seen map[*openapi3.Schema]bool, out map[string]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	for name, p := range s.Properties {
		if red.IsCardField(name) || p != nil && p.Value != nil && p.Value.Extensions[CardDataExtension] == true {
			out[normField(name)] = true
		}
		schemaCardFields(p, red, seen, out)
	}
	schemaCardFields(s.Items, red, seen, out)
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, r := range list {
			schemaCardFields(r, red, seen, out)
		}
	}
}
