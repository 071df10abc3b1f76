package simulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/c2psim/c2psim/openapi"
)

// kinParamsFinding is what kin-openapi's ValidateRequest says of r, as
// validateRequest runs it (the body left out).
func kinParamsFinding(route *routers.Route, r *http.Request) error {
	r.Body = http.NoBody
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: map[string]string{}, Route: route,
		Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true, ExcludeRequestBody: true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}

// putCard declares one optional header parameter, x-openapi-clientid: a
// request without it leaves kin-openapi nothing to find, so it is not
// run; one with it is, and kin-openapi still refuses a bad value.
func TestHasRequestChecksSkipsOnlyAnAbsentOptionalHeader(t *testing.T) {
	doc, err := openapi.Load("mastercard/enrollment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	item := doc.Paths.Find("/cards")
	route := &routers.Route{Spec: doc, Path: "/cards", PathItem: item, Method: http.MethodPost, Operation: item.Post}
	req := func(h map[string]string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://sandbox.example/mastercard/src/api/digital/payments/cards", nil)
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}

	without := req(nil)
	if hasRequestChecks(route, without.Header) {
		t.Fatal("a request without x-openapi-clientid still runs kin-openapi")
	}
	if err := kinParamsFinding(route, without); err != nil {
		t.Fatalf("kin-openapi finds %v in a request it is skipped for", err)
	}
	for _, v := range []string{"0123456789abcdef01234567", "", strings.Repeat("x", 65)} {
		r := req(map[string]string{"X-Openapi-Clientid": v})
		if !hasRequestChecks(route, r.Header) {
			t.Fatalf("x-openapi-clientid %q: kin-openapi is not run", v)
		}
	}
	if err := kinParamsFinding(route, req(map[string]string{"X-Openapi-Clientid": strings.Repeat("x", 65)})); err == nil {
		t.Fatal("kin-openapi passes a 65-character x-openapi-clientid")
	}

	// A required header, a query parameter, a header of a composite
	// schema or in content: kin-openapi is run, sent or not.
	str := &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}
	for _, p := range []*openapi3.Parameter{
		{Name: "x-a", In: openapi3.ParameterInHeader, Required: true, Schema: str},
		{Name: "a", In: openapi3.ParameterInQuery, Schema: str},
		{Name: "x-a", In: openapi3.ParameterInHeader, Schema: &openapi3.SchemaRef{Value: openapi3.NewAllOfSchema(openapi3.NewStringSchema())}},
		{Name: "x-a", In: openapi3.ParameterInHeader, Schema: &openapi3.SchemaRef{Value: openapi3.NewArraySchema()}},
		{Name: "x-a", In: openapi3.ParameterInHeader, Content: openapi3.NewContentWithJSONSchema(openapi3.NewStringSchema())},
	} {
		op := *item.Post
		op.Parameters = openapi3.Parameters{{Value: p}}
		r := &routers.Route{Spec: doc, Path: "/cards", PathItem: &openapi3.PathItem{}, Method: http.MethodPost, Operation: &op}
		if !hasRequestChecks(r, http.Header{}) {
			t.Errorf("%s %s (required %v): kin-openapi is not run", p.In, p.Name, p.Required)
		}
	}
}
