package amex_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator/networks/amex"
)

// sdkJSON lays out an object as the SDK's JsonUtility writes it: Jackson
// with INDENT_OUTPUT ("key" : value, two-space indent) and NON_NULL (a field
// the builder was not given is left out). kv alternates keys and values;
// values are already JSON.
func sdkJSON(indent string, kv ...string) string {
	var b strings.Builder
	b.WriteString("{\n")
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "%s  %q : %s", indent, kv[i], kv[i+1])
	}
	b.WriteString("\n" + indent + "}")
	return b.String()
}

// sdkCall sends a request the way the SDK's ApiClient does: the
// HmacAuthProvider's three headers (Authorization over the URL's path only,
// x-amex-api-key, a lower-case random x-amex-request-id),
// x-amex-token-requester-id only when one is configured, and Content-Type
// application/json on a POST.
func (c *issuer) sdkCall(method, pathAndQuery string, body []byte, tokenRequester bool) (answer, string) {
	c.t.Helper()
	id := mac.NewUUID()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.srv.URL+base+pathAndQuery, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(mac.HeaderRequestID, id)
	if tokenRequester {
		req.Header.Set(mac.HeaderTokenRequesterID, c.creds["token-requester-id"].Value)
	}
	if err := c.signer.Sign(req, body); err != nil {
		c.t.Fatal(err)
	}
	return c.do(req), id
}

// The Token Service SDK's own requests (ProvisioningRequest, StatusRequest,
// MetaDataRequest, NotificationsRequest, exactly the fields it sends and
// nothing of c2psim's) enrol, read and change a card.
func TestTheSDKsOwnRequestShapesAreAccepted(t *testing.T) {
	_, c := start(t)
	// ProvisioningRequest as the SDK sample builds it: the postal code is the
	// only billing line, no name on card, no consumer_ref, card_ref, locale
	// or country; the card is the sample's.
	plain := sdkJSON("",
		"account_type", `"credit_card"`,
		"credit_card", sdkJSON("  ", "account_number", `"371111111111111"`, "expiry_month", "12", "expiry_year", "2030"),
		"billing_address", sdkJSON("  ", "postal_code", `"11111"`))
	acct, err := jwe.Encrypt([]byte(plain), c.creds["encryption-key"].KeyID, c.key)
	if err != nil {
		t.Fatal(err)
	}
	body := sdkJSON("",
		"user_data", sdkJSON("  ", "phone", `"+0011112224444"`, "name", `"first|middle|last"`, "email", `"cm@example.com"`),
		"risk_assessment_data", sdkJSON("  ", "account_input_method", `"On File"`),
		"account_data", strconv.Quote(acct))
	enrol, requestID := c.sdkCall("POST", "/tokens/provisioning", []byte(body), false)
	expect(t, enrol, 200, "")
	tok := enrol.str("token_ref_id")
	// Without consumer_ref the enrolment opens its own profile, named by the
	// request ID (the document's rule), and says so.
	if enrol.str("token_status") != "ACTIVE" || enrol.str("consumer_ref") != requestID || tok == "" {
		t.Fatalf("enrol answer %s (request ID %s)", enrol.raw, requestID)
	}

	// StatusRequest and MetaDataRequest: GET, no body; with and without the
	// token requester header (the SDK sends it only when configured).
	st, _ := c.sdkCall("GET", "/tokens/"+tok+"/status", nil, true)
	expect(t, st, 200, "")
	md, _ := c.sdkCall("GET", "/tokens/"+tok+"/metadata", nil, false)
	expect(t, md, 200, "")
	if md.str("consumer_ref") != requestID || md.str("account_last4") != "1111" {
		t.Fatalf("metadata %s", md.raw)
	}

	// NotificationsRequest: token_ref_id and notification_type, no reason.
	for _, step := range []struct{ typ, want string }{{"suspend", "SUSPENDED"}, {"resume", "ACTIVE"}, {"delete", "DELETED"}} {
		n := sdkJSON("", "notification_type", strconv.Quote(step.typ), "token_ref_id", strconv.Quote(tok))
		a, _ := c.sdkCall("POST", "/tokens/notifications", []byte(n), true)
		expect(t, a, 200, "")
		if a.str("token_status") != step.want {
			t.Fatalf("%s: %s", step.typ, a.raw)
		}
	}

	// The profile the enrolment opened reads back under the derived reference.
	p, _ := c.sdkCall("GET", "/consumers/"+requestID, nil, false)
	expect(t, p, 200, "")
	if ud, _ := p.body["user_data"].(map[string]any); ud["name"] != "first|middle|last" || ud["locale"] != nil {
		t.Fatalf("profile %s", p.raw)
	}
}

// The SDK's billing address may carry every line, and risk_assessment_data
// may be empty (no input method given): both are the SDK's shape.
func TestTheSDKsFullBillingAddressAndEmptyRiskData(t *testing.T) {
	_, c := start(t)
	plain := sdkJSON("",
		"account_type", `"credit_card"`,
		"credit_card", sdkJSON("  ", "account_number", `"378282246310005"`, "expiry_month", "2", "expiry_year", "2031"),
		"billing_address", sdkJSON("  ", "address_line1", `"address1"`, "address_line2", `"address2"`, "address_line3", `"address3"`,
			"city", `"city"`, "state", `"state"`, "postal_code", `"11111"`, "country", `"USA"`))
	acct, _ := jwe.Encrypt([]byte(plain), c.creds["encryption-key"].KeyID, c.key)
	body := sdkJSON("",
		"user_data", sdkJSON("  ", "phone", `"1112224444"`, "name", `"first|middle|last"`, "email", `"cm@example.com"`),
		"risk_assessment_data", "{ }",
		"account_data", strconv.Quote(acct))
	a, _ := c.sdkCall("POST", "/tokens/provisioning", []byte(body), true)
	expect(t, a, 200, "")
}

// The mac covers the URL's path only, as HmacAuthProvider builds it
// (java.net.URL.getPath()): a request with a query string verifies exactly
// as without one, and a mac computed over the path with the query is refused.
func TestTheMACCoversThePathWithoutTheQuery(t *testing.T) {
	_, c := start(t)
	tok := c.enrol("cm-q", "", amex.SampleTestPAN).str("token_ref_id")

	a, _ := c.sdkCall("GET", "/tokens/"+tok+"/status?fields=all&x=1", nil, true)
	expect(t, a, 200, "")

	// The same request, its mac computed over "path?query".
	withQuery := func(r *http.Request) {
		path, host, port, err := mac.Target(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		ts, nonce := strconv.FormatInt(c.srv.Clock.Now().UnixMilli(), 10), mac.NewUUID()
		bh := mac.BodyHash(c.signer.Secret, nil)
		p := mac.Params{ID: c.signer.ID, TS: ts, Nonce: nonce, BodyHash: bh,
			MAC: mac.Sum(c.signer.Secret, mac.Canonical(ts, nonce, "GET", path+"?"+r.URL.RawQuery, host, port, bh))}
		r.Header.Set("Authorization", p.String())
	}
	refused := c.send("GET", "/tokens/"+tok+"/status?fields=all", nil, c.requestID(), withQuery)
	expect(t, refused, 401, "AUTHENTICATION_FAILED")
	if !strings.Contains(refused.str("error_description"), "mac does not match") {
		t.Fatalf("%s", refused.raw)
	}
}
