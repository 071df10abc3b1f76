package simulator

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/c2psim/c2psim/simulator/console"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/journalstore"
)

// consoleHeaders keep the console's page to its own script and styles and
// its requests to this origin: it shows what issuers sent, and a body is
// only ever text on the page, but a policy makes sure.
func consoleHeaders() http.Header {
	return http.Header{
		"Content-Security-Policy": {"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
		"X-Content-Type-Options":  {"nosniff"},
		"Referrer-Policy":         {"no-referrer"},
		"Cache-Control":           {"no-cache"},
	}
}

// console serves the console page (package console); it reads everything
// it shows from this admin API.
func (a *admin) console(context.Context, *Request) (*Response, error) {
	b, ct, _ := console.Asset("index.html")
	return &Response{Status: http.StatusOK, Raw: b, ContentType: ct, Header: consoleHeaders()}, nil
}

// consoleAsset serves the console's script and styles.
func (a *admin) consoleAsset(_ context.Context, req *Request) (*Response, error) {
	name := req.PathParams["asset"]
	b, ct, ok := console.Asset(name)
	if !ok || name == "index.html" {
		return nil, Errorf(http.StatusNotFound, KindNotFound, "the console has no asset %q (assets: %s)", name, console.AssetList())
	}
	return &Response{Status: http.StatusOK, Raw: b, ContentType: ct, Header: consoleHeaders()}, nil
}

// relatedMax bounds the exchanges an entry's timeline holds.
const relatedMax = 200

// getJournalEntry answers one exchange with its timeline: the exchanges of
// the same network that share a correlation ID with it, and those that
// share one with a callback so found (a callback carries the token
// reference the enrolment's answer created), oldest first.
func (a *admin) getJournalEntry(ctx context.Context, req *Request) (*Response, error) {
	seq, err := strconv.ParseUint(req.PathParams["seq"], 10, 64)
	if err != nil || seq == 0 {
		return nil, Errorf(http.StatusBadRequest, KindValidation, "seq %q is not a sequence number", req.PathParams["seq"])
	}
	found, err := a.findJournal(ctx, journal.Query{AfterSeq: seq - 1, BeforeSeq: seq + 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, Errorf(http.StatusNotFound, KindNotFound, "no journal entry %d (dropped past the journal's bound, cleared, or not yet written)", seq)
	}
	e := found[0]
	related, truncated, err := a.timeline(ctx, e)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"entry": e, "related": related}
	if truncated {
		out["truncated"] = true
	}
	return JSON(http.StatusOK, out), nil
}

// timeline finds the exchanges related to e (see getJournalEntry).
func (a *admin) timeline(ctx context.Context, e journal.Entry) (out []journal.Entry, truncated bool, err error) {
	seen := map[uint64]bool{e.Seq: true}
	asked := map[string]bool{}
	ids := slices.Clone(e.CorrelationIDs)
	for hop := 0; hop < 2 && len(ids) > 0; hop++ {
		var next []string
		for _, id := range ids {
			if asked[id] {
				continue
			}
			asked[id] = true
			found, err := a.findJournal(ctx, journal.Query{Network: e.Network, CorrelationID: id, Limit: relatedMax + 1})
			if err != nil {
				return nil, false, err
			}
			for _, r := range found {
				if seen[r.Seq] {
					continue
				}
				seen[r.Seq] = true
				out = append(out, r)
				if r.Direction == journal.Outbound {
					next = append(next, r.CorrelationIDs...)
				}
			}
		}
		ids = next
	}
	slices.SortFunc(out, func(x, y journal.Entry) int {
		if x.Seq < y.Seq {
			return -1
		}
		return 1
	})
	if len(out) > relatedMax {
		// Keep the exchanges nearest the entry.
		i, _ := slices.BinarySearchFunc(out, e.Seq, func(x journal.Entry, s uint64) int {
			if x.Seq < s {
				return -1
			}
			return 1
		})
		lo := max(0, min(i-relatedMax/2, len(out)-relatedMax))
		out, truncated = out[lo:lo+relatedMax], true
	}
	if out == nil {
		out = []journal.Entry{}
	}
	return out, truncated, nil
}

// findJournal reads the journal the admin API answers from: the one every
// replica writes when they share one, this process's otherwise.
func (a *admin) findJournal(ctx context.Context, q journal.Query) ([]journal.Entry, error) {
	if shared, ok := a.sim.journalStore.(journalstore.Shared); ok {
		found, err := shared.Find(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("reading the shared journal: %w", err)
		}
		return found, nil
	}
	return a.sim.journal.Find(q), nil
}

// listTriggers answers a network's trigger catalogue.
func (a *admin) listTriggers(_ context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	out := []TriggerInfo{}
	if td, ok := m.net.(TriggerDescriber); ok {
		out = append(out, td.DescribeTriggers()...)
	} else if tr, ok := m.net.(Triggerer); ok {
		for _, n := range tr.Triggers() {
			out = append(out, TriggerInfo{Name: n, Summary: "(not described by the network)", Params: []TriggerParam{}})
		}
	}
	for i := range out {
		if out[i].Params == nil {
			out[i].Params = []TriggerParam{}
		}
	}
	return JSON(http.StatusOK, map[string]any{"network": m.id, "triggers": out}), nil
}

// State search pages.
const (
	StateSearchDefault = 200
	StateSearchMax     = 1000
)

// searchState answers consumers, cards and tokens matching the query.
func (a *admin) searchState(ctx context.Context, req *Request) (*Response, error) {
	q := req.HTTP.URL.Query()
	sq := StateQuery{Network: q.Get("network"), Kind: q.Get("kind"), Text: q.Get("q"), Limit: StateSearchDefault}
	if sq.Network != "" {
		if _, ok := a.sim.byID[sq.Network]; !ok {
			return nil, Errorf(http.StatusNotFound, KindNotFound, "no network %q is mounted", sq.Network)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > StateSearchMax {
			return nil, Errorf(http.StatusBadRequest, KindValidation, "limit %q must be 1 to %d", v, StateSearchMax)
		}
		sq.Limit = n
	}
	items, more, err := a.sim.StateItems(ctx, sq)
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, map[string]any{"items": items, "more": more}), nil
}
