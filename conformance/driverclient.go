package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
)

// Driver is the issuer system under test, spoken to through
// openapi/driver.yaml. The bundled target serves the bundled client behind
// that contract too, so every scenario exercises the contract an external
// issuer implements.
type Driver struct {
	BaseURL string
	HTTP    *http.Client
	// OnBroken is called when the driver cannot be reached or answers
	// outside the contract; Install makes it a harness error (the case's
	// verdict is "error", never "failed"). Nil returns the error.
	OnBroken func(error)
	// Record, when set, receives every call to the driver and its answer,
	// card numbers masked, with the identifiers the answer reports: the
	// case's evidence of what the harness asked of the issuer.
	Record func(x Exchange, ids []string)
}

// DriverError is a refusal the contract provides for: the issuer could not
// do what was asked, with the network's code when the network refused.
type DriverError struct {
	Status      int
	Code        string `json:"code"`
	Message     string `json:"message"`
	Network     string `json:"network"`
	NetworkCode string `json:"networkCode"`
	HTTPStatus  int    `json:"httpStatus"`
	Retryable   bool   `json:"retryable"`
}

func (e *DriverError) Error() string {
	if e.NetworkCode != "" {
		return fmt.Sprintf("driver %d %s (%s %s): %s", e.Status, e.Code, e.Network, e.NetworkCode, e.Message)
	}
	return fmt.Sprintf("driver %d %s: %s", e.Status, e.Code, e.Message)
}

// ContractError is an answer the driver contract does not allow, or a
// driver that cannot be reached: the harness cannot judge the issuer.
type ContractError struct {
	Method, Path string
	Status       int
	Problem      string
}

func (e *ContractError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("driver %s %s: %s", e.Method, e.Path, e.Problem)
	}
	return fmt.Sprintf("driver %s %s answered %d: %s (openapi/driver.yaml)", e.Method, e.Path, e.Status, e.Problem)
}

// refusalStatuses are the error statuses openapi/driver.yaml defines.
var refusalStatuses = map[int]bool{400: true, 404: true, 409: true, 422: true, 501: true, 502: true, 503: true, 504: true}

// errorCodes are the contract's error.code values.
var errorCodes = map[string]bool{"validation": true, "not_found": true, "conflict": true, "network_refused": true, "unsupported": true,
	"network_auth": true, "network_unavailable": true, "timeout": true}

// CardJSON is a card as the driver contract takes it.
type CardJSON struct {
	Ref            string         `json:"ref"`
	PAN            string         `json:"pan"`
	Expiry         string         `json:"expiry"`
	NameOnCard     string         `json:"nameOnCard"`
	BillingAddress client.Address `json:"billingAddress"`
	Network        client.Network `json:"network,omitempty"`
}

// Operation is an operation as the driver answers it: the unified model and
// the identifiers the issuer used at the network.
type Operation struct {
	client.Operation
	NetworkIDs NetworkIDs `json:"networkIds"`
}

func (d *Driver) broken(err error) error {
	if d.OnBroken != nil {
		d.OnBroken(err)
	}
	return err
}

func (d *Driver) do(ctx context.Context, method, path, correlation string, in, out any) error {
	var body io.Reader
	var sent []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, sent = bytes.NewReader(b), b
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(d.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if correlation != "" {
		req.Header.Set("X-Correlation-Id", correlation)
	}
	hc := d.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	shown := pan.RedactText(strings.SplitN(path, "?", 2)[0])
	started := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		if d.Record != nil {
			d.Record(driverExchange(req, path, in, sent, nil, nil, started, err), nil)
		}
		return d.broken(&ContractError{Method: method, Path: shown, Problem: "the issuer's driver did not answer: " + pan.RedactText(err.Error())})
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if d.Record != nil {
		d.Record(driverExchange(req, path, in, sent, resp, raw, started, nil), reportedIDs(raw))
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error *DriverError `json:"error"`
		}
		switch {
		case !refusalStatuses[resp.StatusCode]:
			return d.broken(&ContractError{Method: method, Path: shown, Status: resp.StatusCode, Problem: "the contract defines no such status"})
		case json.Unmarshal(raw, &e) != nil || e.Error == nil || !errorCodes[e.Error.Code]:
			return d.broken(&ContractError{Method: method, Path: shown, Status: resp.StatusCode,
				Problem: fmt.Sprintf("the body is not the contract's error envelope {error: {code, message}}: %.200s", pan.RedactText(string(raw)))})
		}
		e.Error.Status = resp.StatusCode
		return e.Error
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return d.broken(&ContractError{Method: method, Path: shown, Status: resp.StatusCode, Problem: "the answer does not decode: " + err.Error()})
		}
	}
	return nil
}

func (d *Driver) operation(ctx context.Context, method, path, corr string, in any) (*Operation, error) {
	var op Operation
	if err := d.do(ctx, method, path, corr, in, &op); err != nil {
		return &op, err
	}
	if problem := op.contractProblem(); problem != "" {
		return &op, d.broken(&ContractError{Method: method, Path: pan.RedactText(strings.SplitN(path, "?", 2)[0]), Status: 200, Problem: problem})
	}
	return &op, nil
}

// contractProblem says what the contract's Operation lacks.
func (op *Operation) contractProblem() string {
	switch {
	case op.ID == "" || op.Status == "" || op.Network == "" || op.Kind == "":
		return "an Operation needs id, kind, network and status"
	case !op.Status.Terminal() && op.Status != client.Pending:
		return fmt.Sprintf("status %q is not PENDING, SUCCEEDED or FAILED", op.Status)
	case op.NetworkIDs.Consumer == "":
		return "an Operation needs networkIds.consumer: the consumer identifier the issuer used at the network"
	}
	return ""
}

// Info is the issuer system as GET /info describes it.
type Info struct {
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Vendor    string            `json:"vendor"`
	Networks  []string          `json:"networks"`
	Callbacks map[string]string `json:"callbacks"`
	Logs      bool              `json:"logs"`
}

// Info asks the driver what the issuer system is.
func (d *Driver) Info(ctx context.Context) (*Info, error) {
	var i Info
	if err := d.do(ctx, http.MethodGet, "/info", "", nil, &i); err != nil {
		return nil, err
	}
	if i.Name == "" || len(i.Networks) == 0 {
		return &i, d.broken(&ContractError{Method: http.MethodGet, Path: "/info", Status: 200, Problem: "Info needs name and networks"})
	}
	return &i, nil
}

// LogLine is one line the issuer logged.
type LogLine struct {
	N    uint64 `json:"n"`
	Text string `json:"text"`
}

// Logs returns the issuer's log lines numbered above after, and the number
// to ask after next; ok is false when the issuer does not offer its logs.
func (d *Driver) Logs(ctx context.Context, after uint64) (lines []LogLine, next uint64, ok bool, err error) {
	var out struct {
		Lines []LogLine `json:"lines"`
		Next  uint64    `json:"next"`
	}
	err = d.do(ctx, http.MethodGet, fmt.Sprintf("/logs?after=%d", after), "", nil, &out)
	var de *DriverError
	if errors.As(err, &de) && de.Status == http.StatusNotImplemented {
		return nil, after, false, nil
	}
	return out.Lines, out.Next, err == nil, err
}

// Enrol asks the issuer to enrol a card (auto: as a portfolio enrolment).
func (d *Driver) Enrol(ctx context.Context, corr string, c client.Consumer, card CardJSON, auto bool) (*Operation, error) {
	return d.operation(ctx, http.MethodPost, "/enrolments", corr, map[string]any{"consumer": c, "card": card, "auto": auto})
}

// Push asks the issuer to push a card into Click to Pay from its app ("Add
// to Click to Pay"), through the network's push provisioning.
func (d *Driver) Push(ctx context.Context, corr string, c client.Consumer, card CardJSON) (*Operation, error) {
	return d.operation(ctx, http.MethodPost, "/enrolments", corr, map[string]any{"consumer": c, "card": card, "push": true})
}

// EnrolExisting asks the issuer to enrol a card for a consumer the network
// already knows, under consumerID, from another of its products; a
// non-empty instrumentRef names the network's registered instrument instead
// of sending the card.
func (d *Driver) EnrolExisting(ctx context.Context, corr string, c client.Consumer, card CardJSON, consumerID, instrumentRef string) (*Operation, error) {
	existing := map[string]any{"consumerId": consumerID}
	if instrumentRef != "" {
		existing["instrumentRef"] = instrumentRef
	}
	return d.operation(ctx, http.MethodPost, "/enrolments", corr, map[string]any{"consumer": c, "card": card, "existing": existing})
}

// UpdateConsumer asks the issuer to push a consumer's new data.
func (d *Driver) UpdateConsumer(ctx context.Context, corr string, c client.Consumer) ([]Operation, error) {
	var out struct {
		Operations []Operation `json:"operations"`
	}
	err := d.do(ctx, http.MethodPut, "/consumers/"+url.PathEscape(c.Ref), corr, c, &out)
	for i := range out.Operations {
		if p := out.Operations[i].contractProblem(); err == nil && p != "" {
			err = d.broken(&ContractError{Method: http.MethodPut, Path: "/consumers/{ref}", Status: 200, Problem: p})
		}
	}
	return out.Operations, err
}

// UpdateCard asks the issuer to send a renewed card.
func (d *Driver) UpdateCard(ctx context.Context, corr, consumerRef string, card CardJSON) (*Operation, error) {
	return d.operation(ctx, http.MethodPut, "/consumers/"+url.PathEscape(consumerRef)+"/cards/"+url.PathEscape(card.Ref), corr, card)
}

// CardAction asks the issuer to suspend, resume or delete a card.
func (d *Driver) CardAction(ctx context.Context, corr, action, consumerRef, cardRef, reason string) (*Operation, error) {
	return d.operation(ctx, http.MethodPost, "/consumers/"+url.PathEscape(consumerRef)+"/cards/"+url.PathEscape(cardRef)+"/"+action, corr,
		map[string]string{"reason": reason})
}

// DeleteConsumer asks the issuer to remove a consumer from a network.
func (d *Driver) DeleteConsumer(ctx context.Context, corr string, n client.Network, consumerRef string) (*Operation, error) {
	return d.operation(ctx, http.MethodDelete, "/networks/"+string(n)+"/consumers/"+url.PathEscape(consumerRef), corr, nil)
}

// Profile asks the issuer to read back a network profile.
func (d *Driver) Profile(ctx context.Context, corr string, n client.Network, consumerRef string) (*client.Profile, error) {
	var p client.Profile
	err := d.do(ctx, http.MethodGet, "/networks/"+string(n)+"/consumers/"+url.PathEscape(consumerRef)+"/profile", corr, nil, &p)
	return &p, err
}

// Wait asks the issuer for an operation's outcome, waiting up to wait.
func (d *Driver) Wait(ctx context.Context, corr string, op *Operation, wait string) (*Operation, error) {
	if op == nil || op.ID == "" {
		return op, errors.New("no operation to wait for")
	}
	cur, err := d.operation(ctx, http.MethodGet, "/networks/"+string(op.Network)+"/operations/"+url.PathEscape(op.ID)+"?wait="+wait, corr, nil)
	if err == nil && cur.NetworkIDs == (NetworkIDs{}) {
		cur.NetworkIDs = op.NetworkIDs
	}
	return cur, err
}

// Enrolments returns the issuer's view of its enrolments.
func (d *Driver) Enrolments(ctx context.Context) ([]client.Enrolment, error) {
	var out struct {
		Enrolments []client.Enrolment `json:"enrolments"`
	}
	err := d.do(ctx, http.MethodGet, "/enrolments", "", nil, &out)
	return out.Enrolments, err
}

// Events returns the network calls the issuer received.
func (d *Driver) Events(ctx context.Context) ([]client.NetworkEvent, error) {
	var out struct {
		Events []client.NetworkEvent `json:"events"`
	}
	err := d.do(ctx, http.MethodGet, "/events", "", nil, &out)
	return out.Events, err
}

// ActivationCode is the activation code the issuer issued for token
// tokenRef on network n, as its delivery channel sent it to the
// cardholder.
func (d *Driver) ActivationCode(ctx context.Context, n client.Network, tokenRef string) (string, error) {
	var out struct {
		Code string `json:"code"`
	}
	err := d.do(ctx, http.MethodGet, "/networks/"+url.PathEscape(string(n))+"/tokens/"+url.PathEscape(tokenRef)+"/activation-code", "", nil, &out)
	if err == nil && out.Code == "" {
		return "", d.broken(&ContractError{Method: http.MethodGet, Path: "/networks/{network}/tokens/{tokenRef}/activation-code", Status: 200, Problem: "the answer names no code"})
	}
	return out.Code, err
}
