package amex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
)

// requestLog remembers what each x-amex-request-id was used for and what it
// was answered, so a retry with the same ID replays the answer and a reuse
// for another request is refused. It is bounded in time and size.
type requestLog struct {
	retention time.Duration
	max       int

	mu    sync.Mutex
	byKey map[string]*requestRecord
	order []orderEntry // insertion order, oldest first
	head  int
}

type orderEntry struct {
	key string
	rec *requestRecord
}

type requestRecord struct {
	fingerprint string
	at          time.Time
	done        bool
	status      int
	body        []byte           // the answer's JSON, when it succeeded
	object      bool             // body was a JSON object the engine may add to (simulator.UnknownField)
	err         *simulator.Error // the answer, when it was an error
}

// replay is the remembered successful answer. An object answer is given back
// as a value, so the engine treats it exactly as the first time (the
// unknown field included); anything else byte for byte.
func (r *requestRecord) replay() *simulator.Response {
	if r.object {
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		var v map[string]any
		if dec.Decode(&v) == nil {
			return simulator.JSON(r.status, v)
		}
	}
	return &simulator.Response{Status: r.status, Raw: append([]byte(nil), r.body...)}
}

func newRequestLog(retention time.Duration, max int) *requestLog {
	return &requestLog{retention: retention, max: max, byKey: map[string]*requestRecord{}}
}

func (l *requestLog) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byKey, l.order, l.head = map[string]*requestRecord{}, nil, 0
}

// prune drops expired records and, past the size bound, the oldest ones
// (a request still in flight included: its answer is then not remembered).
// Callers hold mu.
func (l *requestLog) prune(now time.Time) {
	for l.head < len(l.order) {
		o := l.order[l.head]
		cur, live := l.byKey[o.key]
		if live && cur == o.rec && len(l.byKey) < l.max && now.Sub(o.rec.at) <= l.retention {
			break
		}
		if live && cur == o.rec {
			delete(l.byKey, o.key)
		}
		l.order[l.head] = orderEntry{}
		l.head++
	}
	if l.head > 1024 && l.head > len(l.order)/2 {
		l.order = append([]orderEntry(nil), l.order[l.head:]...)
		l.head = 0
	}
	// Records deleted out of order (service errors, which are not
	// remembered) leave stale entries behind a live head; once they
	// outnumber the live ones, drop them, so the order stays within a
	// constant factor of the records it tracks.
	if len(l.order)-l.head > 2*len(l.byKey)+staleSlack {
		kept := make([]orderEntry, 0, 2*len(l.byKey)+staleSlack)
		for _, o := range l.order[l.head:] {
			if cur, live := l.byKey[o.key]; live && cur == o.rec {
				kept = append(kept, o)
			}
		}
		l.order, l.head = kept, 0
	}
}

// staleSlack is how many stale order entries prune tolerates beyond the
// live records before it compacts the order.
const staleSlack = 64

// fingerprint identifies a request: method, path and the body's SHA-256.
func fingerprint(req *simulator.Request) string {
	sum := sha256.Sum256(req.Body)
	return req.HTTP.Method + " " + req.HTTP.URL.Path + " " + hex.EncodeToString(sum[:])
}

// idempotent wraps a handler with the x-amex-request-id rules.
func (n *Network) idempotent(h simulator.Handler) simulator.Handler {
	return func(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
		id := req.HTTP.Header.Get(mac.HeaderRequestID)
		if id == "" { // the document requires it; validation refused the request already
			return h(ctx, req)
		}
		key := req.Principal() + "\x00" + id
		fp := fingerprint(req)
		now := n.env.Clock.Now()
		l := n.requests
		l.mu.Lock()
		l.prune(now)
		if r, ok := l.byKey[key]; ok {
			l.mu.Unlock()
			switch {
			case r.fingerprint != fp:
				req.Note("request-id", "reused for a different request")
				return nil, axError(http.StatusConflict, simulator.KindConflict, codeDuplicateReq,
					"x-amex-request-id %s was already used at %s for a different request; send a fresh GUID per request", clip(id, 64), r.at.UTC().Format(time.RFC3339))
			case !r.done:
				return nil, axError(http.StatusConflict, simulator.KindConflict, codeDuplicateReq,
					"a request with x-amex-request-id %s is still being processed", clip(id, 64))
			}
			req.Note("idempotent-replay", "same x-amex-request-id and request: the first answer is replayed, nothing was done again")
			if r.err != nil {
				e := *r.err
				e.Fields = append([]simulator.FieldError(nil), r.err.Fields...)
				return nil, &e
			}
			return r.replay(), nil
		}
		rec := &requestRecord{fingerprint: fp, at: now}
		l.byKey[key] = rec
		l.order = append(l.order, orderEntry{key: key, rec: rec})
		l.mu.Unlock()

		resp, err := h(ctx, req)

		l.mu.Lock()
		defer l.mu.Unlock()
		r := l.byKey[key]
		if r != rec { // forgotten (reset, size bound) meanwhile
			return resp, err
		}
		var e *simulator.Error
		switch {
		case err == nil && resp != nil && resp.Status < 500:
			body := resp.Raw
			if body == nil {
				b, merr := json.Marshal(resp.Body)
				if merr != nil {
					delete(l.byKey, key)
					return resp, err
				}
				body = b
			}
			_, object := resp.Body.(map[string]any)
			r.done, r.status, r.body, r.object = true, resp.Status, body, object && resp.Raw == nil
			if r.status == 0 {
				r.status = http.StatusOK
			}
		case errors.As(err, &e) && e.Status > 0 && e.Status < 500:
			cp := *e
			r.done, r.err = true, &cp
		default:
			// Service errors are not remembered: the retry runs again.
			delete(l.byKey, key)
		}
		return resp, err
	}
}
