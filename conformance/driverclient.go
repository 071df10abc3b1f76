package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/c2psim/c2psim/client"
)

// Driver is the issuer system under test, spoken to through
// openapi/driver.yaml. The bundled target serves the bundled client behind
// that contract too, so every scenario exercises the contract an external
// issuer implements.
type Driver struct {
	BaseURL string
	HTTP    *http.Client
}

// DriverError is a refusal from the issuer's driver, with the network's
// code when the network refused.
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

// CardJSON is a card as the driver contract takes it.
type CardJSON struct {
	Ref            string         `json:"ref"`
	PAN            string         `json:"pan"`
	Expiry         string         `json:"expiry"`
	NameOnCard     string         `json:"nameOnCard"`
	BillingAddress client.Address `json:"billingAddress"`
	Network        client.Network `json:"network,omitempty"`
}

func (d *Driver) do(ctx context.Context, method, path, correlation string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
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
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("calling the issuer's driver: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error DriverError `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		e.Error.Status = resp.StatusCode
		return &e.Error
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Enrol asks the issuer to enrol a card (auto: as a portfolio enrolment).
func (d *Driver) Enrol(ctx context.Context, corr string, c client.Consumer, card CardJSON, auto bool) (*client.Operation, error) {
	var op client.Operation
	err := d.do(ctx, http.MethodPost, "/enrolments", corr, map[string]any{"consumer": c, "card": card, "auto": auto}, &op)
	return &op, err
}

// UpdateConsumer asks the issuer to push a consumer's new data.
func (d *Driver) UpdateConsumer(ctx context.Context, corr string, c client.Consumer) ([]client.Operation, error) {
	var out struct {
		Operations []client.Operation `json:"operations"`
	}
	err := d.do(ctx, http.MethodPut, "/consumers/"+url.PathEscape(c.Ref), corr, c, &out)
	return out.Operations, err
}

// UpdateCard asks the issuer to send a renewed card.
func (d *Driver) UpdateCard(ctx context.Context, corr, consumerRef string, card CardJSON) (*client.Operation, error) {
	var op client.Operation
	err := d.do(ctx, http.MethodPut, "/consumers/"+url.PathEscape(consumerRef)+"/cards/"+url.PathEscape(card.Ref), corr, card, &op)
	return &op, err
}

// CardAction asks the issuer to suspend, resume or delete a card.
func (d *Driver) CardAction(ctx context.Context, corr, action, consumerRef, cardRef, reason string) (*client.Operation, error) {
	var op client.Operation
	err := d.do(ctx, http.MethodPost, "/consumers/"+url.PathEscape(consumerRef)+"/cards/"+url.PathEscape(cardRef)+"/"+action, corr,
		map[string]string{"reason": reason}, &op)
	return &op, err
}

// DeleteConsumer asks the issuer to remove a consumer from a network.
func (d *Driver) DeleteConsumer(ctx context.Context, corr string, n client.Network, consumerRef string) (*client.Operation, error) {
	var op client.Operation
	err := d.do(ctx, http.MethodDelete, "/networks/"+string(n)+"/consumers/"+url.PathEscape(consumerRef), corr, nil, &op)
	return &op, err
}

// Profile asks the issuer to read back a network profile.
func (d *Driver) Profile(ctx context.Context, corr string, n client.Network, consumerRef string) (*client.Profile, error) {
	var p client.Profile
	err := d.do(ctx, http.MethodGet, "/networks/"+string(n)+"/consumers/"+url.PathEscape(consumerRef)+"/profile", corr, nil, &p)
	return &p, err
}

// Wait asks the issuer for an operation's outcome, waiting up to wait.
func (d *Driver) Wait(ctx context.Context, corr string, op *client.Operation, wait string) (*client.Operation, error) {
	var cur client.Operation
	err := d.do(ctx, http.MethodGet, "/networks/"+string(op.Network)+"/operations/"+url.PathEscape(op.ID)+"?wait="+wait, corr, nil, &cur)
	return &cur, err
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
