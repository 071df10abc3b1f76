package driver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/clienttest"
	"github.com/c2psim/c2psim/client/driver"
	"github.com/c2psim/c2psim/openapi"
)

// contract checks every exchange against openapi/driver.yaml.
type contract struct {
	t      *testing.T
	router routers.Router
	h      http.Handler
}

func newContract(t *testing.T, h http.Handler) *contract {
	doc, err := openapi.Load("driver.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: "/driver"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{t: t, router: r, h: http.StripPrefix("/driver", h)}
}

type result struct {
	status int
	body   map[string]any
	raw    string
}

// call sends a request; valid says whether the request itself should pass
// the contract (the driver must answer invalid ones with a 4xx too).
func (c *contract) call(method, path, body string, valid bool) result {
	c.t.Helper()
	req := httptest.NewRequest(method, "/driver"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Correlation-Id", "corr-1")
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s is not in the contract: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if valid && reqErr != nil {
		c.t.Fatalf("test request breaks the contract: %v", reqErr)
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	raw := rec.Body.Bytes()
	if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(raw)),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}); err != nil {
		c.t.Errorf("%s %s: answer %d breaks the contract: %v\n%s", method, path, rec.Code, err, raw)
	}
	r := result{status: rec.Code, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

const consumer = `{"ref":"cons-1","firstName":"Ada","lastName":"Lovelace","emails":["ada@example.com"],"phones":["447700900123"],"locale":"en-GB","country":"GBR"}`

func cardJSON(ref, number string) string {
	return `{"ref":"` + ref + `","pan":"` + number + `","expiry":"2030-08","nameOnCard":"Ada Lovelace","billingAddress":{"line1":"1 Analytical Way","city":"London","postalCode":"N1 9GU","country":"GBR"}}`
}

func TestDriverFollowsTheContract(t *testing.T) {
	net := clienttest.New(client.Visa)
	net.Async = true
	iss, _ := client.New(client.WithAdapter(net), client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	sink := &client.MemorySink{}
	c := newContract(t, driver.New(iss, sink, nil))

	r := c.call("POST", "/enrolments", `{"consumer":`+consumer+`,"card":`+cardJSON("card-1", "4111111145551140")+`}`, true)
	if r.status != 200 || r.body["status"] != "PENDING" {
		t.Fatalf("enrol: %d %s", r.status, r.raw)
	}
	if strings.Contains(r.raw, "4111111145551140") {
		t.Fatal("full PAN in an answer")
	}
	id := r.body["id"].(string)
	if r = c.call("GET", "/networks/visa/operations/"+id+"?wait=5s", "", true); r.status != 200 || r.body["status"] != "SUCCEEDED" {
		t.Fatalf("wait: %d %s", r.status, r.raw)
	}
	c.call("POST", "/enrolments", `{"consumer":`+consumer+`,"card":`+cardJSON("card-2", "4111111111111111")+`}`, true)
	if r = c.call("GET", "/networks/visa/consumers/cons-1/profile", "", true); r.status != 200 || len(r.body["cards"].([]any)) != 2 {
		t.Fatalf("profile: %d %s", r.status, r.raw)
	}
	if r = c.call("PUT", "/consumers/cons-1/cards/card-1", cardJSON("card-1", "4111111145551140"), true); r.status != 200 {
		t.Fatalf("update card: %d %s", r.status, r.raw)
	}
	for _, action := range []string{"suspend", "resume", "delete"} {
		if r = c.call("POST", "/consumers/cons-1/cards/card-2/"+action, `{"reason":"LOST"}`, true); r.status != 200 {
			t.Fatalf("%s: %d %s", action, r.status, r.raw)
		}
	}
	if r = c.call("PUT", "/consumers/cons-1", consumer, true); r.status != 200 {
		t.Fatalf("update consumer: %d %s", r.status, r.raw)
	}
	if r = c.call("POST", "/consumers/cons-1/cards/card-1/replacement", cardJSON("card-3", "4242424242424242"), true); r.status != 200 {
		t.Fatalf("replace: %d %s", r.status, r.raw)
	}
	if r = c.call("GET", "/enrolments", "", true); r.status != 200 || len(r.body["enrolments"].([]any)) != 3 {
		t.Fatalf("enrolments: %d %s", r.status, r.raw)
	}
	if r = c.call("DELETE", "/networks/visa/consumers/cons-1", "", true); r.status != 200 {
		t.Fatalf("delete consumer: %d %s", r.status, r.raw)
	}
	if r = c.call("GET", "/events", "", true); r.status != 200 {
		t.Fatalf("events: %d", r.status)
	}
}

func TestDriverErrors(t *testing.T) {
	net := clienttest.New(client.Visa)
	iss, _ := client.New(client.WithAdapter(net), client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	c := newContract(t, driver.New(iss, nil, nil))
	for _, tc := range []struct {
		method, path, body string
		valid              bool
		status             int
		code               string
	}{
		{"POST", "/enrolments", `{"consumer":` + consumer + `,"card":` + cardJSON("c1", "4000000000000002") + `}`, true, 422, "network_refused"},
		{"POST", "/enrolments", `{"consumer":` + consumer + `,"card":` + cardJSON("c1", "5186001700008785") + `}`, true, 501, "unsupported"},
		{"POST", "/enrolments", `{"consumer":` + consumer + `,"card":` + cardJSON("c1", "12") + `}`, false, 400, "validation"},
		{"POST", "/enrolments", `{"consumer":` + consumer + `,"card":` + cardJSON("c1", "4111111111111111") + `,"extra":1}`, false, 400, "validation"},
		{"POST", "/consumers/cons-1/cards/nope/suspend", ``, true, 404, "not_found"},
		{"GET", "/networks/visa/operations/nope", ``, true, 404, "not_found"},
	} {
		r := c.call(tc.method, tc.path, tc.body, tc.valid)
		e, _ := r.body["error"].(map[string]any)
		if r.status != tc.status || e["code"] != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, r.status, r.raw, tc.status, tc.code)
		}
	}
	net.Fail("EnrolCard", clienttest.AuthFailed)
	r := c.call("POST", "/enrolments", `{"consumer":`+consumer+`,"card":`+cardJSON("c2", "4111111111111111")+`}`, true)
	if e := r.body["error"].(map[string]any); r.status != 502 || e["networkCode"] != "AUTHENTICATION_FAILED" {
		t.Errorf("auth failure: %d %s", r.status, r.raw)
	}
}

// With WithOwnIDs the issuer sends the networks identifiers of its own: the
// harness's refs never reach the network, every answer reports the issuer's
// identifiers in networkIds, and the harness's refs keep working on the
// driver API.
func TestDriverIssuerChoosesItsOwnIDs(t *testing.T) {
	net := clienttest.New(client.Visa)
	iss, _ := client.New(client.WithAdapter(net), client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	c := newContract(t, driver.New(iss, &client.MemorySink{}, nil, driver.WithOwnIDs(), driver.WithOwner(client.Visa, "10000001")))

	r := c.call("POST", "/enrolments", `{"consumer":`+consumer+`,"card":`+cardJSON("card-1", "4111111145551140")+`}`, true)
	if r.status != 200 {
		t.Fatalf("enrol: %d %s", r.status, r.raw)
	}
	ids, _ := r.body["networkIds"].(map[string]any)
	own, _ := ids["consumer"].(string)
	if own == "" || own == "cons-1" || ids["owner"] != "10000001" || ids["card"] == "card-1" || ids["card"] == "" {
		t.Fatalf("networkIds = %v: the issuer's own identifiers, with the owner", ids)
	}
	if r.body["consumerRef"] != "cons-1" || r.body["cardRef"] != "card-1" {
		t.Fatalf("answers name the harness's refs: %s", r.raw)
	}
	if net.CardStatus("cons-1", "card-1") != "" || net.CardStatus(own, ids["card"].(string)) == "" {
		t.Fatal("the network saw the harness's refs instead of the issuer's")
	}
	if r = c.call("POST", "/enrolments", `{"consumer":`+consumer+`,"card":`+cardJSON("card-2", "4111111111111111")+`}`, true); r.body["networkIds"].(map[string]any)["consumer"] != own {
		t.Fatalf("the second card went to another consumer: %s", r.raw)
	}
	if r = c.call("GET", "/networks/visa/consumers/cons-1/profile", "", true); r.status != 200 || r.body["consumerRef"] != "cons-1" || len(r.body["cards"].([]any)) != 2 {
		t.Fatalf("profile by the harness's ref: %d %s", r.status, r.raw)
	}
	if r = c.call("POST", "/consumers/cons-1/cards/card-2/suspend", `{"reason":"LOST"}`, true); r.status != 200 || r.body["cardRef"] != "card-2" {
		t.Fatalf("suspend by the harness's refs: %d %s", r.status, r.raw)
	}
	r = c.call("GET", "/enrolments", "", true)
	for _, e := range r.body["enrolments"].([]any) {
		m := e.(map[string]any)
		if m["consumerRef"] != "cons-1" || m["networkIds"].(map[string]any)["consumer"] != own {
			t.Fatalf("enrolments: %s", r.raw)
		}
	}
}

func TestDriverInfoAndLogs(t *testing.T) {
	net := clienttest.New(client.Visa)
	logs := driver.NewLogBuffer(2)
	iss, _ := client.New(client.WithAdapter(net), client.WithLogger(slog.New(logs)), client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	c := newContract(t, driver.New(iss, nil, nil, driver.WithLogs(logs),
		driver.WithInfo(driver.Info{Name: "acme", Version: "1.0", Callbacks: map[client.Network]string{client.Visa: "http://issuer.example/callbacks/visa"}})))
	r := c.call("GET", "/info", "", true)
	if r.status != 200 || r.body["name"] != "acme" || r.body["logs"] != true || len(r.body["networks"].([]any)) != 1 {
		t.Fatalf("info: %d %s", r.status, r.raw)
	}
	c.call("POST", "/enrolments", `{"consumer":`+consumer+`,"card":`+cardJSON("card-1", "4111111145551140")+`}`, true)
	r = c.call("GET", "/logs", "", true)
	lines := r.body["lines"].([]any)
	if r.status != 200 || len(lines) == 0 || len(lines) > 2 {
		t.Fatalf("logs: %d %s", r.status, r.raw)
	}
	next := r.body["next"].(float64)
	if r = c.call("GET", "/logs?after="+strconv.Itoa(int(next)), "", true); len(r.body["lines"].([]any)) != 0 {
		t.Fatalf("lines after the last one: %s", r.raw)
	}
	plain := newContract(t, driver.New(iss, nil, nil))
	if r = plain.call("GET", "/logs", "", true); r.status != 501 {
		t.Fatalf("a driver without logs answers 501: %d", r.status)
	}
}

// codeIssuer is a network whose issuer issues its own activation codes.
type codeIssuer struct {
	*clienttest.Adapter
	codes map[string]string
}

func (c codeIssuer) IssuedCode(tokenRef string) (string, time.Time, bool) {
	code, ok := c.codes[tokenRef]
	return code, time.Date(2030, 8, 1, 12, 30, 0, 0, time.UTC), ok
}

// The harness, playing the cardholder, reads the code the issuer's channel
// sent for a token; a token without one is 404, a network whose issuer
// issues no codes 501.
func TestDriverActivationCode(t *testing.T) {
	net := codeIssuer{Adapter: clienttest.New(client.Visa), codes: map[string]string{"DM4MMC0001": "482913"}}
	iss, _ := client.New(client.WithAdapter(net), client.WithAdapter(clienttest.New(client.Amex)))
	c := newContract(t, driver.New(iss, nil, nil))
	r := c.call("GET", "/networks/visa/tokens/DM4MMC0001/activation-code", "", true)
	if r.status != 200 || r.body["code"] != "482913" || r.body["tokenRef"] != "DM4MMC0001" || r.body["expiresAt"] != "2030-08-01T12:30:00Z" {
		t.Fatalf("issued code: %d %s", r.status, r.raw)
	}
	if r = c.call("GET", "/networks/visa/tokens/DM4MMC0002/activation-code", "", true); r.status != 404 || r.body["error"].(map[string]any)["code"] != "not_found" {
		t.Fatalf("a token without a code: %d %s", r.status, r.raw)
	}
	if r = c.call("GET", "/networks/amex/tokens/DM4MMC0001/activation-code", "", true); r.status != 501 || r.body["error"].(map[string]any)["code"] != "unsupported" {
		t.Fatalf("a network whose issuer issues no codes: %d %s", r.status, r.raw)
	}
}
