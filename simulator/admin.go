package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/journalstore"
	"github.com/c2psim/c2psim/simulator/store"
)

// admin is the admin API, served through the same pipeline as a network so
// its requests and answers are validated against admin.yaml.
type admin struct {
	sim      *Simulator
	guard    *adminGuard
	handlers map[string]Handler
}

func newAdmin(s *Simulator, guard *adminGuard) *admin {
	a := &admin{sim: s, guard: guard}
	a.handlers = map[string]Handler{
		"getConsole":        a.console,
		"getHealth":         a.health,
		"listNetworks":      a.listNetworks,
		"getNetworkSpec":    a.networkSpec,
		"getCredentials":    a.getCredentials,
		"putCredential":     a.putCredential,
		"getCallbackTarget": a.getCallback,
		"putCallbackTarget": a.putCallback,
		"postTrigger":       a.trigger,
		"getJournal":        a.getJournal,
		"clearJournal":      a.clearJournal,
		"listFaults":        a.listFaults,
		"addFault":          a.addFault,
		"clearFaults":       a.clearFaults,
		"deleteFault":       a.deleteFault,
		"getSettings":       a.getSettings,
		"patchSettings":     a.patchSettings,
		"listState":         a.listState,
		"getState":          a.getState,
		"reset":             a.reset,
		"listFindings":      a.listFindings,
		"listOutbox":        a.listOutbox,
		"redeliverCallback": a.redeliver,
		"getConsoleAsset":   a.consoleAsset,
		"getJournalEntry":   a.getJournalEntry,
		"listTriggers":      a.listTriggers,
		"searchState":       a.searchState,
	}
	return a
}

var _ Network = (*admin)(nil)

func (a *admin) Describe() Description {
	return Description{ID: "_admin", Name: "c2psim admin API", Specs: []string{"admin.yaml"}, FS: openapi.FS}
}
func (a *admin) Setup(*Env) error { return nil }
func (a *admin) Operations() []Operation {
	out := make([]Operation, 0, len(a.handlers))
	for id, h := range a.handlers {
		out = append(out, Operation{ID: id, Handle: h})
	}
	return out
}
func (a *admin) Authenticate(r *Request) error { return a.guard.check(r) }
func (a *admin) RenderError(_ *Request, e *Error) *Response {
	body := map[string]any{"code": string(e.Kind), "message": pan.RedactText(e.Summary())}
	if len(e.Fields) > 0 {
		body["fields"] = e.Fields
	}
	if e.Code != "" {
		body["code"] = e.Code
	}
	return JSON(e.Status, map[string]any{"error": body})
}

func noContent() *Response { return &Response{Status: http.StatusNoContent} }

func (a *admin) mountedNetwork(req *Request) (*mounted, error) {
	id := req.PathParams["network"]
	m, ok := a.sim.byID[id]
	if !ok {
		return nil, Errorf(http.StatusNotFound, KindNotFound, "no network %q is mounted (mounted: %s)", id, strings.Join(a.sim.Networks(), ", "))
	}
	return m, nil
}

func (a *admin) health(context.Context, *Request) (*Response, error) {
	return JSON(http.StatusOK, map[string]any{
		"status":         "ok",
		"version":        Version,
		"networks":       a.sim.Networks(),
		"journalEntries": a.sim.journal.Len(),
		"startedAt":      a.sim.started.UTC().Format(time.RFC3339),
		"seed":           a.sim.seed,
		"revision":       BuildRevision(),
	}), nil
}

// Revision is the build's version control revision when the build sets it
// (make build: -ldflags "-X github.com/c2psim/c2psim/simulator.Revision=…"),
// for the builds the Go toolchain does not stamp (a git worktree,
// GOFLAGS=-buildvcs=false).
var Revision string

// BuildRevision is the version control revision the binary was built
// from ("" when the build does not say), "+modified" when its tree had
// changes.
func BuildRevision() string {
	if Revision != "" {
		return Revision
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" && modified {
		rev += "+modified"
	}
	return rev
}

// NetworkInfo is what the admin API tells about a mounted network.
type NetworkInfo struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	BasePath    string          `json:"basePath"`
	Documents   []DocumentInfo  `json:"documents"`
	AuthSchemes []string        `json:"authSchemes"`
	Operations  []OperationInfo `json:"operations"`
	TestCards   []TestCard      `json:"testCards,omitempty"`
	Triggers    []string        `json:"triggers,omitempty"`
	Settings    []Setting       `json:"settings,omitempty"`
	Callback    *targetJSON     `json:"callback,omitempty"`
}

// DocumentInfo describes one document of a network.
type DocumentInfo struct {
	Path      string `json:"path"`
	Title     string `json:"title"`
	Version   string `json:"version"`
	Direction string `json:"direction"`
	BasePath  string `json:"basePath,omitempty"`
	// Digest is "sha256:" and the SHA-256 of the document's bytes as the
	// simulator loaded them: a report names exactly what it ran against.
	Digest string `json:"digest,omitempty"`
}

// digest is the SHA-256 of one of the network's documents.
func (m *mounted) digest(p string) string {
	fsys := m.desc.FS
	if fsys == nil {
		fsys = openapi.FS
	}
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// OperationInfo describes one operation and how faithful it is.
type OperationInfo struct {
	OperationID string `json:"operationId"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Direction   string `json:"direction"`
	Fidelity    string `json:"fidelity"`
	Source      string `json:"source,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// Info describes every mounted network.
func (s *Simulator) Info() []NetworkInfo {
	out := make([]NetworkInfo, 0, len(s.networks))
	for _, m := range s.networks {
		info := NetworkInfo{ID: m.id, Name: m.desc.Name, BasePath: m.docs[0].base, AuthSchemes: m.desc.AuthSchemes}
		if info.AuthSchemes == nil {
			info.AuthSchemes = []string{}
		}
		for _, d := range m.docs {
			info.Documents = append(info.Documents, DocumentInfo{Path: d.path, Title: d.doc.Info.Title, Version: d.doc.Info.Version, Direction: "inbound", BasePath: d.base,
				Digest: m.digest(d.path)})
			for _, r := range operationsOf(d.doc) {
				info.Operations = append(info.Operations, opInfo(r.Operation, r.Method, d.base+r.Path, "inbound"))
			}
		}
		for _, p := range m.desc.Callbacks {
			d := m.cbDocs[p]
			info.Documents = append(info.Documents, DocumentInfo{Path: p, Title: d.Info.Title, Version: d.Info.Version, Direction: "callback", Digest: m.digest(p)})
			for _, r := range operationsOf(d) {
				info.Operations = append(info.Operations, opInfo(r.Operation, r.Method, r.Path, "callback"))
			}
		}
		if tl, ok := m.net.(TestCardLister); ok {
			info.TestCards = tl.TestCards()
		}
		if tr, ok := m.net.(Triggerer); ok {
			info.Triggers = tr.Triggers()
		}
		if len(m.settings) > 0 {
			s.live.refresh(context.Background())
			info.Settings = m.env.Settings.(*settings).describe(m.settings)
		}
		t := toTargetJSON(s.CallbackTarget(m.id))
		info.Callback = &t
		out = append(out, info)
	}
	return out
}

func opInfo(op *openapi3.Operation, method, path, dir string) OperationInfo {
	oi := OperationInfo{OperationID: op.OperationID, Method: method, Path: path, Direction: dir, Fidelity: "unspecified"}
	if v, ok := op.Extensions["x-c2psim-fidelity"].(string); ok {
		oi.Fidelity = v
	}
	if v, ok := op.Extensions["x-c2psim-source"].(string); ok {
		oi.Source = v
	}
	if v, ok := op.Extensions["x-c2psim-reason"].(string); ok {
		oi.Reason = v
	}
	return oi
}

func (a *admin) listNetworks(context.Context, *Request) (*Response, error) {
	return JSON(http.StatusOK, a.sim.Info()), nil
}

func (a *admin) networkSpec(_ context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	name := req.HTTP.URL.Query().Get("doc")
	var doc *openapi3.T
	var base string
	for _, d := range m.docs {
		if name == "" || d.path == name {
			doc, base = d.doc, d.base
			break
		}
	}
	if doc == nil {
		if d, ok := m.cbDocs[name]; ok {
			doc = d
		}
	}
	if doc == nil {
		return nil, Errorf(http.StatusNotFound, KindNotFound, "network %s has no document %q", m.id, name)
	}
	// Serve a copy whose server URL points at this simulator.
	raw, err := doc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	if base != "" {
		generic["servers"] = []any{map[string]any{"url": requestOrigin(req.HTTP) + base, "description": "this c2psim simulator"}}
	}
	if req.PathParams["format"] == "json" {
		return JSON(http.StatusOK, generic), nil
	}
	y, err := yaml.Marshal(generic)
	if err != nil {
		return nil, err
	}
	return &Response{Status: http.StatusOK, Raw: y, ContentType: "application/yaml"}, nil
}

// requestOrigin is the scheme://host the caller used.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *admin) credentials(m *mounted) map[string]any {
	items := append([]Credential{}, a.sim.handedOut(m)...)
	return map[string]any{"network": m.id, "items": items}
}

func (a *admin) getCredentials(_ context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, a.credentials(m)), nil
}

func (a *admin) putCredential(ctx context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	cp, ok := m.net.(CredentialProvider)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, KindValidation, "network %s takes no credentials", m.id)
	}
	var c Credential
	if err := json.Unmarshal(req.Body, &c); err != nil {
		return nil, Errorf(http.StatusBadRequest, KindMalformed, "decoding credential: %v", err)
	}
	if err := cp.RegisterCredential(c); err != nil {
		return nil, Errorf(http.StatusBadRequest, KindValidation, "registering %s credential %q: %v", m.id, c.Name, err)
	}
	if err := a.sim.saveCredentials(ctx, m); err != nil {
		return nil, fmt.Errorf("storing %s credentials: %w", m.id, err)
	}
	return JSON(http.StatusOK, a.credentials(m)), nil
}

type targetJSON struct {
	URL                string     `json:"url"`
	RetrySchedule      []string   `json:"retrySchedule"`
	Timeout            string     `json:"timeout,omitempty"`
	InsecureSkipVerify bool       `json:"insecureSkipVerify,omitempty"`
	Retry              *retryJSON `json:"retry,omitempty"`
}

type retryJSON struct {
	Initial  string `json:"initial,omitempty"`
	Max      string `json:"max,omitempty"`
	Deadline string `json:"deadline,omitempty"`
}

func toTargetJSON(t CallbackTarget) targetJSON {
	p := t.Retry.withDefaults()
	out := targetJSON{URL: t.URL, RetrySchedule: []string{}, InsecureSkipVerify: t.InsecureSkipVerify,
		Retry: &retryJSON{Initial: durationJSON(p.Initial), Max: durationJSON(p.Max), Deadline: durationJSON(p.Deadline)}}
	for _, d := range t.RetrySchedule {
		out.RetrySchedule = append(out.RetrySchedule, fault.FormatDuration(d))
	}
	if t.Timeout > 0 {
		out.Timeout = fault.FormatDuration(t.Timeout)
	}
	return out
}

func (a *admin) getCallback(_ context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, toTargetJSON(a.sim.CallbackTarget(m.id))), nil
}

func (a *admin) putCallback(_ context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	var in struct {
		URL                string    `json:"url"`
		RetrySchedule      *[]string `json:"retrySchedule"`
		Timeout            string    `json:"timeout"`
		InsecureSkipVerify bool      `json:"insecureSkipVerify"`
		Retry              retryJSON `json:"retry"`
	}
	if err := json.Unmarshal(req.Body, &in); err != nil {
		return nil, Errorf(http.StatusBadRequest, KindMalformed, "decoding callback target: %v", err)
	}
	t := CallbackTarget{URL: in.URL, InsecureSkipVerify: in.InsecureSkipVerify}
	var errs []string
	if in.RetrySchedule != nil {
		t.RetrySchedule = []time.Duration{}
		for _, s := range *in.RetrySchedule {
			d, err := time.ParseDuration(s)
			if err != nil {
				errs = append(errs, fmt.Sprintf("retrySchedule: %q is not a duration", s))
			}
			t.RetrySchedule = append(t.RetrySchedule, d)
		}
	}
	if in.Timeout != "" {
		d, err := time.ParseDuration(in.Timeout)
		if err != nil {
			errs = append(errs, fmt.Sprintf("timeout: %q is not a duration", in.Timeout))
		}
		t.Timeout = d
	}
	for _, f := range []struct {
		name string
		in   string
		out  *time.Duration
	}{{"retry.initial", in.Retry.Initial, &t.Retry.Initial}, {"retry.max", in.Retry.Max, &t.Retry.Max}, {"retry.deadline", in.Retry.Deadline, &t.Retry.Deadline}} {
		if f.in == "" {
			continue
		}
		d, err := time.ParseDuration(f.in)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: %q is not a positive duration", f.name, f.in))
		}
		*f.out = d
	}
	if len(errs) > 0 {
		return nil, Errorf(http.StatusBadRequest, KindValidation, "%s", strings.Join(errs, "; "))
	}
	if err := a.sim.SetCallbackTarget(m.id, t); err != nil {
		return nil, Errorf(http.StatusBadRequest, KindValidation, "%v", err)
	}
	return JSON(http.StatusOK, toTargetJSON(a.sim.CallbackTarget(m.id))), nil
}

func (a *admin) trigger(ctx context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	tr, ok := m.net.(Triggerer)
	name := req.PathParams["trigger"]
	if !ok || !contains(tr.Triggers(), name) {
		var known []string
		if ok {
			known = tr.Triggers()
		}
		return nil, Errorf(http.StatusNotFound, KindNotFound, "network %s has no trigger %q (triggers: %s)", m.id, name, strings.Join(known, ", "))
	}
	params := map[string]any{}
	if len(req.Body) > 0 {
		if err := json.Unmarshal(req.Body, &params); err != nil {
			return nil, Errorf(http.StatusBadRequest, KindMalformed, "decoding trigger parameters: %v", err)
		}
	}
	if err := m.checkTrigger(name, params); err != nil {
		return nil, err
	}
	out, err := tr.Trigger(ctx, name, params)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, Errorf(http.StatusBadGateway, KindUnavailable, "trigger %s/%s: %s", m.id, name, pan.RedactText(err.Error()))
	}
	if out == nil {
		out = map[string]any{}
	}
	return JSON(http.StatusOK, out), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *admin) getJournal(ctx context.Context, req *Request) (*Response, error) {
	q := req.HTTP.URL.Query()
	jq := journal.Query{
		Network:       q.Get("network"),
		OperationID:   q.Get("operation"),
		CorrelationID: q.Get("correlationId"),
		Direction:     journal.Direction(q.Get("direction")),
		Status:        q.Get("status"),
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, KindValidation, "since %q is not an RFC 3339 time", v)
		}
		jq.Since = t
	}
	for name, dst := range map[string]*uint64{"afterSeq": &jq.AfterSeq, "beforeSeq": &jq.BeforeSeq} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, Errorf(http.StatusBadRequest, KindValidation, "%s %q is not a sequence number", name, v)
			}
			*dst = n
		}
	}
	jq.Limit = JournalPageDefault
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > JournalPageMax {
			return nil, Errorf(http.StatusBadRequest, KindValidation, "limit %q must be 1 to %d", v, JournalPageMax)
		}
		jq.Limit = n
	}
	if shared, ok := a.sim.journalStore.(journalstore.Shared); ok {
		// Replicas share one journal: answer from it, every replica's
		// exchanges included.
		entries, err := shared.Find(ctx, jq)
		if err != nil {
			return nil, fmt.Errorf("reading the shared journal: %w", err)
		}
		total, err := shared.Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("counting the shared journal: %w", err)
		}
		if entries == nil {
			entries = []journal.Entry{}
		}
		held, bound := a.sim.journal.Bytes()
		out := map[string]any{"entries": entries, "total": total, "dropped": 0, "bytes": held, "boundBytes": bound}
		if len(entries) == jq.Limit {
			out["next"] = entries[len(entries)-1].Seq
		}
		return JSON(http.StatusOK, out), nil
	}
	entries, more := a.sim.journal.Page(jq, JournalPageBytes)
	if entries == nil {
		entries = []journal.Entry{}
	}
	held, bound := a.sim.journal.Bytes()
	out := map[string]any{"entries": entries, "total": a.sim.journal.Len(), "dropped": a.sim.journal.Dropped(), "bytes": held, "boundBytes": bound}
	if more {
		out["next"] = entries[len(entries)-1].Seq
	}
	return JSON(http.StatusOK, out), nil
}

// Pages of GET /_admin/journal: entries newest first, limit entries (default
// JournalPageDefault, at most JournalPageMax) and about JournalPageBytes of
// journal text; "next" is the beforeSeq that reads the following page.
const (
	JournalPageDefault = 100
	JournalPageMax     = 1000
	JournalPageBytes   = 8 << 20
)

func (a *admin) listFindings(_ context.Context, req *Request) (*Response, error) {
	q := req.HTTP.URL.Query()
	var after uint64
	if v := q.Get("afterSeq"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, KindValidation, "afterSeq %q is not a sequence number", v)
		}
		after = n
	}
	items, dropped := a.sim.IssuerFindings(q.Get("network"), after)
	return JSON(http.StatusOK, map[string]any{"items": items, "dropped": dropped}), nil
}

func (a *admin) clearJournal(ctx context.Context, _ *Request) (*Response, error) {
	if err := a.sim.clearJournal(ctx); err != nil {
		return nil, err
	}
	return noContent(), nil
}

func (a *admin) listFaults(ctx context.Context, _ *Request) (*Response, error) {
	rules, err := a.sim.FaultRules(ctx)
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, rules), nil
}

func (a *admin) addFault(_ context.Context, req *Request) (*Response, error) {
	var r fault.Rule
	dec := json.NewDecoder(strings.NewReader(string(req.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, Errorf(http.StatusBadRequest, KindMalformed, "decoding fault rule: %v", err)
	}
	stored, err := a.sim.AddFault(r)
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, KindValidation, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return JSON(http.StatusCreated, stored), nil
}

func (a *admin) clearFaults(ctx context.Context, _ *Request) (*Response, error) {
	if err := a.sim.ClearFaults(ctx); err != nil {
		return nil, err
	}
	return noContent(), nil
}

func (a *admin) deleteFault(ctx context.Context, req *Request) (*Response, error) {
	id := req.PathParams["id"]
	ok, err := a.sim.DeleteFault(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Errorf(http.StatusNotFound, KindNotFound, "no fault rule %q", id)
	}
	return noContent(), nil
}

func (a *admin) getSettings(ctx context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	out, err := a.sim.Settings(ctx, m.id)
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, nonNilSettings(out)), nil
}

func (a *admin) patchSettings(ctx context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	var change SettingChange
	if err := json.Unmarshal(req.Body, &change); err != nil {
		return nil, Errorf(http.StatusBadRequest, KindMalformed, "decoding the settings change: %v", err)
	}
	out, err := a.sim.ChangeSettings(ctx, m.id, change)
	var se *SettingsError
	if errors.As(err, &se) {
		e := Errorf(http.StatusBadRequest, KindValidation, "%s", se.Error())
		e.Fields = se.Fields
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, nonNilSettings(out)), nil
}

func nonNilSettings(s []Setting) []Setting {
	if s == nil {
		return []Setting{}
	}
	return s
}

func (a *admin) listState(ctx context.Context, _ *Request) (*Response, error) {
	out := []map[string]any{}
	for _, m := range a.sim.networks {
		cols, err := m.env.Store.Collections(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			n, err := store.Count(ctx, m.env.Store, c)
			if err != nil {
				return nil, err
			}
			out = append(out, map[string]any{"network": m.id, "collection": c, "size": n})
		}
	}
	return JSON(http.StatusOK, out), nil
}

func (a *admin) getState(ctx context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	c := req.PathParams["collection"]
	entries, err := m.env.Store.List(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		cols, _ := m.env.Store.Collections(ctx)
		return nil, Errorf(http.StatusNotFound, KindNotFound, "network %s has no records in %q (collections: %s)", m.id, c, strings.Join(cols, ", "))
	}
	out := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		// State should never hold a clear PAN; redact anyway, defence in depth.
		out = append(out, map[string]any{"key": pan.RedactText(e.Key), "value": json.RawMessage(pan.RedactJSON(e.Value))})
	}
	return JSON(http.StatusOK, out), nil
}

func (a *admin) reset(ctx context.Context, _ *Request) (*Response, error) {
	if err := a.sim.Reset(ctx); err != nil {
		return nil, err
	}
	return noContent(), nil
}

// durationJSON writes a duration in the admin document's pattern
// (a number and one unit: 90s, 5m, 1h, 250ms).
func durationJSON(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	default:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
}

func (a *admin) listOutbox(ctx context.Context, req *Request) (*Response, error) {
	state := req.HTTP.URL.Query().Get("state")
	out := []Delivery{}
	for _, dead := range []bool{false, true} {
		if (state == "pending" && dead) || (state == "dead" && !dead) {
			continue
		}
		d, err := a.sim.Deliveries(ctx, dead)
		if err != nil {
			return nil, err
		}
		out = append(out, d...)
	}
	return JSON(http.StatusOK, out), nil
}

func (a *admin) redeliver(ctx context.Context, req *Request) (*Response, error) {
	m, err := a.mountedNetwork(req)
	if err != nil {
		return nil, err
	}
	d, err := a.sim.Redeliver(ctx, m.id, req.PathParams["id"])
	if errors.Is(err, ErrNoDeadLetter) {
		return nil, Errorf(http.StatusNotFound, KindNotFound, "%s has no dead letter %q (GET /_admin/outbox?state=dead lists them)", m.id, req.PathParams["id"])
	}
	if err != nil {
		return nil, err
	}
	return JSON(http.StatusOK, d), nil
}
