// Package journal records every exchange the simulator takes part in, inbound
// calls and outbound callbacks alike, in a bounded in-memory ring. Bodies are
// redacted before they are stored (card numbers masked to first six and last
// four, CVC, expiry and secrets removed), so nothing read from the journal can
// leak card data.
package journal

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

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
	Seq            uint64    `json:"seq"`
	Time           time.Time `json:"time"`
	Direction      Direction `json:"direction"`
	Network        string    `json:"network"`
	OperationID    string    `json:"operationId,omitempty"`
	Method         string    `json:"method"`
	URL            string    `json:"url"`
	CorrelationIDs []string  `json:"correlationIds,omitempty"`
	Principal      string    `json:"principal,omitempty"`
	Status         int       `json:"status"`
	LatencyMillis  float64   `json:"latencyMs"`
	Attempt        int       `json:"attempt,omitempty"` // callbacks: 1-based delivery attempt
	Auth           *Verdict  `json:"auth,omitempty"`
	RequestCheck   *Verdict  `json:"requestValidation,omitempty"`
	ResponseCheck  *Verdict  `json:"responseValidation,omitempty"`
	// CardData, when present, says the issuer sent a full card number in
	// clear outside the fields that may carry one (its issues say where,
	// masked); absent, none was found.
	CardData       *Verdict          `json:"cardData,omitempty"`
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
	// Status selects by the answer's HTTP status: an exact code ("503"),
	// a class ("5xx"), or "none" for exchanges that got no answer (a
	// dropped connection, a callback the issuer never answered).
	Status    string
	Since     time.Time
	AfterSeq  uint64 // only entries after this one
	BeforeSeq uint64 // only entries before this one (the next page)
	Limit     int    // newest first; 0 means all
}

// DefaultCapacity is the number of entries kept when none is configured.
const DefaultCapacity = 10000

// DefaultBytes bounds the memory the entries hold when no bound is
// configured: 64 MiB.
const DefaultBytes = 64 << 20

// MinBytes is the smallest byte bound a journal accepts: room for the
// largest entry (four bodies of DefaultBodyMax and two header sets).
const MinBytes = 1 << 20

// Limits on what one entry holds.
const (
	// DefaultBodyMax cuts a journalled body (each of the request, the
	// response and their plaintexts) past 64 KiB.
	DefaultBodyMax = 64 << 10
	// UnauthenticatedBodyMax cuts the body of a request refused before it
	// authenticated past 4 KiB: enough to see what was sent, too little for
	// an anonymous flood to fill the journal.
	UnauthenticatedBodyMax = 4 << 10
	// HeaderValueMax cuts a header value (all its lines joined) past 1 KiB.
	HeaderValueMax = 1 << 10
	// HeaderNameMax cuts a header name past 128 bytes.
	HeaderNameMax = 128
	// HeadersMax bounds the headers of one message (names and values) to
	// 8 KiB; the rest are dropped, counted under the name TruncatedHeaders.
	HeadersMax = 8 << 10
	// TruncatedHeaders is the pseudo-header that counts the headers past
	// HeadersMax.
	TruncatedHeaders = "…"
	// Truncated ends a body, header value or name that was cut.
	Truncated = "…[truncated]"
)

// entryOverhead is what an entry costs besides its text: the struct, slice
// and map headers, the ring slot.
const entryOverhead = 512

// Options configure a Journal.
type Options struct {
	// Entries bounds the number of entries held (DefaultCapacity when <= 0).
	Entries int
	// Bytes bounds the memory the entries hold, counted as the bytes of
	// their text plus a fixed overhead per entry and per header
	// (DefaultBytes when <= 0, at least MinBytes).
	Bytes int64
	// Redactor masks card numbers in every text an entry holds; the zero
	// value means pan.Default().
	Redactor pan.Redactor
}

type slot struct {
	e    Entry
	size int64
}

// Journal is a bounded ring of entries, safe for concurrent use. It holds at
// most Options.Entries entries and Options.Bytes bytes: past either bound
// the oldest entries are dropped (and counted), so memory never grows past
// it, whatever the traffic.
type Journal struct {
	red      pan.Redactor
	maxBytes int64
	mu       sync.RWMutex
	ring     []slot
	head     int // index of the oldest entry
	n        int // entries held
	bytes    int64
	seq      uint64
	dropped  uint64
}

// New returns a journal.
func New(opts Options) *Journal {
	if opts.Entries <= 0 {
		opts.Entries = DefaultCapacity
	}
	if opts.Bytes <= 0 {
		opts.Bytes = DefaultBytes
	}
	opts.Bytes = max(opts.Bytes, MinBytes)
	if opts.Redactor.IsZero() {
		opts.Redactor = pan.Default()
	}
	return &Journal{ring: make([]slot, opts.Entries), maxBytes: opts.Bytes, red: opts.Redactor}
}

// Redactor returns the redactor the journal masks entries with; an exchange
// adds its own cards with WithCards.
func (j *Journal) Redactor() pan.Redactor { return j.red }

// Add stores e, assigning its sequence number, and returns it. Every text
// field that can carry what a client sent (verdict reasons and issues, the
// URL, principal, correlation IDs, notes, errors) has card numbers masked
// here, whatever the caller did, by the journal's redactor knowing cards
// (the full card numbers the exchange concerns) besides; bodies and headers
// are redacted (and cut) by Body and Headers. The oldest entries make room
// when the journal is full, in entries or in bytes.
func (j *Journal) Add(e Entry, cards ...string) uint64 {
	e.redact(j.red.WithCards(cards...))
	size := e.size()
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.n > 0 && (j.n == len(j.ring) || j.bytes+size > j.maxBytes) {
		j.bytes -= j.ring[j.head].size
		j.ring[j.head] = slot{}
		j.head = (j.head + 1) % len(j.ring)
		j.n--
		j.dropped++
	}
	j.seq++
	e.Seq = j.seq
	j.ring[(j.head+j.n)%len(j.ring)] = slot{e: e, size: size}
	j.n++
	j.bytes += size
	return e.Seq
}

// size is what e holds, as Options.Bytes counts it.
func (e *Entry) size() int64 {
	n := entryOverhead + len(e.Network) + len(e.OperationID) + len(e.Method) + len(e.URL) + len(e.Principal) +
		len(e.Fault) + len(e.Error) + len(e.RequestBody) + len(e.RequestPlain) + len(e.ResponseBody) + len(e.ResponsePlain)
	for _, l := range [][]string{e.CorrelationIDs, e.Cards} {
		for _, s := range l {
			n += 16 + len(s)
		}
	}
	for _, m := range []map[string]string{e.RequestHeader, e.ResponseHeader, e.Notes} {
		for k, v := range m {
			n += 48 + len(k) + len(v)
		}
	}
	for _, v := range []*Verdict{e.Auth, e.RequestCheck, e.ResponseCheck, e.CardData} {
		if v != nil {
			n += 48 + len(v.Reason)
			for _, s := range v.Issues {
				n += 16 + len(s)
			}
		}
	}
	return int64(n)
}

// redact masks e's text fields; what it changes it changes in copies, so
// the caller's slices, map and verdicts stay as they were (and are shared,
// unchanged, when nothing in them needed masking).
func (e *Entry) redact(red pan.Redactor) {
	for _, v := range []**Verdict{&e.Auth, &e.RequestCheck, &e.ResponseCheck, &e.CardData} {
		if *v == nil {
			continue
		}
		reason := red.Text((*v).Reason)
		issues := redactAll(red, (*v).Issues)
		if reason != (*v).Reason || len(issues) > 0 && &issues[0] != &(*v).Issues[0] {
			c := **v
			c.Reason, c.Issues = reason, issues
			*v = &c
		}
	}
	e.CorrelationIDs = redactAll(red, e.CorrelationIDs)
	e.URL, e.Principal = red.Text(e.URL), red.Text(e.Principal)
	e.Error, e.Fault = red.Text(e.Error), red.Text(e.Fault)
	for k, v := range e.Notes {
		if red.Text(k) != k || red.Text(v) != v {
			notes := make(map[string]string, len(e.Notes))
			for k, v := range e.Notes {
				notes[red.Text(k)] = red.Text(v)
			}
			e.Notes = notes
			break
		}
	}
}

// redactAll returns list with card numbers masked: list itself when nothing
// changes, a copy otherwise.
func redactAll(red pan.Redactor, list []string) []string {
	out := list
	for i, s := range list {
		if r := red.Text(s); r != s {
			if &out[0] == &list[0] {
				out = slices.Clone(list)
			}
			out[i] = r
		}
	}
	return out
}

// Len returns the number of entries held.
func (j *Journal) Len() int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.n
}

// Bytes returns the bytes the entries hold (see Options.Bytes) and the
// bound.
func (j *Journal) Bytes() (held, bound int64) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.bytes, j.maxBytes
}

// Dropped returns how many entries were evicted because the journal was
// full.
func (j *Journal) Dropped() uint64 {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.dropped
}

// Find returns matching entries, newest first.
func (j *Journal) Find(q Query) []Entry {
	out, _ := j.Page(q, 0)
	return out
}

// Page returns matching entries, newest first, up to q.Limit entries and,
// when maxBytes > 0, about maxBytes bytes (always at least one entry); more
// is true when further entries match (ask for them with BeforeSeq set to the
// last one's sequence number).
func (j *Journal) Page(q Query, maxBytes int64) (out []Entry, more bool) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	maskedCorr := j.red.Text(q.CorrelationID)
	var bytes int64
	for i := 0; i < j.n; i++ {
		sl := &j.ring[(j.head+j.n-1-i)%len(j.ring)]
		if q.BeforeSeq != 0 && sl.e.Seq >= q.BeforeSeq {
			continue
		}
		if q.AfterSeq != 0 && sl.e.Seq <= q.AfterSeq {
			break // older entries only from here
		}
		if !q.matches(&sl.e, maskedCorr) {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit || maxBytes > 0 && len(out) > 0 && bytes+sl.size > maxBytes {
			return out, true
		}
		out = append(out, sl.e)
		bytes += sl.size
	}
	return out, false
}

// Clear removes every entry (sequence numbers keep counting).
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.head, j.n, j.bytes = 0, 0, 0
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
		q.Status != "" && !StatusMatches(e.Status, q.Status),
		q.CorrelationID != "" && !slices.Contains(e.CorrelationIDs, q.CorrelationID) && !slices.Contains(e.CorrelationIDs, maskedCorr):
		return false
	}
	return true
}

// StatusMatches reports whether an answer's HTTP status (0: no answer) is
// selected by sel: an exact code ("503"), a class ("5xx") or "none".
func StatusMatches(status int, sel string) bool {
	switch {
	case sel == "none":
		return status == 0
	case len(sel) == 3 && sel[1:] == "xx":
		return status != 0 && strconv.Itoa(status/100) == sel[:1]
	}
	return strconv.Itoa(status) == sel
}

// secretHeaders are journalled as "[removed]": they carry credentials.
var secretHeaders = map[string]bool{
	"authorization": true, "x-pay-token": true, "proxy-authorization": true, "cookie": true,
	"set-cookie": true, "x-amex-api-key": true, "x-dfs-c-app-cert": true, "x-dfs-c-app-jwt": true,
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

// Headers flattens, redacts and bounds HTTP headers for an entry: card
// numbers are masked in names and values, credential headers keep only
// their scheme (for example "OAuth [removed]"), a value is cut past
// HeaderValueMax and a name past HeaderNameMax, and past HeadersMax in all
// the remaining headers (in name order) are dropped and counted under
// TruncatedHeaders.
func Headers(red pan.Redactor, h http.Header) map[string]string { return ScanHeaders(red, h, nil) }

// ScanHeaders is Headers that also reports every card number it masked, in
// names ("header name") and values ("header <name>"), credential headers
// included (only their scheme is journalled, but what they hold is looked
// at).
func ScanHeaders(red pan.Redactor, h http.Header, found *[]pan.Found) map[string]string {
	if len(h) == 0 {
		return nil
	}
	total := 0
	for k, vs := range h {
		total += len(k)
		for _, v := range vs {
			total += len(v) + 2
		}
	}
	out := make(map[string]string, len(h))
	if total <= HeadersMax {
		for k, vs := range h {
			name := headerName(red, k, found)
			out[name] = headerValue(red, name, k, vs, found)
		}
		return out
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	used, dropped := 0, 0
	for _, k := range names {
		name := headerName(red, k, found)
		v := headerValue(red, name, k, h[k], found)
		if used+len(name)+len(v) > HeadersMax {
			dropped++
			continue
		}
		used += len(name) + len(v)
		out[name] = v
	}
	if dropped > 0 {
		out[TruncatedHeaders] = strconv.Itoa(dropped) + " more headers over the " + strconv.Itoa(HeadersMax) + "-byte bound were not journalled"
	}
	return out
}

func headerName(red pan.Redactor, k string, found *[]pan.Found) string {
	n := mark(found)
	name := cut(red, k, HeaderNameMax, found)
	place(found, n, "header name")
	return name
}

// mark and place give what was found from mark on its place (built only
// when something was found).
func mark(found *[]pan.Found) int {
	if found == nil {
		return 0
	}
	return len(*found)
}

func place(found *[]pan.Found, from int, where ...string) {
	if found == nil || len(*found) == from {
		return
	}
	w := strings.Join(where, "")
	for i := from; i < len(*found); i++ {
		(*found)[i].Where = w
	}
}

// headerValue journals header k (name as journalled).
func headerValue(red pan.Redactor, name, k string, vs []string, found *[]pan.Found) string {
	v := vs[0]
	if len(vs) > 1 {
		v = strings.Join(vs, ", ")
	}
	n := mark(found)
	defer place(found, n, "header ", name)
	if secretHeader(k) {
		if found != nil {
			cut(red, v, HeaderValueMax, found)
		}
		scheme, _, ok := strings.Cut(v, " ")
		if ok && len(scheme) < 16 {
			return withoutCredentials(red, scheme)
		}
		return pan.Removed
	}
	return cut(red, v, HeaderValueMax, found)
}

// withoutCredentials is a credential header as journalled: its scheme,
// and the rest removed (written once for the networks' schemes).
func withoutCredentials(red pan.Redactor, scheme string) string {
	switch scheme {
	case "OAuth":
		return "OAuth " + pan.Removed
	case "Bearer":
		return "Bearer " + pan.Removed
	case "MAC":
		return "MAC " + pan.Removed
	case "Basic":
		return "Basic " + pan.Removed
	}
	return red.Text(scheme) + " " + pan.Removed
}

// cutMargin is how far past a cut text is redacted before it is cut, so a
// card number across the cut is masked (the longest, percent-encoded and
// grouped, is under 120 bytes).
const cutMargin = 256

// cut redacts s and cuts it past max bytes; only the first max+cutMargin
// bytes are looked at. With found, it reports what it masked.
func cut(red pan.Redactor, s string, max int, found *[]pan.Found) string {
	if len(s) <= max {
		return red.ScanText(s, "", found)
	}
	r := red.ScanText(s[:min(len(s), max+cutMargin)], "", found)
	return strings.ToValidUTF8(r[:max], "") + Truncated
}

// Body redacts a body for an entry: JSON documents field by field (changing
// only what is masked), anything else as text. Bodies over max bytes are cut
// (after redaction).
func Body(red pan.Redactor, b []byte, max int) string { return ScanBody(red, b, max, nil) }

// ScanBody is Body that also reports every card number it masked, at
// "body" and the JSON pointer of where it was ("body /card/pan").
func ScanBody(red pan.Redactor, b []byte, max int, found *[]pan.Found) string {
	if len(b) == 0 {
		return ""
	}
	n := mark(found)
	if max <= 0 || len(b) <= max {
		r := red.ScanJSONString(b, found) // the body copied once
		bodyPlaces(found, n)
		if max > 0 && len(r) > max { // grown by what replaced removed values
			return strings.ToValidUTF8(r[:max], "") + Truncated
		}
		return r
	}
	// Cut: only what is kept is copied.
	rb := red.ScanJSON(b, found)
	bodyPlaces(found, n)
	r := unsafe.String(unsafe.SliceData(rb), len(rb)) // b itself, or new: copied below
	if len(r) > max {
		return strings.ToValidUTF8(r[:max], "") + Truncated
	}
	return strings.Clone(r)
}

// bodyPlaces puts what ScanBody found from from on in the body.
func bodyPlaces(found *[]pan.Found, from int) {
	if found == nil {
		return
	}
	for i := from; i < len(*found); i++ {
		(*found)[i].Where = strings.TrimSpace("body " + (*found)[i].Where)
	}
}
