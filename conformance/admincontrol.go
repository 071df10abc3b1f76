package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// AdminControl controls a running c2psim through its admin API
// (openapi/admin.yaml).
type AdminControl struct {
	BaseURL string // the simulator's base URL, without /_admin
	HTTP    *http.Client
	Token   string // the simulator's admin token, when it has one
}

var _ Control = (*AdminControl)(nil)

func (a *AdminControl) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.BaseURL, "/")+"/_admin"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("simulator admin API: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("simulator admin API %s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Journal implements Control. The admin API answers in pages (at most
// 1000 entries each); Journal follows them until q.Limit entries, or all
// that match when q.Limit is 0.
func (a *AdminControl) Journal(ctx context.Context, q journal.Query) ([]journal.Entry, error) {
	v := url.Values{}
	for k, s := range map[string]string{"network": q.Network, "operation": q.OperationID, "correlationId": q.CorrelationID, "direction": string(q.Direction)} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.AfterSeq > 0 {
		v.Set("afterSeq", strconv.FormatUint(q.AfterSeq, 10))
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"))
	}
	before := q.BeforeSeq
	var all []journal.Entry
	for {
		limit := 1000
		if q.Limit > 0 {
			limit = min(limit, q.Limit-len(all))
		}
		v.Set("limit", strconv.Itoa(limit))
		if before > 0 {
			v.Set("beforeSeq", strconv.FormatUint(before, 10))
		}
		var page struct {
			Entries []journal.Entry `json:"entries"`
			Next    uint64          `json:"next"`
		}
		if err := a.do(ctx, http.MethodGet, "/journal?"+v.Encode(), nil, &page); err != nil {
			return all, err
		}
		all = append(all, page.Entries...)
		if page.Next == 0 || q.Limit > 0 && len(all) >= q.Limit {
			return all, nil
		}
		before = page.Next
	}
}

// AddFault implements Control.
func (a *AdminControl) AddFault(ctx context.Context, r fault.Rule) (fault.Rule, error) {
	var out fault.Rule
	err := a.do(ctx, http.MethodPost, "/faults", r, &out)
	return out, err
}

// DeleteFault implements Control.
func (a *AdminControl) DeleteFault(ctx context.Context, id string) error {
	return a.do(ctx, http.MethodDelete, "/faults/"+url.PathEscape(id), nil, nil)
}

// Faults implements Control.
func (a *AdminControl) Faults(ctx context.Context) ([]fault.Rule, error) {
	var out []fault.Rule
	err := a.do(ctx, http.MethodGet, "/faults", nil, &out)
	return out, err
}

// Networks implements Control.
func (a *AdminControl) Networks(ctx context.Context) ([]simulator.NetworkInfo, error) {
	var out []simulator.NetworkInfo
	err := a.do(ctx, http.MethodGet, "/networks", nil, &out)
	return out, err
}

// SetCallback implements Control.
func (a *AdminControl) SetCallback(ctx context.Context, network string, t simulator.CallbackTarget) error {
	body := map[string]any{"url": t.URL, "retrySchedule": []string{}, "insecureSkipVerify": t.InsecureSkipVerify}
	var sched []string
	for _, d := range t.RetrySchedule {
		sched = append(sched, d.String())
	}
	if sched != nil {
		body["retrySchedule"] = sched
	}
	if t.Timeout > 0 {
		body["timeout"] = t.Timeout.String()
	}
	return a.do(ctx, http.MethodPut, "/networks/"+url.PathEscape(network)+"/callback", body, nil)
}

// Findings implements Control.
func (a *AdminControl) Findings(ctx context.Context, network string, afterSeq uint64) ([]simulator.IssuerFinding, error) {
	v := url.Values{}
	if network != "" {
		v.Set("network", network)
	}
	if afterSeq > 0 {
		v.Set("afterSeq", strconv.FormatUint(afterSeq, 10))
	}
	var out struct {
		Items []simulator.IssuerFinding `json:"items"`
	}
	err := a.do(ctx, http.MethodGet, "/findings?"+v.Encode(), nil, &out)
	return out.Items, err
}

// Health implements Control.
func (a *AdminControl) Health(ctx context.Context) (Health, error) {
	var h Health
	err := a.do(ctx, http.MethodGet, "/health", nil, &h)
	return h, err
}

// ClearFaults implements Control.
func (a *AdminControl) ClearFaults(ctx context.Context) error {
	return a.do(ctx, http.MethodDelete, "/faults", nil, nil)
}

// Trigger implements Control.
func (a *AdminControl) Trigger(ctx context.Context, network, name string, params map[string]any) (map[string]any, error) {
	var out map[string]any
	err := a.do(ctx, http.MethodPost, "/networks/"+url.PathEscape(network)+"/triggers/"+url.PathEscape(name), params, &out)
	return out, err
}

// Credentials implements Control.
func (a *AdminControl) Credentials(ctx context.Context, network string) ([]simulator.Credential, error) {
	var out struct {
		Items []simulator.Credential `json:"items"`
	}
	err := a.do(ctx, http.MethodGet, "/networks/"+url.PathEscape(network)+"/credentials", nil, &out)
	return out.Items, err
}

// Reset implements Control.
func (a *AdminControl) Reset(ctx context.Context) error {
	return a.do(ctx, http.MethodPost, "/reset", nil, nil)
}
