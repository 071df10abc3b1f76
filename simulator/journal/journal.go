// Package journal records every exchange the simulator takes part in, inbound
// calls and outbound callbacks alike, in a bounded in-memory ring. Bodies are
// redacted before they are stored (card numbers masked to first six and last
// four, CVC, expiry and secrets removed), so nothing read from the journal can
// leak card data.
package journal

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/pan"
)

// Direction of an exchange.
type Direction string

const (
	Inbound  Direction = "inbound"  // issuer → network (the simulator answered)
	Outbound Direction = "outbound" // network → issuer (the simulator called)
)

// Verdict is the outcome of one check on an exchange.
type Verdict struct {
	OK     bool     `json:"ok"`
	Reason string   `json:"reason,omitempty"`
	Issues []string `json:"issues,omitempty"`
}

// Entry is one exchange. All bodies are redacted.
type Entry struct {
	Seq            uint64            `json:"seq"`
	Time           time.Time         `json:"time"`
	Direction      Direction         `json:"direction"`
	Network        string            `json:"network"`
	OperationID    string            `json:"operationId,omitempty"`
	Method         string            `json:"method"`
	URL            string            `json:"url"`
	CorrelationIDs []string          `json:"correlationIds,omitempty"`
	Principal      string            `json:"principal,omitempty"`
	Status         int               `json:"status"`
	LatencyMillis  float64           `json:"latencyMs"`
	Attempt        int               `json:"attempt,omitempty"` // callbacks: 1-based delivery attempt
	Auth           *Verdict          `json:"auth,omitempty"`
	RequestCheck   *Verdict          `json:"requestValidation,omitempty"`
	ResponseCheck  *Verdict          `json:"responseValidation,omitempty"`
	Fault          string            `json:"fault,omitempty"` // the fault rule or header that shaped this exchange
	Cards          []string          `json:"cards,omitempty"` // masked PANs the exchange concerned
	RequestHeader  map[string]string `json:"requestHeaders,omitempty"`
	RequestBody    string            `json:"requestBody,omitempty"`
	RequestPlain   string            `json:"requestPlaintext,omitempty"` // decrypted, redacted
	ResponseHeader map[string]string `json:"responseHeaders,omitempty"`
	ResponseBody   string            `json:"responseBody,omitempty"`
	ResponsePlain  string            `json:"responsePlaintext,omitempty"`
	Notes          map[string]string `json:"notes,omitempty"`
	Error          string            `json:"error,omitempty"` // transport error (callbacks) or simulator finding
}

// Query selects entries. Zero fields do not filter.
type Query struct {
	Network       string
	OperationID   string
	CorrelationID string
	Direction     Direction
	Since         time.Time
	AfterSeq      uint64
	Limit         int // newest first; 0 means all
}

// DefaultCapacity is the number of entries kept when none is configured.
const DefaultCapacity = 10000

// Options configure a Journal.
type Options struct {
	// Entries bounds the number of entries held (DefaultCapacity when <= 0).
	Entries int
	// Redactor masks card numbers in every text an entry holds; the zero
	// value means pan.Default().
	Redactor pan.Redactor
}

// Journal is a bounded ring of entries, safe for concurrent use. When full,
// the oldest entry is dropped: memory never grows past the capacity.
type Journal struct {
	red     pan.Redactor
	mu      sync.RWMutex
	ring    []Entry
	next    int  // index the next entry goes to
	full    bool // the ring has wrapped
	seq     uint64
	dropped uint64
}

// New returns a journal.
func New(opts Options) *Journal {
	if opts.Entries <= 0 {
		opts.Entries = DefaultCapacity
	}
	if opts.Redactor.IsZero() {
		opts.Redactor = pan.Default()
	}
	return &Journal{ring: make([]Entry, opts.Entries), red: opts.Redactor}
}

// Redactor returns the redactor the journal masks entries with; an exchange
// adds its own cards with WithCards.
func (j *Journal) Redactor() pan.Redactor { return j.red }

// Add stores e, assigning its sequence number, and returns it. Every text
// field that can carry what a client sent (verdict reasons and issues, the
// URL, principal, correlation IDs, notes, errors) has card numbers masked
// here, whatever the caller did, by the journal's redactor knowing cards
// (the full card numbers the exchange concerns) besides; bodies and headers
// are redacted by Body and Headers.
func (j *Journal) Add(e Entry, cards ...string) uint64 {
	e.redact(j.red.WithCards(cards...))
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if j.full {
		j.dropped++
	}
	j.ring[j.next] = e
	j.next++
	if j.next == len(j.ring) {
		j.next, j.full = 0, true
	}
	return e.Seq
}

// redact masks e's text fields in copies: the caller's slices, map and
// verdicts stay as they were.
func (e *Entry) redact(red pan.Redactor) {
	for _, v := range []**Verdict{&e.Auth, &e.RequestCheck, &e.ResponseCheck} {
		if *v == nil {
			continue
		}
		c := **v
		c.Reason = red.Text(c.Reason)
		c.Issues = slices.Clone(c.Issues)
		for i := range c.Issues {
			c.Issues[i] = red.Text(c.Issues[i])
		}
		*v = &c
	}
	e.CorrelationIDs = slices.Clone(e.CorrelationIDs)
	e.URL, e.Principal = red.Text(e.URL), red.Text(e.Principal)
	e.Error, e.Fault = red.Text(e.Error), red.Text(e.Fault)
	for i := range e.CorrelationIDs {
		e.CorrelationIDs[i] = red.Text(e.CorrelationIDs[i])
	}
	if e.Notes != nil {
		notes := make(map[string]string, len(e.Notes))
		for k, v := range e.Notes {
			notes[red.Text(k)] = red.Text(v)
		}
		e.Notes = notes
	}
}

// Len returns the number of entries held.
func (j *Journal) Len() int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.full {
		return len(j.ring)
	}
	return j.next
}

// Dropped returns how many entries were evicted because the ring was full.
func (j *Journal) Dropped() uint64 {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.dropped
}

// Find returns matching entries, newest first.
func (j *Journal) Find(q Query) []Entry {
	j.mu.RLock()
	defer j.mu.RUnlock()
	var out []Entry
	maskedCorr := j.red.Text(q.CorrelationID)
	n := j.next
	if j.full {
		n = len(j.ring)
	}
	for i := 0; i < n; i++ {
		idx := (j.next - 1 - i + len(j.ring)) % len(j.ring)
		e := j.ring[idx]
		if q.matches(&e, maskedCorr) {
			out = append(out, e)
			if q.Limit > 0 && len(out) == q.Limit {
				break
			}
		}
	}
	return out
}

// Clear removes every entry (sequence numbers keep counting).
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.next, j.full = 0, false
}

// matches reports whether e is selected; maskedCorr is the query's
// correlation ID as the journal masks it (an ID that holds a card number is
// found by its masked form).
func (q Query) matches(e *Entry, maskedCorr string) bool {
	switch {
	case q.Network != "" && e.Network != q.Network,
		q.OperationID != "" && e.OperationID != q.OperationID,
		q.Direction != "" && e.Direction != q.Direction,
		!q.Since.IsZero() && e.Time.Before(q.Since),
		q.AfterSeq != 0 && e.Seq <= q.AfterSeq,
		q.CorrelationID != "" && !slices.Contains(e.CorrelationIDs, q.CorrelationID) && !slices.Contains(e.CorrelationIDs, maskedCorr):
		return false
	}
	return true
}

// secretHeaders are journalled as "[removed]": they carry credentials.
var secretHeaders = map[string]bool{
	"authorization": true, "x-pay-token": true, "proxy-authorization": true, "cookie": true,
	"set-cookie": true, "x-amex-api-key": true, "x-dfs-c-app-cert": true,
}

// secretHeader reports whether a header carries credentials; header names
// are compared without case, without allocating for the usual short names.
func secretHeader(k string) bool {
	if len(k) > 32 {
		return secretHeaders[strings.ToLower(k)]
	}
	var buf [32]byte
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return secretHeaders[string(buf[:len(k)])]
}

// Headers flattens and redacts HTTP headers for an entry: card numbers are
// masked in names and values, and credential headers keep only their scheme
// (for example "OAuth [removed]").
func Headers(red pan.Redactor, h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := vs[0]
		if len(vs) > 1 {
			v = strings.Join(vs, ", ")
		}
		if secretHeader(k) {
			scheme, _, found := strings.Cut(v, " ")
			if found && len(scheme) < 16 {
				v = red.Text(scheme) + " " + pan.Removed
			} else {
				v = pan.Removed
			}
		} else {
			v = red.Text(v)
		}
		out[red.Text(k)] = v
	}
	return out
}

// Body redacts a body for an entry: JSON documents field by field (changing
// only what is masked), anything else as text. Bodies over max bytes are cut
// (after redaction).
func Body(red pan.Redactor, b []byte, max int) string {
	if len(b) == 0 {
		return ""
	}
	r := red.JSON(b)
	if max > 0 && len(r) > max {
		return string(r[:max]) + "…[truncated]"
	}
	return string(r)
}
